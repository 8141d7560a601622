namespace Kinesis.LocalServices;

/// <summary>
/// A set of running local emulators, started together and stopped together.
/// </summary>
/// <example>
/// <code>
/// await using var services = await LocalAwsServices.StartAsync(LocalServiceKind.KinesisLocal, LocalServiceKind.Dynalite);
/// var kinesis = services.KinesisLocal.Endpoint;
/// </code>
/// </example>
public sealed class LocalAwsServices : IAsyncDisposable
{
    /// <summary>Region used by every client that talks to the emulators.</summary>
    public const string Region = "us-east-1";

    /// <summary>Access key id accepted by the emulators (they check the signature's shape, not the key).</summary>
    public const string AccessKeyId = "AKIDLOCALEMULATOR";

    /// <summary>Secret key paired with <see cref="AccessKeyId"/>.</summary>
    public const string SecretAccessKey = "local-emulator-secret-key";

    private readonly Dictionary<LocalServiceKind, LocalServiceProcess> services;

    private LocalAwsServices(Dictionary<LocalServiceKind, LocalServiceProcess> services) => this.services = services;

    /// <summary>kinesis-local, if it was started.</summary>
    public LocalServiceProcess KinesisLocal => Get(LocalServiceKind.KinesisLocal);

    /// <summary>kinesalite, if it was started.</summary>
    public LocalServiceProcess Kinesalite => Get(LocalServiceKind.Kinesalite);

    /// <summary>dynalite, if it was started.</summary>
    public LocalServiceProcess Dynalite => Get(LocalServiceKind.Dynalite);

    /// <summary>Every started service.</summary>
    public IReadOnlyCollection<LocalServiceProcess> All => services.Values;

    /// <summary>Starts the given emulators (all three when none are named) in parallel.</summary>
    public static Task<LocalAwsServices> StartAsync(params LocalServiceKind[] kinds) => StartAsync(kinds, CancellationToken.None);

    /// <summary>Starts the given emulators (all three when none are named) in parallel.</summary>
    public static async Task<LocalAwsServices> StartAsync(IReadOnlyCollection<LocalServiceKind> kinds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(kinds);
        var wanted = kinds.Count == 0 ? Enum.GetValues<LocalServiceKind>() : kinds.Distinct().ToArray();

        // Install once up front so parallel starts do not race on npm ci.
        await NodePackages.EnsureInstalledAsync(NodePackages.FindPackageDirectory(), cancellationToken).ConfigureAwait(false);
        var starts = wanted.Select(kind => LocalServiceProcess.StartAsync(kind, cancellationToken)).ToArray();
        try
        {
            await Task.WhenAll(starts).ConfigureAwait(false);
        }
        catch
        {
            foreach (var start in starts.Where(s => s.IsCompletedSuccessfully))
            {
                await (await start.ConfigureAwait(false)).DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }

        var started = await Task.WhenAll(starts).ConfigureAwait(false);
        return new LocalAwsServices(started.ToDictionary(s => s.Kind));
    }

    /// <summary>Stops every service. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var service in services.Values)
        {
            await service.DisposeAsync().ConfigureAwait(false);
        }
    }

    private LocalServiceProcess Get(LocalServiceKind kind) =>
        services.TryGetValue(kind, out var service)
            ? service
            : throw new InvalidOperationException($"{kind} was not started; pass it to {nameof(StartAsync)}.");
}
