using System.Text;
using System.Text.Json;
using Kinesis.Core.Api;
using Kinesis.LocalServices;
using Kinesis.Testing;

namespace Kinesis.IntegrationTests;

/// <summary>Runs the built HelloProducer and WorkerService samples as processes, as someone trying them would.</summary>
[Collection(LocalAwsCollection.Name)]
public sealed class SampleProgramTests(LocalAwsFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    private static string HelloProducer => BuiltPrograms.Sample("HelloProducer", "HelloProducer");

    private static string WorkerService => BuiltPrograms.Sample("WorkerService", "WorkerService");

    [Theory(Timeout = TestTimeouts.Integration)]
    [InlineData("", 2, "the stream name is missing")]
    [InlineData("orders|us-east-1|http://127.0.0.1:4567/|extra", 2, "too many arguments (4; at most 3)")]
    [InlineData("--stream|orders", 2, "unknown option '--stream'")]
    [InlineData("orders|us-east-1|localhost:4567", 2, "ENDPOINT must be an absolute http(s) URL such as http://127.0.0.1:4567/, not 'localhost:4567'")]
    [InlineData("bad name!", 2, "A stream name may contain only")]
    public async Task HelloProducer_MissingOrWrongArguments_SaysWhatIsWrongAndPrintsItsUsage(string arguments, int expectedExitCode, string reason)
    {
        var (exitCode, stdout, stderr) = await ChildProcess.RunDllAsync(HelloProducer, arguments.Split('|', StringSplitOptions.RemoveEmptyEntries), Deadline);

        Assert.Equal(expectedExitCode, exitCode);
        Assert.Equal("", stdout);
        Assert.Contains(reason, stderr, StringComparison.Ordinal);
        Assert.Contains("usage: HelloProducer STREAM [REGION] [ENDPOINT]", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task HelloProducer_Help_PrintsItsUsageAndExitsZero()
    {
        var (exitCode, stdout, stderr) = await ChildProcess.RunDllAsync(HelloProducer, ["--help"], Deadline);

        Assert.True(exitCode == 0, stderr);
        Assert.StartsWith("usage: HelloProducer STREAM [REGION] [ENDPOINT]", stdout, StringComparison.Ordinal);
    }

    [Theory(Timeout = TestTimeouts.Integration)]
    [InlineData(true)]
    [InlineData(false)]
    public async Task HelloProducer_StreamOnKinesisLocal_PutsAHundredRecords(bool credentialsConfigured)
    {
        var stream = LocalAwsFixture.UniqueName("hello");
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        await LocalKinesis.CreateStreamAsync(client, stream, 2);
        try
        {
            var environment = credentialsConfigured ? ChildEnvironment.StaticCredentials() : ChildEnvironment.NoAws();
            var (exitCode, stdout, stderr) = await ChildProcess.RunDllAsync(HelloProducer, [stream, LocalAwsServices.Region, fixture.KinesisLocalEndpoint.ToString()], Deadline, environment: environment);

            Assert.True(exitCode == 0, stderr);

            // Nothing configured and an emulator endpoint: dummy credentials, said once.
            Assert.Equal(credentialsConfigured ? 0 : 1, stderr.Split('\n').Count(l => l.Contains("dummy credentials", StringComparison.Ordinal)));
            var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(100, lines.Length);
            Assert.All(lines, l => Assert.StartsWith("shardId-", l, StringComparison.Ordinal));
        }
        finally
        {
            await client.DeleteStreamAsync(new DeleteStreamRequest { StreamName = stream });
        }
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task WorkerService_MissingApplicationName_OneLineNamingItAndExitCode2()
    {
        var environment = ChildEnvironment.StaticCredentials();
        environment["Kinesis__Consumer__ApplicationName"] = "";

        var (exitCode, stdout, stderr) = await ChildProcess.RunDllAsync(WorkerService, [], Deadline, workingDirectory: Path.GetTempPath(), environment: environment);

        Assert.True(exitCode == 2, $"exit code {exitCode}; stdout:\n{stdout}\nstderr:\n{stderr}");
        var lines = (stdout + stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var line = Assert.Single(lines);
        Assert.Contains("ApplicationName is required", line, StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task WorkerService_RunFromAnotherWorkingDirectory_ReadsItsAppSettingsTakesTheLeaseAndStopsGracefullyOnSigint()
    {
        var stream = LocalAwsFixture.UniqueName("worker");
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        await LocalKinesis.CreateStreamAsync(client, stream, 1);
        var workingDirectory = Directory.CreateTempSubdirectory("worker-cwd-").FullName;
        try
        {
            // Only the stream and the endpoints come from the environment; ApplicationName and the rest are in the
            // appsettings.json next to the app, which a content root taken from the working directory would miss.
            var environment = ChildEnvironment.StaticCredentials();
            environment["Kinesis__Consumer__StreamName"] = stream;
            environment["Kinesis__Consumer__Kinesis__ServiceUrl"] = fixture.KinesisLocalEndpoint.ToString();
            environment["Kinesis__Consumer__DynamoDbServiceUrl"] = fixture.DynaliteEndpoint.ToString();
            await using var worker = ChildProcess.Start("dotnet", [WorkerService], workingDirectory, environment);

            await worker.WaitForStdoutAsync(o => o.Contains("acquired lease shardId-", StringComparison.Ordinal), Deadline, "the consumer to take the stream's lease");
            Assert.Contains($"Content root path: {Path.GetDirectoryName(WorkerService)}", worker.Stdout, StringComparison.Ordinal);
            await worker.SignalAsync("INT");
            var exitCode = await worker.WaitForExitAsync(Deadline);

            Assert.True(exitCode == 0, $"exit code {exitCode}; stdout:\n{worker.Stdout}\nstderr:\n{worker.Stderr}");
            Assert.DoesNotContain("   at ", worker.Stdout + worker.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(workingDirectory, recursive: true);
            await client.DeleteStreamAsync(new DeleteStreamRequest { StreamName = stream });
        }
    }
    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task WorkerService_DeadLetterMode_MarkedRecordIsBisectedRetriedAndLandsInTheDeadLetterStreamWhileTheRestIsProcessed()
    {
        var stream = LocalAwsFixture.UniqueName("worker");
        var deadLetterStream = LocalAwsFixture.UniqueName("worker-dlq");
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        await LocalKinesis.CreateStreamAsync(client, stream, 1);
        await LocalKinesis.CreateStreamAsync(client, deadLetterStream, 1);
        try
        {
            // Put before the worker starts, so the marked record arrives in the middle of one batch and bisect isolates it.
            string[] orders = ["order-1", "order-2", "order-3", "poison-4", "order-5", "order-6", "order-7", "order-8"];
            foreach (var order in orders)
            {
                await client.PutRecordAsync(new PutRecordRequest { StreamName = stream, PartitionKey = "customer-42", Data = Encoding.UTF8.GetBytes(order) });
            }

            var environment = ChildEnvironment.StaticCredentials();
            environment["Kinesis__Consumer__ApplicationName"] = LocalAwsFixture.UniqueName("worker-app");
            environment["Kinesis__Consumer__StreamName"] = stream;
            environment["Kinesis__Consumer__Kinesis__ServiceUrl"] = fixture.KinesisLocalEndpoint.ToString();
            environment["Kinesis__Consumer__DynamoDbServiceUrl"] = fixture.DynaliteEndpoint.ToString();
            environment["Kinesis__Producer__ServiceUrl"] = fixture.KinesisLocalEndpoint.ToString();
            await using var worker = ChildProcess.Start("dotnet", [WorkerService, "--dead-letter", deadLetterStream], Path.GetTempPath(), environment);

            await worker.WaitForStdoutAsync(o => o.Contains("customer-42: order-8", StringComparison.Ordinal), Deadline, "the records after the marked one to be processed");
            var dead = new List<(string ShardId, Core.Aggregation.DeaggregatedRecord Record)>();
            await Eventually.HoldsAsync(
                async () =>
                {
                    dead = await LocalKinesis.ReadAllAsync(client, deadLetterStream);
                    return dead.Count > 0;
                },
                Deadline,
                "the marked record in the dead-letter stream");
            await worker.SignalAsync("INT");
            var exitCode = await worker.WaitForExitAsync(Deadline);

            Assert.True(exitCode == 0, $"exit code {exitCode}; stdout:\n{worker.Stdout}\nstderr:\n{worker.Stderr}");
            Assert.Contains($"go to the dead-letter stream '{deadLetterStream}'", worker.Stdout, StringComparison.Ordinal);
            Assert.Contains("split in two halves", worker.Stdout, StringComparison.Ordinal);
            Assert.Contains("they are sent to the dead-letter sink", worker.Stdout, StringComparison.Ordinal);
            Assert.All(orders.Where(o => o.StartsWith("order-", StringComparison.Ordinal)), o => Assert.Contains($"customer-42: {o}", worker.Stdout, StringComparison.Ordinal));
            Assert.DoesNotContain("customer-42: poison-4", worker.Stdout, StringComparison.Ordinal);
            var record = Assert.Single(dead).Record;
            Assert.Equal("customer-42", record.PartitionKey);
            using var envelope = JsonDocument.Parse(record.Data);
            Assert.Equal("poison-4", Encoding.UTF8.GetString(envelope.RootElement.GetProperty("data").GetBytesFromBase64()));
            Assert.Equal(stream, envelope.RootElement.GetProperty("streamName").GetString());
            Assert.Equal("RetriesExhausted", envelope.RootElement.GetProperty("reason").GetString());
            Assert.True(envelope.RootElement.GetProperty("attempts").GetInt32() >= 3, "at least the isolated record's first delivery and its two retries");
            Assert.Equal(typeof(FormatException).FullName, envelope.RootElement.GetProperty("exceptionType").GetString());
        }
        finally
        {
            await client.DeleteStreamAsync(new DeleteStreamRequest { StreamName = stream });
            await client.DeleteStreamAsync(new DeleteStreamRequest { StreamName = deadLetterStream });
        }
    }
}
