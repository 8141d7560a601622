using Kinesis.LocalServices;
using Xunit;

namespace Kinesis.Testing;

/// <summary>
/// Starts kinesis-local, kinesalite and dynalite once per test assembly (through an xunit collection
/// fixture) and stops them afterwards. Tests isolate themselves with <see cref="UniqueName"/> instead
/// of restarting services.
/// </summary>
/// <remarks>Each test assembly declares <c>[CollectionDefinition(LocalAwsCollection.Name)]</c> on a class implementing <c>ICollectionFixture&lt;LocalAwsFixture&gt;</c>.</remarks>
public sealed class LocalAwsFixture : IAsyncLifetime
{
    private LocalAwsServices? services;

    /// <summary>The running services.</summary>
    public LocalAwsServices Services => services ?? throw new InvalidOperationException("The fixture has not started.");

    /// <summary>kinesis-local (full Kinesis API, HTTP/2 and HTTP/1.1).</summary>
    public Uri KinesisLocalEndpoint => Services.KinesisLocal.Endpoint;

    /// <summary>kinesalite (fast, HTTP/1.1, no stream consumers).</summary>
    public Uri KinesaliteEndpoint => Services.Kinesalite.Endpoint;

    /// <summary>dynalite (DynamoDB).</summary>
    public Uri DynaliteEndpoint => Services.Dynalite.Endpoint;

    /// <summary>A name unique to this run, valid as a stream or table name (letters, digits, '-', at most 128 characters).</summary>
    public static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 33, 128)];

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        services = await LocalAwsServices.StartAsync([], timeout.Token).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (services is not null)
        {
            await services.DisposeAsync().ConfigureAwait(false);
        }
    }
}
