using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Kinesis.LocalServices;

namespace Kinesis.Benchmarks.LoadRunner;

/// <summary>
/// The Node.js peer of producer-e2e (benchmarks/node-peer: npm aws-kinesis-agg and @aws-sdk/client-kinesis, installed
/// with <c>npm ci</c> from its lockfile on first use). Skipped, with a message, when node or npm is missing or the install fails.
/// </summary>
internal static class NodePeer
{
    public const string Name = "Node.js peer (aws-kinesis-agg, SDK v3, 1 MB aggregates)";

    /// <summary>The peer's directory, installed; null (after saying why) when it cannot run.</summary>
    public static async Task<string?> PrepareAsync()
    {
        var directory = Find();
        if (directory is null)
        {
            Console.WriteLine("  Node.js peer skipped: benchmarks/node-peer not found above the benchmark's directory.");
            return null;
        }

        if (Directory.Exists(Path.Combine(directory, "node_modules", "aws-kinesis-agg")))
        {
            return directory;
        }

        try
        {
            var (exitCode, _, error) = await RunProcessAsync("npm", ["ci", "--no-audit", "--no-fund"], directory).ConfigureAwait(false);
            if (exitCode == 0)
            {
                return directory;
            }

            Console.WriteLine($"  Node.js peer skipped: npm ci failed ({exitCode}): {error.Trim()}");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            Console.WriteLine($"  Node.js peer skipped: npm not found ({ex.Message}).");
        }

        return null;
    }

    public static async Task<(double Seconds, double CpuSeconds)> RunAsync(string directory, Uri endpoint, string stream, int records, int recordSize, int concurrency, int warmUp = 0)
    {
        string[] arguments =
        [
            "peer.cjs", endpoint.ToString(), stream, records.ToString(CultureInfo.InvariantCulture), recordSize.ToString(CultureInfo.InvariantCulture),
            concurrency.ToString(CultureInfo.InvariantCulture), LocalAwsServices.AccessKeyId, LocalAwsServices.SecretAccessKey, LocalAwsServices.Region,
            warmUp.ToString(CultureInfo.InvariantCulture),
        ];
        var (exitCode, output, error) = await RunProcessAsync("node", arguments, directory).ConfigureAwait(false);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"The Node.js peer failed ({exitCode}): {error.Trim()}");
        }

        using var json = JsonDocument.Parse(output.Trim().Split('\n')[^1]);
        return (json.RootElement.GetProperty("seconds").GetDouble(), json.RootElement.GetProperty("cpuSeconds").GetDouble());
    }

    private static string? Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "benchmarks", "node-peer");
            if (File.Exists(Path.Combine(candidate, "package-lock.json")))
            {
                return candidate;
            }
        }

        return null;
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunProcessAsync(string file, string[] arguments, string directory)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().ConfigureAwait(false);
        return (process.ExitCode, await output.ConfigureAwait(false), await error.ConfigureAwait(false));
    }
}
