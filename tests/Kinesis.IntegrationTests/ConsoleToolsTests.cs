using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Amazon.Runtime;
using Kinesis.Core.Api;
using Kinesis.LocalServices;
using Kinesis.Testing;

namespace Kinesis.IntegrationTests;

/// <summary>Runs the built kinesis-console-producer and kinesis-console-consumer as processes against the emulators.</summary>
[Collection(LocalAwsCollection.Name)]
public sealed partial class ConsoleToolsTests(LocalAwsFixture fixture)
{
    private static readonly TimeSpan ToolDeadline = TimeSpan.FromSeconds(60);

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task ConsoleTools_LinesThroughProducerAndConsumer_EveryLinePrintedBack()
    {
        var stream = LocalAwsFixture.UniqueName("console");
        using var client = CreateClient();
        await CreateStreamAsync(client, stream);
        var lines = Enumerable.Range(0, 300).Select(i => $"key-{i % 7}|line {i} ünïcode").ToArray();
        try
        {
            var produced = await ProduceAsync(stream, lines, "--key-separator", "|", "--aggregation", "on");
            Assert.Contains("\"recordsPut\":300", produced, StringComparison.Ordinal);

            var printed = await ConsumeAsync(stream, LocalAwsFixture.UniqueName("console-app"));

            Assert.Equal(lines.Order(StringComparer.Ordinal), printed.Select(r => $"{r.PartitionKey}|{r.Data}").Distinct().Order(StringComparer.Ordinal));
        }
        finally
        {
            await client.DeleteStreamAsync(new DeleteStreamRequest { StreamName = stream });
        }
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task ConsoleConsumer_MaxRecordsThenRerun_ResumesAfterWhatWasPrinted()
    {
        var stream = LocalAwsFixture.UniqueName("console");
        var application = LocalAwsFixture.UniqueName("console-app");
        using var client = CreateClient();
        await CreateStreamAsync(client, stream);
        var lines = Enumerable.Range(0, 200).Select(i => $"record {i}").ToArray();
        try
        {
            await ProduceAsync(stream, lines, "--aggregation", "off");

            var first = await ConsumeAsync(stream, application, "--max-records", "50");
            var second = await ConsumeAsync(stream, application);

            Assert.Equal(50, first.Count);
            Assert.Equal(lines.Order(StringComparer.Ordinal), first.Concat(second).Select(r => r.Data).Distinct().Order(StringComparer.Ordinal));
        }
        finally
        {
            await client.DeleteStreamAsync(new DeleteStreamRequest { StreamName = stream });
        }
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task ConsoleConsumer_StreamArn_ReadsTheStreamByItsArn()
    {
        var stream = LocalAwsFixture.UniqueName("console-arn");
        using var client = CreateClient();
        await CreateStreamAsync(client, stream);
        var lines = Enumerable.Range(0, 50).Select(i => $"arn line {i}").ToArray();
        try
        {
            await ProduceAsync(stream, lines, "--aggregation", "off");
            var arn = (await client.DescribeStreamSummaryAsync(new DescribeStreamSummaryRequest { StreamName = stream })).StreamDescriptionSummary.StreamARN!;

            var printed = await ConsumeAsync(arn, LocalAwsFixture.UniqueName("console-arn-app"));

            Assert.Equal(lines.Order(StringComparer.Ordinal), printed.Select(r => r.Data).Distinct().Order(StringComparer.Ordinal));
        }
        finally
        {
            await client.DeleteStreamAsync(new DeleteStreamRequest { StreamName = stream });
        }
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task ConsoleConsumer_FanOut_PrintsEveryLine()
    {
        var stream = LocalAwsFixture.UniqueName("console-efo");
        using var client = CreateClient();
        await CreateStreamAsync(client, stream);
        var lines = Enumerable.Range(0, 100).Select(i => $"fan-out line {i}").ToArray();
        try
        {
            await ProduceAsync(stream, lines, "--aggregation", "on");

            // kinesis-local delivers fan-out events a second or two apart, so allow a longer idle period.
            var printed = await ConsumeAsync(stream, LocalAwsFixture.UniqueName("console-efo-app"), "--fan-out", "--exit-when-idle", "10");

            Assert.Equal(lines.Order(StringComparer.Ordinal), printed.Select(r => r.Data).Distinct().Order(StringComparer.Ordinal));
        }
        finally
        {
            // The named application's stream consumer stays registered (only temporary ones deregister).
            await client.DeleteStreamAsync(new DeleteStreamRequest { StreamName = stream, EnforceConsumerDeletion = true });
        }
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task ConsoleConsumer_WorkerIdPrintWorkerIdVerbose_NamesTheWorkerInEachLineAndLogsEventsOnStderr()
    {
        var stream = LocalAwsFixture.UniqueName("console");
        using var client = CreateClient();
        await CreateStreamAsync(client, stream);
        var lines = Enumerable.Range(0, 40).Select(i => $"verbose line {i}").ToArray();
        try
        {
            await ProduceAsync(stream, lines, "--aggregation", "off");

            var (printed, stderr) = await ConsumeWithOutputAsync(stream, LocalAwsFixture.UniqueName("console-app"), "--worker-id", "console-worker-7", "--print-worker-id", "--verbose");

            Assert.Equal(lines.Order(StringComparer.Ordinal), printed.Select(r => r.Data).Distinct().Order(StringComparer.Ordinal));
            Assert.All(printed, r => Assert.Equal("console-worker-7", r.WorkerId));

            // The simple console format shows each event's id in brackets after its category.
            var logLines = stderr.Split('\n');
            Assert.Contains(logLines, l => l.Contains("[2012]", StringComparison.Ordinal) && l.Contains("Worker console-worker-7 acquired lease shardId-", StringComparison.Ordinal));
            Assert.Contains(logLines, l => l.Contains("[3036]", StringComparison.Ordinal) && l.Contains("started on worker console-worker-7", StringComparison.Ordinal));
            Assert.Contains(logLines, l => l.Contains("[3037]", StringComparison.Ordinal) && l.Contains("checkpoint written", StringComparison.Ordinal));
        }
        finally
        {
            await client.DeleteStreamAsync(new DeleteStreamRequest { StreamName = stream });
        }
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task ConsoleConsumer_WithoutVerboseOrPrintWorkerId_PrintsNoLogLinesAndNoWorkerId()
    {
        var stream = LocalAwsFixture.UniqueName("console");
        using var client = CreateClient();
        await CreateStreamAsync(client, stream);
        try
        {
            await ProduceAsync(stream, ["quiet line"], "--aggregation", "off");

            var (printed, stderr) = await ConsumeWithOutputAsync(stream, LocalAwsFixture.UniqueName("console-app"), "--worker-id", "console-worker-8");

            Assert.Equal("quiet line", Assert.Single(printed).Data);
            Assert.Null(printed[0].WorkerId);
            Assert.DoesNotContain("[2012]", stderr, StringComparison.Ordinal);
        }
        finally
        {
            await client.DeleteStreamAsync(new DeleteStreamRequest { StreamName = stream });
        }
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task ConsoleProducer_StreamByArn_PutsEveryLine()
    {
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        var stream = LocalAwsFixture.UniqueName("console-arn");
        await LocalKinesis.CreateStreamAsync(client, stream, shardCount: 1);
        var arn = (await client.WaitForStreamActiveAsync(stream, TimeSpan.FromSeconds(30))).StreamARN!;
        var lines = Enumerable.Range(0, 50).Select(i => $"line {i}").ToArray();

        var (exitCode, stderr) = await RunProducerAsync(arn, lines, fixture.KinesisLocalEndpoint);

        Assert.True(exitCode == 0, stderr);
        var read = await LocalKinesis.ReadAllAsync(client, stream);
        Assert.Equal(lines.Order(StringComparer.Ordinal), read.Select(r => System.Text.Encoding.UTF8.GetString(r.Record.Data.Span)).Order(StringComparer.Ordinal));
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task ConsoleProducer_StreamArnOfAnotherRegion_OneLineNamingBothRegionsExit2()
    {
        var (exitCode, stderr) = await RunProducerAsync("arn:aws:kinesis:eu-west-1:000000000000:stream/s", ["a", "b"], fixture.KinesisLocalEndpoint);

        Assert.True(exitCode == 2, stderr);
        Assert.Single(stderr.Split('\n'), line => line.Contains("'eu-west-1'", StringComparison.Ordinal));
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task ConsoleProducer_StreamDoesNotExist_ReportsTheErrorOnceCountsEveryRecordAndExits3()
    {
        var stream = LocalAwsFixture.UniqueName("console-missing");
        var lines = Enumerable.Range(0, 200).Select(i => $"line {i}").ToArray();

        var (exitCode, stderr) = await RunProducerAsync(stream, lines, fixture.KinesisLocalEndpoint);

        Assert.True(exitCode == 3, stderr);
        Assert.Single(stderr.Split('\n'), line => line.Contains($"nothing was put: stream '{stream}' does not exist", StringComparison.Ordinal));
        var reported = Assert.Single(stderr.Split('\n'), line => line.Contains("record failed:", StringComparison.Ordinal));
        Assert.Contains($"ResourceNotFoundException: Stream '{stream}' does not exist", reported, StringComparison.Ordinal);
        var summary = Summary(stderr);
        Assert.Equal(0, summary.GetProperty("recordsPut").GetInt64());
        Assert.Equal(200, summary.GetProperty("failed").GetInt64());
        var error = Assert.Single(summary.GetProperty("errors").EnumerateArray());
        Assert.StartsWith($"ResourceNotFoundException: Stream '{stream}' does not exist", error.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(200, error.GetProperty("records").GetInt64());
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task ConsoleProducer_EndpointPortClosed_ReportsTheConnectionErrorOnceAfterTheRecordTtl()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var lines = Enumerable.Range(0, 50).Select(i => $"line {i}").ToArray();

        var (exitCode, stderr) = await RunProducerAsync("any-stream", lines, new Uri($"http://127.0.0.1:{port}/"), "--record-ttl", "2");

        Assert.True(exitCode == 1, stderr);
        var reported = Assert.Single(stderr.Split('\n'), line => line.Contains("record failed:", StringComparison.Ordinal));
        Assert.Contains("Expired: The record was not put within RecordTtl (2 s) after ", reported, StringComparison.Ordinal);
        Assert.Contains($"last error: NetworkError: PutRecords failed on the network: ", reported, StringComparison.Ordinal);
        Assert.Contains($"(127.0.0.1:{port})", reported, StringComparison.Ordinal);
        var summary = Summary(stderr);
        Assert.Equal(50, summary.GetProperty("failed").GetInt64());
        var error = Assert.Single(summary.GetProperty("errors").EnumerateArray());
        Assert.StartsWith("NetworkError: PutRecords failed on the network: ", error.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(50, error.GetProperty("records").GetInt64());
    }

    [Theory(Timeout = TestTimeouts.Integration)]
    [InlineData("ConsoleProducer", "kinesis-console-producer")]
    [InlineData("ConsoleConsumer", "kinesis-console-consumer")]
    public async Task ConsoleTools_Help_ExitsZeroAndListsTheSharedOptionNames(string project, string assembly)
    {
        var (exitCode, stdout, stderr) = await RunToolAsync(project, assembly, ["--help"], stdinFile: null);

        Assert.True(exitCode == 0, stderr);
        Assert.Contains("--stream", stdout, StringComparison.Ordinal);
        Assert.Contains("--kinesis-endpoint", stdout, StringComparison.Ordinal);
        Assert.Contains("--region", stdout, StringComparison.Ordinal);
        Assert.Contains("130", stdout, StringComparison.Ordinal);
    }

    [Theory(Timeout = TestTimeouts.Integration)]
    [InlineData("ConsoleProducer", "kinesis-console-producer", "--record-ttl", "0.01", "from 0.1 to 86400")]
    [InlineData("ConsoleProducer", "kinesis-console-producer", "--endpoint", "localhost:4567", "http:// or https:// URL")]
    [InlineData("ConsoleProducer", "kinesis-console-producer", "--ordering", "sorted", "default, strict")]
    [InlineData("ConsoleConsumer", "kinesis-console-consumer", "--max-records", "0", "at least 1")]
    [InlineData("ConsoleConsumer", "kinesis-console-consumer", "--initial-position", "oldest", "latest, trim-horizon")]
    public async Task ConsoleTools_BadValue_OneLineNamingTheOptionAndTheLimitExit2(string project, string assembly, string option, string value, string limit)
    {
        var (exitCode, stdout, stderr) = await RunToolAsync(project, assembly, ["--stream", "any-stream", option, value], stdinFile: null);

        Assert.True(exitCode == 2, stderr);
        Assert.Empty(stdout);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"{assembly}: ", line, StringComparison.Ordinal);
        Assert.Contains(option == "--endpoint" ? "--kinesis-endpoint" : option, line, StringComparison.Ordinal);
        Assert.Contains(limit, line, StringComparison.Ordinal);
        Assert.Contains($"'{value}'", line, StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task ConsoleProducer_OversizedLineAndLongKeyMidInput_RejectsBothWithLineNumbersPutsTheRestAndExits1()
    {
        var stream = LocalAwsFixture.UniqueName("console-rejects");
        using var client = CreateClient();
        await CreateStreamAsync(client, stream);
        // Too long for any record (the reader does not even keep it), a key over 256 characters, and a line that fits the
        // reader but not a record once its derived 16-character key is added.
        var tooLarge = $"big|{new string('x', 2 * 1024 * 1024)}";
        var longKey = $"{new string('k', 300)}|data after a long key";
        var keyPlusDataTooLarge = new string('y', 1024 * 1024);
        string[] lines = ["key-1|one", "key-2|two", "key-3|three", tooLarge, "key-5|five", "", longKey, "key-8|eight", keyPlusDataTooLarge, "key-10|ten", "key-11|crlf\r", "key-12|ünïcödé"];
        var rejects = Path.Combine(Path.GetTempPath(), $"{stream}-rejects.txt");
        try
        {
            var (exitCode, stderr) = await RunProducerAsync(stream, lines, fixture.KinesisLocalEndpoint, "--key-separator", "|", "--rejects", rejects, "--ordering", "strict");

            Assert.True(exitCode == 1, stderr);
            var stderrLines = stderr.Split('\n');
            var big = Assert.Single(stderrLines, l => l.Contains("line 4 rejected:", StringComparison.Ordinal));
            Assert.Contains("1048576", big, StringComparison.Ordinal);
            var key = Assert.Single(stderrLines, l => l.Contains("line 7 rejected:", StringComparison.Ordinal));
            Assert.Contains("256", key, StringComparison.Ordinal);
            var sum = Assert.Single(stderrLines, l => l.Contains("line 9 rejected:", StringComparison.Ordinal));
            Assert.Contains("1048576", sum, StringComparison.Ordinal);
            Assert.Equal(3, stderrLines.Count(l => l.Contains("rejected:", StringComparison.Ordinal)));
            Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);

            var summary = Summary(stderr);
            Assert.Equal(12, summary.GetProperty("linesRead").GetInt64());
            Assert.Equal(8, summary.GetProperty("recordsPut").GetInt64());
            Assert.Equal(3, summary.GetProperty("rejected").GetInt64());
            Assert.Equal(0, summary.GetProperty("failed").GetInt64());
            Assert.Equal(1, summary.GetProperty("skippedEmptyLines").GetInt64());

            Assert.Equal([tooLarge, longKey, keyPlusDataTooLarge], await File.ReadAllLinesAsync(rejects));
            var stored = await LocalKinesis.ReadAllAsync(client, stream);
            Assert.Equal(
                new[] { "key-1|one", "key-2|two", "key-3|three", "key-5|five", "key-8|eight", "key-10|ten", "key-11|crlf", "key-12|ünïcödé" }.Order(StringComparer.Ordinal),
                stored.Select(r => $"{r.Record.PartitionKey}|{Encoding.UTF8.GetString(r.Record.Data.Span)}").Order(StringComparer.Ordinal));
        }
        finally
        {
            File.Delete(rejects);
            await client.DeleteStreamAsync(new DeleteStreamRequest { StreamName = stream });
        }
    }

    [Theory(Timeout = TestTimeouts.Integration)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ConsoleProducer_InputEndsWithoutLineBreak_LastLineCountedAsPutOrRejected(bool lastLineTooLong)
    {
        var stream = LocalAwsFixture.UniqueName("console-eof");
        using var client = CreateClient();
        await CreateStreamAsync(client, stream);
        var last = lastLineTooLong ? new string('z', (2 * 1024 * 1024) + 3) : "last line";
        var input = Path.Combine(Path.GetTempPath(), $"{stream}.txt");
        var rejects = Path.Combine(Path.GetTempPath(), $"{stream}-rejects.txt");
        await File.WriteAllTextAsync(input, $"first line\r\n{last}");
        try
        {
            var (exitCode, _, stderr) = await RunToolAsync(
                "ConsoleProducer", "kinesis-console-producer", ["--stream", stream, "--kinesis-endpoint", fixture.KinesisLocalEndpoint.ToString(), "--rejects", rejects], input);

            Assert.True(exitCode == (lastLineTooLong ? 1 : 0), stderr);
            var summary = Summary(stderr);
            Assert.Equal(2, summary.GetProperty("linesRead").GetInt64());
            Assert.Equal(lastLineTooLong ? 1 : 2, summary.GetProperty("recordsPut").GetInt64());
            Assert.Equal(lastLineTooLong ? 1 : 0, summary.GetProperty("rejected").GetInt64());
            Assert.Equal(lastLineTooLong ? [last] : [], await File.ReadAllLinesAsync(rejects));
            var stored = await LocalKinesis.ReadAllAsync(client, stream);
            Assert.Equal(
                (lastLineTooLong ? ["first line"] : new[] { "first line", last }).Order(StringComparer.Ordinal),
                stored.Select(r => Encoding.UTF8.GetString(r.Record.Data.Span)).Order(StringComparer.Ordinal));
        }
        finally
        {
            File.Delete(input);
            File.Delete(rejects);
            await client.DeleteStreamAsync(new DeleteStreamRequest { StreamName = stream });
        }
    }

    [Theory(Timeout = TestTimeouts.Integration)]
    [InlineData("INT")]
    [InlineData("TERM")]
    public async Task ConsoleProducer_SignalWhileWaitingOnStdin_PutsWhatWasReadPrintsTheSummaryAndExits130(string signal)
    {
        var stream = LocalAwsFixture.UniqueName("console-sigint");
        using var client = CreateClient();
        await CreateStreamAsync(client, stream);
        try
        {
            await using var producer = StartTool("ConsoleProducer", "kinesis-console-producer", ["--stream", stream, "--endpoint", fixture.KinesisLocalEndpoint.ToString()], openStdin: true);
            await producer.WriteStdinAsync("one\ntwo\nthree\n");

            // The three lines are put (the producer sends within its buffering time) while stdin stays open.
            await Eventually.HoldsAsync(async () => (await LocalKinesis.ReadAllAsync(client, stream)).Count == 3, ToolDeadline, "the three lines in the stream");
            await producer.SignalAsync(signal);
            var exitCode = await producer.WaitForExitAsync(ToolDeadline);
            var output = producer.Stderr;

            Assert.True(exitCode == 130, output);
            Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
            var summary = Summary(output);
            Assert.Equal(3, summary.GetProperty("linesRead").GetInt64());
            Assert.Equal(3, summary.GetProperty("recordsPut").GetInt64());
            Assert.True(summary.GetProperty("interrupted").GetBoolean());
            Assert.Contains("kinesis-console-producer: interrupted: stopped reading stdin after line 3", output, StringComparison.Ordinal);
        }
        finally
        {
            await client.DeleteStreamAsync(new DeleteStreamRequest { StreamName = stream });
        }
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task ConsoleConsumer_SigintDuringStartAgainstAnEndpointThatNeverAnswers_StopsWithoutAStackTrace()
    {
        // A listening socket that is never accepted: connections succeed (the kernel's backlog), requests get no answer.
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        var endpoint = $"http://127.0.0.1:{((System.Net.IPEndPoint)silent.LocalEndpoint).Port}/";
        await using var consumer = StartTool(
            "ConsoleConsumer",
            "kinesis-console-consumer",
            ["--stream", "any-stream", "--kinesis-endpoint", endpoint, "--dynamodb-endpoint", endpoint]);

        // The consumer is inside StartAsync once its first request has connected.
        await Eventually.HoldsAsync(silent.Pending, ToolDeadline, "the consumer's first request");
        await consumer.SignalAsync("INT");
        var exitCode = await consumer.WaitForExitAsync(ToolDeadline);
        var output = consumer.Stderr;

        Assert.True(exitCode == 130, output);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", output, StringComparison.Ordinal);
        Assert.Contains("kinesis-console-consumer: 0 records printed", output, StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task ConsoleConsumer_SigtermWhileReading_CheckpointsWhatWasPrintedAndExits130()
    {
        var stream = LocalAwsFixture.UniqueName("console-sigterm");
        var application = LocalAwsFixture.UniqueName("console-app");
        using var client = CreateClient();
        await CreateStreamAsync(client, stream);
        var lines = Enumerable.Range(0, 10).Select(i => $"record {i}").ToArray();
        try
        {
            await ProduceAsync(stream, lines, "--aggregation", "off");
            await using var consumer = StartTool(
                "ConsoleConsumer",
                "kinesis-console-consumer",
                [
                    "--stream", stream, "--application", application, "--initial-position", "trim-horizon",
                    "--kinesis-endpoint", fixture.KinesisLocalEndpoint.ToString(), "--dynamodb-endpoint", fixture.DynaliteEndpoint.ToString(),
                ]);
            await consumer.WaitForStdoutAsync(o => o.Count(c => c == '\n') >= lines.Length, ToolDeadline, "every record printed");
            await consumer.SignalAsync("TERM");
            var exitCode = await consumer.WaitForExitAsync(ToolDeadline);
            var output = consumer.Stderr;

            Assert.True(exitCode == 130, output);
            Assert.Contains("kinesis-console-consumer: 10 records printed", output, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);

            // Everything printed was checkpointed: the next run of the application prints nothing again.
            Assert.Empty(await ConsumeAsync(stream, application));
        }
        finally
        {
            await client.DeleteStreamAsync(new DeleteStreamRequest { StreamName = stream });
        }
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task ConsoleConsumer_DynamoDbEndpointIsAnotherService_OneLineCouldNotStartExit3()
    {
        // kinesis-local answers the lease table's DynamoDB requests with an error the SDK cannot read.
        var (exitCode, stdout, stderr) = await RunToolAsync(
            "ConsoleConsumer",
            "kinesis-console-consumer",
            ["--stream", "any-stream", "--kinesis-endpoint", fixture.KinesisLocalEndpoint.ToString(), "--dynamodb-endpoint", fixture.KinesisLocalEndpoint.ToString()],
            stdinFile: null);

        Assert.True(exitCode == 3, stderr);
        Assert.Empty(stdout);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("kinesis-console-consumer: could not start: ", line, StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task ConsoleTools_LocalEndpointsAndNoAwsEnvironment_SayDummyCredentialsOnceAndWork()
    {
        var stream = LocalAwsFixture.UniqueName("console-dummy");
        using var client = CreateClient();
        await CreateStreamAsync(client, stream);
        var input = Path.Combine(Path.GetTempPath(), $"{stream}.txt");
        await File.WriteAllLinesAsync(input, ["alpha", "beta"]);
        try
        {
            var produced = await RunToolAsync("ConsoleProducer", "kinesis-console-producer", ["--stream", stream, "--kinesis-endpoint", fixture.KinesisLocalEndpoint.ToString()], input, ChildEnvironment.NoAws());
            var consumed = await RunToolAsync(
                "ConsoleConsumer",
                "kinesis-console-consumer",
                [
                    "--stream", stream, "--kinesis-endpoint", fixture.KinesisLocalEndpoint.ToString(), "--dynamodb-endpoint", fixture.DynaliteEndpoint.ToString(),
                    "--initial-position", "trim-horizon", "--max-records", "2",
                ],
                stdinFile: null,
                ChildEnvironment.NoAws());

            foreach (var (exitCode, _, stderr) in new[] { produced, consumed })
            {
                Assert.True(exitCode == 0, stderr);
                Assert.Single(stderr.Split('\n'), l => l.Contains("using dummy credentials for the local endpoint", StringComparison.Ordinal));
            }

            Assert.Equal(2, Summary(produced.Stderr).GetProperty("recordsPut").GetInt64());
            Assert.Equal(2, consumed.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        }
        finally
        {
            File.Delete(input);
            await client.DeleteStreamAsync(new DeleteStreamRequest { StreamName = stream });
        }
    }

    [Theory(Timeout = TestTimeouts.Integration)]
    [InlineData("ConsoleProducer", "kinesis-console-producer")]
    [InlineData("ConsoleConsumer", "kinesis-console-consumer")]
    public async Task ConsoleTools_RemoteEndpointsAndNoCredentials_OneLineWithTheFixExit3(string project, string assembly)
    {
        var input = Path.Combine(Path.GetTempPath(), $"no-credentials-{Guid.NewGuid():N}.txt");
        await File.WriteAllLinesAsync(input, ["alpha"]);
        try
        {
            var (exitCode, stdout, stderr) = await RunToolAsync(
                project,
                assembly,
                [
                    "--stream", "any-stream", "--region", "eu-west-1", "--kinesis-endpoint", "https://kinesis.invalid/",
                    .. project == "ConsoleConsumer" ? ["--dynamodb-endpoint", "https://dynamodb.invalid/"] : Array.Empty<string>(),
                ],
                input,
                ChildEnvironment.NoAws());

            Assert.True(exitCode == 3, stderr);
            Assert.Empty(stdout);
            var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Equal($"{assembly}: no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run where an IAM role is available", line);
        }
        finally
        {
            File.Delete(input);
        }
    }

    private KinesisApiClient CreateClient() => new(new KinesisApiClientOptions
    {
        Region = LocalAwsServices.Region,
        ServiceUrl = fixture.KinesisLocalEndpoint,
        Credentials = new BasicAWSCredentials(LocalAwsServices.AccessKeyId, LocalAwsServices.SecretAccessKey),
    });

    private static async Task CreateStreamAsync(KinesisApiClient client, string stream)
    {
        await client.CreateStreamAsync(new CreateStreamRequest { StreamName = stream, ShardCount = 2 });
        await client.WaitForStreamActiveAsync(stream, TimeSpan.FromSeconds(30));
    }

    /// <summary>Runs the producer with the lines on stdin; returns its stderr (the JSON summary).</summary>
    private async Task<string> ProduceAsync(string stream, string[] lines, params string[] options)
    {
        var (exitCode, stderr) = await RunProducerAsync(stream, lines, fixture.KinesisLocalEndpoint, options);
        Assert.True(exitCode == 0, stderr);
        return stderr;
    }

    private static async Task<(int ExitCode, string Stderr)> RunProducerAsync(string stream, string[] lines, Uri endpoint, params string[] options)
    {
        // A stream ARN holds ':' and '/', which a file name cannot.
        var input = Path.Combine(Path.GetTempPath(), $"{stream[(stream.LastIndexOf('/') + 1)..]}-{Guid.NewGuid():N}.txt");
        await File.WriteAllLinesAsync(input, lines);
        try
        {
            var produced = await RunToolAsync("ConsoleProducer", "kinesis-console-producer", ["--stream", stream, "--endpoint", endpoint.ToString(), .. options], input);
            return (produced.ExitCode, produced.Stderr);
        }
        finally
        {
            File.Delete(input);
        }
    }

    /// <summary>The JSON summary: the producer's last line on stderr.</summary>
    private static JsonElement Summary(string stderr)
    {
        var last = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        using var json = JsonDocument.Parse(last);
        return json.RootElement.Clone();
    }

    /// <summary>Runs the consumer from the stream's start until it is idle; returns the printed records.</summary>
    private async Task<List<(string PartitionKey, string Data)>> ConsumeAsync(string stream, string application, params string[] options)
    {
        var (printed, _) = await ConsumeWithOutputAsync(stream, application, options);
        return printed.Select(r => (r.PartitionKey, r.Data)).ToList();
    }

    /// <summary>Runs the consumer from the stream's start until it is idle; returns the printed records and its stderr.</summary>
    private async Task<(List<(string PartitionKey, string Data, string? WorkerId)> Printed, string Stderr)> ConsumeWithOutputAsync(string stream, string application, params string[] options)
    {
        var consumed = await RunToolAsync(
            "ConsoleConsumer",
            "kinesis-console-consumer",
            [
                "--stream", stream, "--application", application,
                "--kinesis-endpoint", fixture.KinesisLocalEndpoint.ToString(), "--dynamodb-endpoint", fixture.DynaliteEndpoint.ToString(),
                "--initial-position", "trim-horizon", .. options.Contains("--exit-when-idle") ? options : ["--exit-when-idle", "3", .. options],
            ],
            stdinFile: null);
        Assert.True(consumed.ExitCode == 0, consumed.Stderr);

        var printed = new List<(string, string, string?)>();
        foreach (var line in consumed.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // Scripts read these lines: the fields, their order and the timestamp's format are part of the tool's contract.
            Assert.Matches(PrintedLine(), line);
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            Assert.StartsWith("shardId-", root.GetProperty("shardId").GetString(), StringComparison.Ordinal);
            Assert.False(string.IsNullOrEmpty(root.GetProperty("sequenceNumber").GetString()));
            var workerId = root.TryGetProperty("workerId", out var worker) ? worker.GetString() : null;
            printed.Add((root.GetProperty("partitionKey").GetString()!, Encoding.UTF8.GetString(root.GetProperty("data").GetBytesFromBase64()), workerId));
        }

        return (printed, consumed.Stderr);
    }

    /// <summary>Runs a console tool to its end with <paramref name="stdinFile"/> on stdin, in <paramref name="environment"/> (the emulators' credentials by default).</summary>
    private static async Task<ProcessRun> RunToolAsync(string project, string assembly, string[] arguments, string? stdinFile, Dictionary<string, string?>? environment = null)
    {
        // The tools take credentials and region from the standard AWS chain, as they would in a shell script.
        await using var stdin = stdinFile is null ? null : File.OpenRead(stdinFile);
        return await ChildProcess.RunDllAsync(BuiltPrograms.Sample(project, assembly), arguments, ToolDeadline, environment: environment ?? ChildEnvironment.StaticCredentials(), stdin: stdin);
    }

    /// <summary>Starts a console tool with the emulators' credentials.</summary>
    private static ChildProcess StartTool(string project, string assembly, string[] arguments, bool openStdin = false) =>
        ChildProcess.Start("dotnet", [BuiltPrograms.Sample(project, assembly), .. arguments], environment: ChildEnvironment.StaticCredentials(), openStdin: openStdin);

    [GeneratedRegex("""^\{("workerId":"[^"]+",)?"shardId":"shardId-\d{12}","sequenceNumber":"\d+","subSequenceNumber":\d+,"partitionKey":"[^"]*","explicitHashKey":(null|"\d+"),"approximateArrivalTimestamp":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z","data":"[A-Za-z0-9+/]*={0,2}"\}$""")]
    private static partial Regex PrintedLine();
}
