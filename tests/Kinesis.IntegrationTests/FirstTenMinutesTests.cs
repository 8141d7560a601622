using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Kinesis.Testing;

namespace Kinesis.IntegrationTests;

/// <summary>
/// Runs the <c>bash</c> blocks of docs/first-ten-minutes.md in order, verbatim, as one terminal session would: the
/// block that starts the emulators in the background (on free ports instead of 4567-4569, which the other blocks'
/// endpoints are mapped to), every other block in one bash process. So the page cannot drift from what works.
/// </summary>
[Collection(LocalAwsCollection.Name)]
public sealed partial class FirstTenMinutesTests
{
    private const string StartEmulators = "tools/local-aws/start.sh";

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task FirstTenMinutesPage_EveryBashBlockInOrder_StreamCreatedAndConsumerFollowsBothReshards()
    {
        var root = BuiltPrograms.RepositoryRoot;
        var page = await File.ReadAllTextAsync(Path.Combine(root, "docs", "first-ten-minutes.md"));
        var blocks = FencedBlocks(page, "bash");
        var start = Assert.Single(blocks, b => b.Contains(StartEmulators, StringComparison.Ordinal));
        var (kinesisLocal, kinesalite, dynalite) = (FreePort(tlsOffset: 1000), FreePort(), FreePort());
        var probe = Path.Combine(Path.GetTempPath(), $"first-ten-minutes-{Guid.NewGuid():N}.jsonl");

        var script = new StringBuilder();
        foreach (var block in blocks.Where(b => b != start))
        {
            script.Append(block
                .Replace("127.0.0.1:4567", $"127.0.0.1:{kinesisLocal}", StringComparison.Ordinal)
                .Replace("127.0.0.1:4568", $"127.0.0.1:{kinesalite}", StringComparison.Ordinal)
                .Replace("127.0.0.1:4569", $"127.0.0.1:{dynalite}", StringComparison.Ordinal));

            // Not a command of the page: keeps what the consumer printed, which the cleanup block deletes.
            if (block.Contains("wait \"$consumer\"", StringComparison.Ordinal))
            {
                script.AppendLine($"cp consumed.jsonl '{probe}'");
            }
        }

        // Killed with the emulators it started when the test ends; its output is drained so a chatty emulator never blocks.
        await using var emulators = ChildProcess.Start("bash", ["-c", start], root, EmulatorPorts(kinesisLocal, kinesalite, dynalite));
        try
        {
            await Eventually.HoldsAsync(() => Task.FromResult(Listening(kinesisLocal) && Listening(kinesalite) && Listening(dynalite)), TimeSpan.FromMinutes(2), "the emulators of start.sh to listen");

            var (exitCode, stdout, stderr) = await RunScriptAsync(script.ToString(), root);

            Assert.True(exitCode == 0, $"exit {exitCode}\nstdout: {stdout}\nstderr: {stderr}");

            // Every line the page shows as output, except abbreviated ones, is printed as shown.
            var printed = (stdout + "\n" + stderr).Split('\n').Select(l => l.TrimEnd()).ToHashSet(StringComparer.Ordinal);
            foreach (var line in FencedBlocks(page, "text").SelectMany(b => b.Split('\n')).Select(l => l.TrimEnd()).Where(l => l.Length > 0 && !l.Contains("...", StringComparison.Ordinal)))
            {
                Assert.Contains(line, printed);
            }

            // The per-shard counts: every record printed once, from the parents and from the children of both reshards.
            var counts = ShardCountLine().Matches(stdout).ToDictionary(m => m.Groups[2].Value, m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(300, counts.Values.Sum());
            Assert.Equal(Enumerable.Range(0, 10).Select(i => $"shardId-{i:D12}"), counts.Keys.Order(StringComparer.Ordinal));
            Assert.Contains("shards     6 open, 4 closed", printed);

            var data = (await File.ReadAllLinesAsync(probe))
                .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("data").GetBytesFromBase64())
                .Select(Encoding.UTF8.GetString)
                .ToList();
            Assert.Equal(Enumerable.Range(1, 300).Select(i => $"order-{i}").Order(StringComparer.Ordinal), data.Order(StringComparer.Ordinal));
            Assert.Equal(3, stderr.Split('\n').Count(l => l.Contains("\"linesRead\":100,\"recordsPut\":100,\"rejected\":0,\"failed\":0", StringComparison.Ordinal)));
            Assert.False(File.Exists(Path.Combine(root, "consumed.jsonl")), "the cleanup block removes consumed.jsonl");
        }
        finally
        {
            File.Delete(probe);
            File.Delete(Path.Combine(root, "consumed.jsonl"));
        }
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task StartScript_APortInUse_ExitsAtOnceNamingThePortAndItsVariable()
    {
        // Before: the emulator that could not bind died, the script printed its endpoints and ran on without it.
        var (kinesisLocal, kinesalite) = (FreePort(tlsOffset: 1000), FreePort());
        using var busy = new TcpListener(IPAddress.Loopback, 0);
        busy.Start();
        var dynalite = ((IPEndPoint)busy.LocalEndpoint).Port;

        var run = await ChildProcess.RunAsync("bash", [StartEmulators], TimeSpan.FromSeconds(60), BuiltPrograms.RepositoryRoot, EmulatorPorts(kinesisLocal, kinesalite, dynalite));

        Assert.Equal(1, run.ExitCode);
        Assert.Equal(
            $"start.sh: port {dynalite} for dynalite is already in use (emulators already running?); stop what uses it or set DYNALITE_PORT.",
            run.Stderr.Trim());
        Assert.False(Listening(kinesisLocal) || Listening(kinesalite), "nothing was started");
    }

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task StartScript_OneEmulatorDies_StopsTheOthersAndExitsNamingIt()
    {
        var (kinesisLocal, kinesalite, dynalite) = (FreePort(tlsOffset: 1000), FreePort(), FreePort());
        await using var emulators = ChildProcess.Start("bash", [StartEmulators], BuiltPrograms.RepositoryRoot, EmulatorPorts(kinesisLocal, kinesalite, dynalite));
        await Eventually.HoldsAsync(() => Task.FromResult(Listening(kinesisLocal) && Listening(kinesalite) && Listening(dynalite)), TimeSpan.FromMinutes(2), "the emulators of start.sh to listen");

        var kill = await ChildProcess.RunAsync("pkill", ["-f", $"dynalite/cli.js --host 127.0.0.1 --port {dynalite} "], TimeSpan.FromSeconds(30));
        Assert.Equal(0, kill.ExitCode);

        Assert.Equal(1, await emulators.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("start.sh: dynalite stopped", emulators.Stderr, StringComparison.Ordinal);
        await Eventually.HoldsAsync(() => Task.FromResult(!Listening(kinesisLocal) && !Listening(kinesalite)), TimeSpan.FromSeconds(30), "the other emulators to stop");
    }

    private static Dictionary<string, string?> EmulatorPorts(int kinesisLocal, int kinesalite, int dynalite) => new()
    {
        ["KINESIS_LOCAL_PORT"] = kinesisLocal.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["KINESALITE_PORT"] = kinesalite.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["DYNALITE_PORT"] = dynalite.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>The contents of the fenced blocks of a language, in page order.</summary>
    private static List<string> FencedBlocks(string markdown, string language) =>
        Regex.Matches(markdown.ReplaceLineEndings("\n"), $"^```{language}\\n(.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)
            .Select(m => m.Groups[1].Value)
            .ToList();

    /// <summary>Runs the script in one bash process (<c>bash -euo pipefail</c>, the script on stdin) within 4 minutes.</summary>
    private static async Task<ProcessRun> RunScriptAsync(string script, string workingDirectory)
    {
        // Whatever the test host has, the page's own `export` line is what the tools see.
        var environment = new[] { "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE" }
            .ToDictionary(name => name, _ => (string?)null);
        using var stdin = new MemoryStream(Encoding.UTF8.GetBytes(script));
        return await ChildProcess.RunAsync("bash", ["-e", "-u", "-o", "pipefail", "-s"], TimeSpan.FromMinutes(4), workingDirectory, environment, stdin);
    }

    /// <summary>A free loopback port; with <paramref name="tlsOffset"/>, one whose port + offset is free too (kinesis-local's TLS port).</summary>
    private static int FreePort(int tlsOffset = 0)
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            if (tlsOffset == 0)
            {
                return port;
            }

            if (port + tlsOffset > IPEndPoint.MaxPort)
            {
                continue;
            }

            try
            {
                using var tls = new TcpListener(IPAddress.Loopback, port + tlsOffset);
                tls.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken: try another.
            }
        }
    }

    private static bool Listening(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    [GeneratedRegex("^\\s*(\\d+) \"shardId\":\"(shardId-\\d{12})\"$", RegexOptions.Multiline)]
    private static partial Regex ShardCountLine();
}
