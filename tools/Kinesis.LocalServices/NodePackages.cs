using System.Diagnostics;

namespace Kinesis.LocalServices;

/// <summary>
/// Finds the repository's <c>tools/local-aws</c> folder and installs its pinned npm packages with
/// <c>npm ci</c> when they are missing. Installation is serialized across processes with a lock file,
/// because several test assemblies may start at the same time.
/// </summary>
public static class NodePackages
{
    /// <summary>Environment variable that overrides where <c>tools/local-aws</c> is.</summary>
    public const string DirectoryVariable = "KINESIS_LOCAL_AWS_DIR";

    private static readonly SemaphoreSlim InstallGate = new(1, 1);

    /// <summary>The folder holding package.json, package-lock.json and preload.cjs.</summary>
    public static string FindPackageDirectory()
    {
        var overridden = Environment.GetEnvironmentVariable(DirectoryVariable);
        if (!string.IsNullOrEmpty(overridden))
        {
            return Path.GetFullPath(overridden);
        }

        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "tools", "local-aws");
                if (File.Exists(Path.Combine(candidate, "package.json")))
                {
                    return candidate;
                }
            }
        }

        throw new LocalServicesException(
            $"Could not find tools/local-aws/package.json above '{AppContext.BaseDirectory}'; set {DirectoryVariable} to its folder.");
    }

    /// <summary>Runs <c>npm ci</c> in <paramref name="packageDirectory"/> unless every emulator is installed already.</summary>
    public static async Task EnsureInstalledAsync(string packageDirectory, CancellationToken cancellationToken = default)
    {
        await RequireToolAsync("node", cancellationToken).ConfigureAwait(false);
        if (IsInstalled(packageDirectory))
        {
            return;
        }

        await RequireToolAsync("npm", cancellationToken).ConfigureAwait(false);
        await InstallGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var fileLock = await AcquireFileLockAsync(Path.Combine(packageDirectory, ".install.lock"), cancellationToken).ConfigureAwait(false);
            if (IsInstalled(packageDirectory))
            {
                return;
            }

            var (exitCode, output) = await RunAsync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], packageDirectory, TimeSpan.FromMinutes(5), cancellationToken).ConfigureAwait(false);
            if (exitCode != 0 || !IsInstalled(packageDirectory))
            {
                throw new LocalServicesException($"'npm ci' in {packageDirectory} failed with exit code {exitCode}:{Environment.NewLine}{output}");
            }
        }
        finally
        {
            InstallGate.Release();
        }
    }

    internal static string EntryPoint(string packageDirectory, LocalServiceKind kind) => kind switch
    {
        LocalServiceKind.KinesisLocal => Path.Combine(packageDirectory, "node_modules", "kinesis-local", "main.js"),
        LocalServiceKind.Kinesalite => Path.Combine(packageDirectory, "node_modules", "kinesalite", "cli.js"),
        LocalServiceKind.Dynalite => Path.Combine(packageDirectory, "node_modules", "dynalite", "cli.js"),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown local service."),
    };

    private static bool IsInstalled(string packageDirectory) =>
        Enum.GetValues<LocalServiceKind>().All(kind => File.Exists(EntryPoint(packageDirectory, kind)));

    private static async Task RequireToolAsync(string tool, CancellationToken cancellationToken)
    {
        try
        {
            var (exitCode, _) = await RunAsync(tool, ["--version"], Directory.GetCurrentDirectory(), TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
            if (exitCode == 0)
            {
                return;
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // Not on PATH: reported below.
        }

        throw new LocalServicesException(
            $"'{tool}' was not found on PATH: the local AWS emulators need Node.js 20 or later with npm (https://nodejs.org).");
    }

    private static async Task<FileStream> AcquireFileLockAsync(string path, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(6);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    internal static async Task<(int ExitCode, string Output)> RunAsync(
        string fileName, IReadOnlyList<string> arguments, string workingDirectory, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo) ?? throw new LocalServicesException($"Could not start '{fileName}'.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(timeoutSource.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new LocalServicesException($"'{fileName} {string.Join(' ', arguments)}' did not finish within {timeout}.");
        }

        return (process.ExitCode, (await stdout.ConfigureAwait(false)) + (await stderr.ConfigureAwait(false)));
    }
}
