using System.Net;
using System.Text;
using System.Text.Json;
using Kinesis.Agent.Configuration;
using Kinesis.LocalServices;
using Kinesis.Testing;
using Microsoft.Extensions.Logging;

namespace Kinesis.Agent.Tests;

/// <summary>The agent against kinesis-local, with real files rotated by the test while the agent runs.</summary>
[Collection(LocalAwsCollection.Name)]
public sealed class AgentEndToEndTests : IDisposable
{
    private readonly LocalAwsFixture fixture;
    private readonly TempDirectory directory = new();

    public AgentEndToEndTests(LocalAwsFixture fixture)
    {
        this.fixture = fixture;
    }

    public void Dispose() => directory.Dispose();

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task Agent_AppendRotateRestart_SendsEveryLineExactlyOnce()
    {
        var stream = LocalAwsFixture.UniqueName("agent");
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        await LocalKinesis.CreateStreamAsync(client, stream, 2);
        var configuration = Configuration(stream, "app.log*");
        var log = directory.File("app.log");

        await using (var agent = await StartAsync(configuration))
        {
            Append(log, 0, 200);
            await WaitForAsync(client, stream, 200);

            // Rotation by rename while the writer still holds the old file: lines land in both files.
            File.Move(log, directory.File("app.log.1"));
            Append(directory.File("app.log.1"), 200, 250);
            Append(log, 250, 400);
            await WaitForAsync(client, stream, 400);
            await agent.StopAsync();
        }

        // Written while the agent is down; a graceful restart resumes with no loss and no duplicate.
        Append(log, 400, 500);
        await using (var agent = await StartAsync(configuration))
        {
            Append(log, 500, 600);
            await WaitForAsync(client, stream, 600);

            // copytruncate rotation: the copy is not read again from its start.
            File.Copy(log, directory.File("app.log.2"));
            Append(directory.File("app.log.2"), 600, 610);
            using (var truncate = new FileStream(log, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete))
            {
                truncate.SetLength(0);
            }

            Append(log, 610, 700);
            await WaitForAsync(client, stream, 700);
            await agent.StopAsync();
            Assert.Equal(0, agent.FailedRecords);
        }

        var lines = await ReadLinesAsync(client, stream);
        Assert.Equal(Enumerable.Range(0, 700).Select(Line), lines.Order(StringComparer.Ordinal));
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task Agent_PartialLastLine_IsSentAfterTheTimeoutAndNotAgain()
    {
        var stream = LocalAwsFixture.UniqueName("agent-partial");
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        await LocalKinesis.CreateStreamAsync(client, stream, 1);
        var configuration = Configuration(stream, "app.log");
        var log = directory.File("app.log");

        await using (var agent = await StartAsync(configuration))
        {
            File.AppendAllText(log, "whole\nno break yet");
            await WaitForAsync(client, stream, 2);
            await agent.StopAsync();
        }

        await using (var agent = await StartAsync(configuration))
        {
            File.AppendAllText(log, "after\n");
            await WaitForAsync(client, stream, 3);
            await agent.StopAsync();
        }

        Assert.Equal(["whole\n", "no break yet\n", "after\n"], await ReadLinesAsync(client, stream));
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task Agent_RecordsNotAcknowledged_AreNotCheckpointedAndAreSentAfterRestart()
    {
        var stream = LocalAwsFixture.UniqueName("agent-unacked");
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        await LocalKinesis.CreateStreamAsync(client, stream, 1);
        var configuration = Configuration(stream, "app.log");
        var log = directory.File("app.log");
        Append(log, 0, 50);
        using var faults = new FaultInjectionHandler();
        faults.ForTarget("PutRecords", Fault.Respond(HttpStatusCode.InternalServerError, """{"__type":"InternalFailure"}"""), times: 100_000);

        await using (var agent = await StartAsync(configuration, faults, TimeSpan.FromMilliseconds(200)))
        {
            await Eventually.HoldsAsync(() => faults.RequestCount >= 3, TimeSpan.FromSeconds(30), "PutRecords attempts");
            await Eventually.HoldsAsync(() => CheckpointOffset() == 0, TimeSpan.FromSeconds(30), "a checkpoint of the unacknowledged file");
            await agent.StopAsync();
        }

        // Given back by the producer at shutdown: not checkpointed, so sent by the next run.
        Assert.Equal(0, CheckpointOffset());
        await using (var agent = await StartAsync(configuration))
        {
            await WaitForAsync(client, stream, 50);
            await Eventually.HoldsAsync(() => CheckpointOffset() == new FileInfo(log).Length, TimeSpan.FromSeconds(30), "the checkpoint at the end of the file");
            await agent.StopAsync();
        }

        Assert.Equal(Enumerable.Range(0, 50).Select(Line), (await ReadLinesAsync(client, stream)).Order(StringComparer.Ordinal));
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task Agent_LogToJson_SendsMatchingLinesAsJsonAndCheckpointsPastFilteredOnes()
    {
        var stream = LocalAwsFixture.UniqueName("agent-logtojson");
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        await LocalKinesis.CreateStreamAsync(client, stream, 1);
        var configuration = Configuration(stream, "syslog", """
            , "dataProcessingOptions": [
                { "optionName": "LOGTOJSON", "logFormat": "SYSLOG" },
                { "optionName": "ADDMETADATA", "metadata": { "source": "syslog" } } ]
            """);
        var log = directory.File("syslog");
        File.WriteAllText(log, "Dec  5 03:10:11 web-1 sshd[4242]: Accepted publickey\n-- not syslog --\nDec  5 03:10:12 web-1 CRON[7]: (root) CMD (true)\nnot syslog either\n");

        await using (var agent = await StartAsync(configuration))
        {
            await WaitForAsync(client, stream, 2);
            await Eventually.HoldsAsync(() => CheckpointOffset() == new FileInfo(log).Length, TimeSpan.FromSeconds(30), "the checkpoint past the last, filtered line");
            await agent.StopAsync();
            Assert.Equal(2, agent.SkippedRecords);
            Assert.Equal(2, agent.SentRecords);
        }

        // A restart sends nothing again: the filtered lines are behind the checkpoint too.
        await using (var agent = await StartAsync(configuration))
        {
            File.AppendAllText(log, "Dec  5 03:10:13 web-1 su: done\n");
            await WaitForAsync(client, stream, 3);
            await agent.StopAsync();
        }

        Assert.Equal(
            [
                """{"metadata":{"source":"syslog"},"data":"{\"timestamp\":\"Dec  5 03:10:11\",\"hostname\":\"web-1\",\"program\":\"sshd\",\"processid\":\"4242\",\"message\":\"Accepted publickey\"}"}""" + "\n",
                """{"metadata":{"source":"syslog"},"data":"{\"timestamp\":\"Dec  5 03:10:12\",\"hostname\":\"web-1\",\"program\":\"CRON\",\"processid\":\"7\",\"message\":\"(root) CMD (true)\"}"}""" + "\n",
                """{"metadata":{"source":"syslog"},"data":"{\"timestamp\":\"Dec  5 03:10:13\",\"hostname\":\"web-1\",\"program\":\"su\",\"processid\":null,\"message\":\"done\"}"}""" + "\n",
            ],
            await ReadLinesAsync(client, stream));
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task Agent_MultiLineStartPattern_SendsEachStackTraceAsOneRecord()
    {
        var stream = LocalAwsFixture.UniqueName("agent-multiline");
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        await LocalKinesis.CreateStreamAsync(client, stream, 1);
        var configuration = Configuration(stream, "app.log", """
            , "multiLineStartPattern": "\\d{4}-\\d{2}-\\d{2} ", "partialLineTimeoutMillis": 3000, "dataProcessingOptions": [ { "optionName": "SINGLELINE" } ]
            """);
        var log = directory.File("app.log");

        await using (var agent = await StartAsync(configuration))
        {
            // The second record's continuation comes in a later write; the last record goes after the partial-line
            // timeout (3 s here, so the second write surely comes before it).
            File.AppendAllText(log, "2026-12-05 ERROR boom\njava.lang.IllegalStateException: x\n    at A.b(A.java:1)\n2026-12-05 INFO ok\n");
            File.AppendAllText(log, "  and more\n");
            await WaitForAsync(client, stream, 2);
            await Eventually.HoldsAsync(() => CheckpointOffset() == new FileInfo(log).Length, TimeSpan.FromSeconds(30), "the checkpoint at the end of the file");
            await agent.StopAsync();
        }

        Assert.Equal(["2026-12-05 ERROR boomjava.lang.IllegalStateException: xat A.b(A.java:1)\n", "2026-12-05 INFO okand more\n"], await ReadLinesAsync(client, stream));
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task Agent_CheckpointOlderThanItsTimeToLive_IsDroppedAndTheFileReadAsNew()
    {
        var stream = LocalAwsFixture.UniqueName("agent-ttl");
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        await LocalKinesis.CreateStreamAsync(client, stream, 1);
        var configuration = Configuration(stream, "app.log");
        var log = directory.File("app.log");
        Append(log, 0, 10);
        await using (var agent = await StartAsync(configuration))
        {
            await WaitForAsync(client, stream, 10);
            await agent.StopAsync();
        }

        // The checkpoint says when its offset last moved; age it past checkpointTimeToLiveDays (7 by default).
        var path = directory.File("checkpoints");
        var text = File.ReadAllText(path);
        var updated = JsonDocument.Parse(text).RootElement.GetProperty("files")[0].GetProperty("updated").GetDateTimeOffset();
        Assert.InRange(DateTimeOffset.UtcNow - updated, TimeSpan.Zero, TimeSpan.FromMinutes(5));
        File.WriteAllText(path, text.Replace(JsonSerializer.Serialize(updated).Trim('"'), JsonSerializer.Serialize(updated - TimeSpan.FromDays(8)).Trim('"'), StringComparison.Ordinal));

        // Without its checkpoint the file is new: read per initialPosition (START_OF_FILE here), so sent again.
        await using (var agent = await StartAsync(configuration))
        {
            await WaitForAsync(client, stream, 20);
            await agent.StopAsync();
        }

        Assert.Equal(Enumerable.Range(0, 10).SelectMany(i => new[] { Line(i), Line(i) }), (await ReadLinesAsync(client, stream)).Order(StringComparer.Ordinal));
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task Agent_RenameRotationAndDelete_LogsOneLinePerFileStartedRotatedAndFinished()
    {
        var stream = LocalAwsFixture.UniqueName("agent-logs");
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        await LocalKinesis.CreateStreamAsync(client, stream, 1);
        var configuration = Configuration(stream, "app.log*");
        var log = directory.File("app.log");
        Append(log, 0, 10);
        using var logs = new CapturingLoggerProvider();
        using var loggerFactory = new LoggerFactory([logs]);

        await using (var agent = await StartAsync(configuration, loggerFactory: loggerFactory))
        {
            await WaitForAsync(client, stream, 10);
            File.Move(log, directory.File("app.log.1"));
            Append(log, 10, 20);
            await WaitForAsync(client, stream, 20);
            File.Delete(directory.File("app.log.1"));
            await Eventually.HoldsAsync(() => logs.Count(5006) == 1, TimeSpan.FromSeconds(30), "the rotated file finished");

            // More polls and writes change nothing: each event is said once.
            Append(log, 20, 30);
            await WaitForAsync(client, stream, 30);
            await agent.StopAsync();
        }

        var lines = logs.Entries.Where(e => e.EventId is >= 5002 and <= 5006).Select(e => $"{e.EventId} {e.Message}").ToList();
        Assert.True(logs.Count(5002) == 2, string.Join("\n", lines));
        Assert.True(logs.Count(5003) == 1, string.Join("\n", lines));
        Assert.True(logs.Count(5006) == 1, string.Join("\n", lines));
        Assert.Equal(0, logs.Count(5004) + logs.Count(5005));
        Assert.Contains(logs.Entries, e => e.EventId == 5003 && e.Message.Contains("app.log.1", StringComparison.Ordinal));
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task Agent_EveryRecordFailing_LogsAFewLinesThatCountThemAll()
    {
        var stream = LocalAwsFixture.UniqueName("agent-failing");
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        await LocalKinesis.CreateStreamAsync(client, stream, 1);
        var configuration = Configuration(stream, "app.log");
        Append(directory.File("app.log"), 0, 200);
        using var faults = new FaultInjectionHandler();
        faults.ForTarget("PutRecords", Fault.Respond(HttpStatusCode.InternalServerError, """{"__type":"InternalFailure"}"""), times: 100_000);
        using var logs = new CapturingLoggerProvider();
        using var loggerFactory = new LoggerFactory([logs]);
        var options = KinesisAgent.CreateProducerOptions(configuration);
        options.RecordMaxBufferedTime = TimeSpan.FromMilliseconds(20);
        options.HttpMessageHandler = faults;
        options.RecordTtl = TimeSpan.FromMilliseconds(500);

        await using (var agent = new KinesisAgent(configuration, options, loggerFactory))
        {
            await agent.StartAsync();
            await Eventually.HoldsAsync(() => agent.FailedRecords == 200, TimeSpan.FromSeconds(60), "200 records failed for good");
            await agent.StopAsync();
        }

        // Not one error line per record: the first at once, the rest counted in the next (at stop at the latest).
        var failures = logs.Entries.Where(e => e.EventId == 5007).ToList();
        Assert.InRange(failures.Count, 1, 20);
        Assert.Equal(200, failures.Sum(e => int.Parse(System.Text.RegularExpressions.Regex.Match(e.Message, @": (\d+) record").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)));
    }

    private long? CheckpointOffset()
    {
        var path = directory.File("checkpoints");
        if (!File.Exists(path))
        {
            return null;
        }

        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var files = document.RootElement.GetProperty("files");
        return files.GetArrayLength() == 1 ? files[0].GetProperty("offset").GetInt64() : null;
    }

    private static string Line(int index) => $"line-{index:D6}\n";

    private static void Append(string path, int from, int to)
    {
        var text = new StringBuilder();
        for (var i = from; i < to; i++)
        {
            text.Append(Line(i));
        }

        File.AppendAllText(path, text.ToString());
    }

    private AgentConfiguration Configuration(string stream, string pattern, string moreFlowSettings = "") => AgentConfigurationReader.Parse($$"""
        {
          "kinesis.endpoint": "{{fixture.KinesisLocalEndpoint}}",
          "awsAccessKeyId": "{{LocalAwsServices.AccessKeyId}}",
          "awsSecretAccessKey": "{{LocalAwsServices.SecretAccessKey}}",
          "checkpointFile": "{{directory.File("checkpoints")}}",
          "flows": [
            {
              "filePattern": "{{directory.File(pattern)}}",
              "kinesisStream": "{{stream}}",
              "initialPosition": "START_OF_FILE",
              "partialLineTimeoutMillis": 300,
              "minTimeBetweenFilePollsMillis": 20
              {{moreFlowSettings}}
            }
          ]
        }
        """);

    private static async Task<KinesisAgent> StartAsync(AgentConfiguration configuration, HttpMessageHandler? handler = null, TimeSpan? shutdownTimeout = null, ILoggerFactory? loggerFactory = null)
    {
        var options = KinesisAgent.CreateProducerOptions(configuration);
        options.RecordMaxBufferedTime = TimeSpan.FromMilliseconds(20);
        options.HttpMessageHandler = handler;
        options.RecordTtl = TimeSpan.FromMinutes(5);
        options.ShutdownTimeout = shutdownTimeout ?? options.ShutdownTimeout;
        var agent = new KinesisAgent(configuration, options, loggerFactory) { CheckpointInterval = TimeSpan.FromMilliseconds(50) };
        await agent.StartAsync();
        return agent;
    }

    private static async Task<List<string>> ReadLinesAsync(Kinesis.Core.Api.KinesisApiClient client, string stream) =>
        (await LocalKinesis.ReadAllAsync(client, stream)).Select(r => Encoding.UTF8.GetString(r.Record.Data.Span)).ToList();

    private static Task WaitForAsync(Kinesis.Core.Api.KinesisApiClient client, string stream, int count) =>
        Eventually.HoldsAsync(
            async () => (await ReadLinesAsync(client, stream)).Count >= count,
            TimeSpan.FromSeconds(60),
            $"{count} records in {stream}",
            TimeSpan.FromMilliseconds(200));
}
