using System.Diagnostics;
using System.Text;
using Kinesis.LocalServices;

namespace Kinesis.IntegrationTests;

/// <summary>What a tool process printed and returned.</summary>
internal sealed record ToolRun(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>The non-empty lines of stderr.</summary>
    public string[] StderrLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Exit code and output, for assertion messages.</summary>
    public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
}

/// <summary>Runs the built tools (see the project's ProjectReferences) as processes, as a shell script would.</summary>
internal static class ToolRunner
{
    /// <summary>How long one tool run may take before it is killed and the test fails.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    /// <summary>
    /// Runs <c>dotnet &lt;assembly&gt;.dll</c> with the emulators' credentials and region in the environment, unless
    /// <paramref name="environment"/> overrides them (a null value removes a variable).
    /// </summary>
    public static async Task<ToolRun> RunAsync(string project, string assembly, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(ToolPath(project, assembly));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["AWS_ACCESS_KEY_ID"] = LocalAwsServices.AccessKeyId;
        start.Environment["AWS_SECRET_ACCESS_KEY"] = LocalAwsServices.SecretAccessKey;
        start.Environment["AWS_REGION"] = LocalAwsServices.Region;
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {assembly}");
        using var deadline = new CancellationTokenSource(Deadline);
        try
        {
            var stdout = process.StandardOutput.ReadToEndAsync(deadline.Token);
            var stderr = process.StandardError.ReadToEndAsync(deadline.Token);
            process.StandardInput.Close();
            await process.WaitForExitAsync(deadline.Token);
            return new ToolRun(process.ExitCode, await stdout, await stderr);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{assembly} {string.Join(' ', arguments)} did not finish within {Deadline}.");
        }
    }

    /// <summary>
    /// Starts the tool, waits until <paramref name="ready"/> completes (e.g. the tool connected to a test endpoint), sends
    /// it <paramref name="signal"/> (INT or TERM) and returns what it printed when it exited.
    /// </summary>
    public static async Task<ToolRun> RunAndSignalAsync(string project, string assembly, IEnumerable<string> arguments, Task ready, string signal)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(ToolPath(project, assembly));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["AWS_ACCESS_KEY_ID"] = LocalAwsServices.AccessKeyId;
        start.Environment["AWS_SECRET_ACCESS_KEY"] = LocalAwsServices.SecretAccessKey;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {assembly}");
        using var deadline = new CancellationTokenSource(Deadline);
        try
        {
            var stdout = process.StandardOutput.ReadToEndAsync(deadline.Token);
            var stderr = process.StandardError.ReadToEndAsync(deadline.Token);
            await ready.WaitAsync(deadline.Token);
            using (var kill = Process.Start("kill", ["-" + signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync(deadline.Token);
            }

            await process.WaitForExitAsync(deadline.Token);
            return new ToolRun(process.ExitCode, await stdout, await stderr);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{assembly} {string.Join(' ', arguments)} did not finish within {Deadline}.");
        }
    }

    /// <summary>The folder holding Kinesis.Libraries.sln.</summary>
    public static string RepositoryRoot()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Kinesis.Libraries.sln")))
        {
            root = root.Parent;
        }

        return root?.FullName ?? throw new InvalidOperationException("Kinesis.Libraries.sln not found above the test assembly.");
    }

    /// <summary>The tool's dll, built with the same configuration as this test assembly.</summary>
    public static string ToolPath(string project, string assembly)
    {
        var testDirectory = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var path = Path.Combine(RepositoryRoot(), "samples", project, "bin", testDirectory.Parent!.Name, testDirectory.Name, $"{assembly}.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"Build the samples first; {path} is missing.", path);
    }
}
