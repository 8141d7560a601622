using System.Diagnostics;
using System.Text;

namespace Kinesis.Agent.Tests;

/// <summary>The built <c>kinesis-agent</c> tool run as a real process (the samples/KinesisAgent project reference builds it).</summary>
internal sealed class AgentProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();

    private AgentProcess(Process process)
    {
        this.process = process;
    }

    public int Id => process.Id;

    /// <summary>What the process wrote to stdout and stderr so far.</summary>
    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    public static AgentProcess Start(string configPath)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(ToolPath());
        info.ArgumentList.Add("--config");
        info.ArgumentList.Add(configPath);
        var process = new Process { StartInfo = info };
        var agent = new AgentProcess(process);
        process.OutputDataReceived += (_, e) => agent.Append(e.Data);
        process.ErrorDataReceived += (_, e) => agent.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return agent;
    }

    /// <summary>SIGKILL: no shutdown code runs.</summary>
    public async Task KillAsync()
    {
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, then the exit code (the process is killed if it does not exit within <paramref name="timeout"/>).</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-s", "TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            await KillAsync();
            throw new TimeoutException($"kinesis-agent did not stop within {timeout} after SIGTERM; output:\n{Output}");
        }

        return process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            await KillAsync();
        }

        process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private static string ToolPath()
    {
        // tests/Kinesis.Agent.Tests/bin/<Configuration>/<tfm>/ -> samples/KinesisAgent/bin/<Configuration>/<tfm>/kinesis-agent.dll
        var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = framework.Parent!;
        var root = configuration.Parent!.Parent!.Parent!.Parent!;
        var path = Path.Combine(root.FullName, "samples", "KinesisAgent", "bin", configuration.Name, framework.Name, "kinesis-agent.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"Build samples/KinesisAgent first; {path} is missing.", path);
    }
}
