using System.Globalization;
using System.Text;
using System.Text.Json;
using Kinesis.LocalServices;
using Kinesis.Testing;
using Xunit.Abstractions;

namespace Kinesis.Agent.Tests;

/// <summary>The kinesis-agent tool killed with SIGKILL mid-stream and restarted: what a crash costs.</summary>
[Collection(LocalAwsCollection.Name)]
public sealed class AgentKillTests : IDisposable
{
    // Fixed-width lines, so a line's index follows from a file offset.
    private const int LineLength = 40;

    private readonly LocalAwsFixture fixture;
    private readonly ITestOutputHelper output;
    private readonly TempDirectory directory = new();

    public AgentKillTests(LocalAwsFixture fixture, ITestOutputHelper output)
    {
        this.fixture = fixture;
        this.output = output;
    }

    public void Dispose() => directory.Dispose();

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task KillDash9_MidStream_RestartLosesNothingAndDuplicatesOnlyRecordsPastTheCheckpoint()
    {
        var stream = LocalAwsFixture.UniqueName("agent-kill");
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        await LocalKinesis.CreateStreamAsync(client, stream, 2);
        var log = directory.File("app.log");
        var checkpoints = directory.File("checkpoints");
        var config = directory.File("agent.json");
        File.WriteAllText(config, $$"""
            {
              "kinesis.endpoint": "{{fixture.KinesisLocalEndpoint}}",
              "awsAccessKeyId": "{{LocalAwsServices.AccessKeyId}}",
              "awsSecretAccessKey": "{{LocalAwsServices.SecretAccessKey}}",
              "checkpointFile": "{{checkpoints}}",
              "flows": [ { "filePattern": "{{log}}", "kinesisStream": "{{stream}}", "initialPosition": "START_OF_FILE" } ]
            }
            """);
        File.WriteAllText(log, string.Empty);

        // The writer keeps appending (about 2,000 lines a second) while the agent runs, dies and restarts.
        using var stopWriting = new CancellationTokenSource();
        var writer = WriteLinesAsync(log, stopWriting.Token);
        long checkpointAtKill;
        await using (var first = AgentProcess.Start(config))
        {
            // Progress is read from the checkpoint file: reading the stream over and over would slow the test down.
            await Eventually.HoldsAsync(
                () => CheckpointOffset(checkpoints) >= 2_000 * LineLength,
                TimeSpan.FromSeconds(90),
                $"2,000 lines checkpointed; output:\n{first.Output}",
                TimeSpan.FromMilliseconds(50));
            await first.KillAsync();
            checkpointAtKill = CheckpointOffset(checkpoints) ?? 0;
            output.WriteLine($"killed: checkpoint at line {checkpointAtKill / LineLength}, {new FileInfo(log).Length / LineLength} lines written");
        }

        int totalLines;
        await using (var second = AgentProcess.Start(config))
        {
            await Eventually.HoldsAsync(
                () => CheckpointOffset(checkpoints) >= checkpointAtKill + (2_000 * LineLength),
                TimeSpan.FromSeconds(90),
                $"2,000 more lines checkpointed after the restart; output:\n{second.Output}",
                TimeSpan.FromMilliseconds(50));
            await stopWriting.CancelAsync();
            await writer;
            var length = new FileInfo(log).Length;
            totalLines = (int)(length / LineLength);
            await Eventually.HoldsAsync(() => CheckpointOffset(checkpoints) == length, TimeSpan.FromSeconds(90), "the checkpoint at the end of the file", TimeSpan.FromMilliseconds(50));
            Assert.Equal(0, await second.TerminateAsync(TimeSpan.FromSeconds(60)));
        }

        var lines = await ReadLinesAsync(client, stream);
        var counts = lines.GroupBy(l => l).ToDictionary(g => g.Key, g => g.Count());
        var duplicated = counts.Where(c => c.Value > 1).Select(c => Index(c.Key)).Order().ToList();
        output.WriteLine($"{lines.Count} records for {totalLines} lines: {duplicated.Count} duplicated (lines {(duplicated.Count > 0 ? $"{duplicated[0]}..{duplicated[^1]}" : "none")})");

        // No loss: every line written is in the stream.
        Assert.Equal(totalLines, counts.Count);

        // Duplicates only for records not checkpointed at the kill (sent, perhaps acknowledged, but not yet written to
        // the checkpoint file), and each at most twice.
        var firstUncheckpointed = (int)(checkpointAtKill / LineLength);
        Assert.All(duplicated, index => Assert.True(index >= firstUncheckpointed, $"line {index} is before the checkpoint at the kill (line {firstUncheckpointed}) and was sent twice"));
        Assert.All(counts.Values, count => Assert.InRange(count, 1, 2));

        // A graceful stop after the restart leaves the checkpoint at the end of the file.
        Assert.Equal(new FileInfo(log).Length, CheckpointOffset(checkpoints));
    }

    // Whole batches of whole lines until cancelled: the file always ends with a complete line.
    private static async Task WriteLinesAsync(string path, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        var batch = new StringBuilder();
        for (var i = 0; !cancellationToken.IsCancellationRequested; i += 20)
        {
            batch.Clear();
            for (var j = i; j < i + 20; j++)
            {
                batch.Append(Line(j));
            }

            await file.WriteAsync(Encoding.ASCII.GetBytes(batch.ToString()), CancellationToken.None);
            await file.FlushAsync(CancellationToken.None);
            try
            {
                await Task.Delay(10, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static string Line(int index) => $"line-{index.ToString("D8", CultureInfo.InvariantCulture)} {new string('x', LineLength - 15)}\n";

    private static int Index(string line) => int.Parse(line.AsSpan(5, 8), CultureInfo.InvariantCulture);

    private static long? CheckpointOffset(string path)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            var files = document.RootElement.GetProperty("files");
            return files.GetArrayLength() == 1 ? files[0].GetProperty("offset").GetInt64() : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static async Task<List<string>> ReadLinesAsync(Kinesis.Core.Api.KinesisApiClient client, string stream) =>
        (await LocalKinesis.ReadAllAsync(client, stream)).Select(r => Encoding.UTF8.GetString(r.Record.Data.Span)).ToList();
}
