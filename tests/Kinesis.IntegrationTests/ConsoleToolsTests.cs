using System.Diagnostics;
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
    public async Task ConsoleProducer_StreamDoesNotExist_ReportsTheErrorOnceAndCountsEveryRecord()
    {
        var stream = LocalAwsFixture.UniqueName("console-missing");
        var lines = Enumerable.Range(0, 200).Select(i => $"line {i}").ToArray();

        var (exitCode, stderr) = await RunProducerAsync(stream, lines, fixture.KinesisLocalEndpoint);

        Assert.True(exitCode == 1, stderr);
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
        var input = Path.Combine(Path.GetTempPath(), $"{stream}-{Guid.NewGuid():N}.txt");
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
                "--initial-position", "trim-horizon", "--exit-when-idle", "3", .. options,
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

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunToolAsync(string project, string assembly, string[] arguments, string? stdinFile)
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

        // The tools take credentials and region from the standard AWS chain, as they would in a shell script.
        start.Environment["AWS_ACCESS_KEY_ID"] = LocalAwsServices.AccessKeyId;
        start.Environment["AWS_SECRET_ACCESS_KEY"] = LocalAwsServices.SecretAccessKey;
        start.Environment["AWS_REGION"] = LocalAwsServices.Region;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {assembly}");
        using var deadline = new CancellationTokenSource(ToolDeadline);
        try
        {
            var stdout = process.StandardOutput.ReadToEndAsync(deadline.Token);
            var stderr = process.StandardError.ReadToEndAsync(deadline.Token);
            if (stdinFile is not null)
            {
                await using var file = File.OpenRead(stdinFile);
                await file.CopyToAsync(process.StandardInput.BaseStream, deadline.Token);
            }

            process.StandardInput.Close();
            await process.WaitForExitAsync(deadline.Token);
            return (process.ExitCode, await stdout, await stderr);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{assembly} did not finish within {ToolDeadline}.");
        }
    }

    /// <summary>The tool's dll, built with the same configuration as this test assembly (see the ProjectReferences).</summary>
    private static string ToolPath(string project, string assembly)
    {
        var testDirectory = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var targetFramework = testDirectory.Name;
        var configuration = testDirectory.Parent!.Name;
        var root = testDirectory;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Kinesis.Libraries.sln")))
        {
            root = root.Parent;
        }

        var path = Path.Combine(root?.FullName ?? throw new InvalidOperationException("Kinesis.Libraries.sln not found above the test assembly."), "samples", project, "bin", configuration, targetFramework, $"{assembly}.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"Build the samples first; {path} is missing.", path);
    }

    [GeneratedRegex("""^\{("workerId":"[^"]+",)?"shardId":"shardId-\d{12}","sequenceNumber":"\d+","subSequenceNumber":\d+,"partitionKey":"[^"]*","explicitHashKey":(null|"\d+"),"approximateArrivalTimestamp":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z","data":"[A-Za-z0-9+/]*={0,2}"\}$""")]
    private static partial Regex PrintedLine();
}
