using System.Net;
using System.Text;
using Kinesis.Agent.Configuration;
using Kinesis.Core.Metrics;
using Kinesis.Core.Tests.Metrics;
using Kinesis.LocalServices;
using Kinesis.Testing;
using Microsoft.Extensions.Logging;

namespace Kinesis.Agent.Tests;

/// <summary><c>cloudwatch.emitMetrics</c>: the agent's metrics uploaded to a PutMetricData endpoint on 127.0.0.1, over real HTTP.</summary>
[Collection(LocalAwsCollection.Name)]
public sealed class AgentCloudWatchTests : IAsyncDisposable
{
    private readonly LocalAwsFixture fixture;
    private readonly TempDirectory directory = new();
    private readonly LoopbackCloudWatch cloudWatch = new();

    public AgentCloudWatchTests(LocalAwsFixture fixture)
    {
        this.fixture = fixture;
    }

    public async ValueTask DisposeAsync()
    {
        await cloudWatch.DisposeAsync();
        directory.Dispose();
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task Agent_EmitMetrics_UploadsSentRecordsAndBytesPerStreamUnderTheJavaNamespace()
    {
        var stream = LocalAwsFixture.UniqueName("agent-cw");
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        await LocalKinesis.CreateStreamAsync(client, stream, 1);
        var log = directory.File("app.log");
        var text = string.Concat(Enumerable.Range(0, 60).Select(i => $"line {i}\n"));
        await File.WriteAllTextAsync(log, text);
        // The first upload fails with a 500: the sender retries it, nothing is lost or counted twice.
        using var faults = new FaultInjectionHandler(new SocketsHttpHandler()).ForRequest(1, Fault.AwsError(HttpStatusCode.InternalServerError, "InternalFailure"));

        await using (var agent = await StartAsync(Configuration(stream, log, $"\"cloudwatch.endpoint\": \"{cloudWatch.Endpoint}\","), faults))
        {
            await Eventually.HoldsAsync(() => agent.SentRecords == 60, TimeSpan.FromSeconds(60), "60 records sent");
            await Eventually.HoldsAsync(() => Sum("RecordsSent", stream) == 60, TimeSpan.FromSeconds(60), "RecordsSent uploaded");
            await agent.StopAsync();
        }

        Assert.True(faults.RequestCount >= 2);
        Assert.All(cloudWatch.Requests, r => Assert.True(r.SignatureValid));
        Assert.All(cloudWatch.AllDatums, d => Assert.Equal(AgentConfiguration.DefaultCloudWatchNamespace, d.Namespace));
        Assert.Equal(60, Sum("RecordsSent", stream));
        Assert.Equal(Encoding.UTF8.GetByteCount(text), Sum("BytesSent", stream));
        Assert.Equal(60, Sum("LinesParsed", stream));
        Assert.Equal(0, Sum("RecordSendErrors", stream));
        Assert.Contains(cloudWatch.AllDatums, d => d.Name == "BytesBehind" && d.Unit == "Bytes");
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task Agent_EmitMetricsFalse_UploadsNothing()
    {
        var stream = LocalAwsFixture.UniqueName("agent-cw-off");
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        await LocalKinesis.CreateStreamAsync(client, stream, 1);
        var log = directory.File("app.log");
        await File.WriteAllTextAsync(log, "a\nb\n");

        await using (var agent = await StartAsync(Configuration(stream, log, $"\"cloudwatch.endpoint\": \"{cloudWatch.Endpoint}\", \"cloudwatch.emitMetrics\": false,"), handler: null))
        {
            await Eventually.HoldsAsync(() => agent.SentRecords == 2, TimeSpan.FromSeconds(60), "2 records sent");
            await agent.StopAsync();
        }

        Assert.Empty(cloudWatch.Requests);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task Agent_LoopbackKinesisWithoutCloudWatchEndpoint_UploadsNothingAndSaysSo()
    {
        var stream = LocalAwsFixture.UniqueName("agent-cw-local");
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        await LocalKinesis.CreateStreamAsync(client, stream, 1);
        var log = directory.File("app.log");
        await File.WriteAllTextAsync(log, "a\nb\n");
        using var requests = new FaultInjectionHandler(new SocketsHttpHandler());
        using var logs = new CapturingLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(logs));

        await using (var agent = await StartAsync(Configuration(stream, log, topLevel: ""), requests, loggerFactory))
        {
            await Eventually.HoldsAsync(() => agent.SentRecords == 2, TimeSpan.FromSeconds(60), "2 records sent");
            await agent.StopAsync();
        }

        Assert.Equal(0, requests.RequestCount);
        Assert.Equal(1, logs.Count(5019));
    }

    [Fact]
    public void Read_CloudWatchKeys_AreKeptAndNotWarnedAbout()
    {
        var configuration = AgentConfigurationReader.Parse("""
            { "cloudwatch.endpoint": "monitoring.eu-west-1.amazonaws.com", "cloudwatch.namespace": "MyAgent",
              "flows": [ { "filePattern": "/a/b.log", "kinesisStream": "s" } ] }
            """);

        Assert.Equal(new Uri("https://monitoring.eu-west-1.amazonaws.com"), configuration.CloudWatchEndpoint);
        Assert.Equal("MyAgent", configuration.CloudWatchNamespace);
        Assert.Empty(configuration.Warnings);
    }

    [Theory]
    [InlineData("""{ "cloudwatch.namespace": "AWS/Kinesis", "flows": [ { "filePattern": "/a/b.log", "kinesisStream": "s" } ] }""", "cloudwatch.namespace")]
    [InlineData("""{ "cloudwatch.endpoint": "http://example.com", "flows": [ { "filePattern": "/a/b.log", "kinesisStream": "s" } ] }""", "cloudwatch.endpoint")]
    public void Read_BadCloudWatchValue_FailsNamingTheKey(string json, string key) =>
        Assert.Equal(key, Assert.Throws<AgentConfigurationException>(() => AgentConfigurationReader.Parse(json)).Key);

    private double Sum(string metric, string stream) =>
        cloudWatch.AllDatums.Where(d => d.Name == metric && d.Dimensions == $"Destination=KinesisStream:{stream}").Sum(d => d.Sum);

    private AgentConfiguration Configuration(string stream, string log, string topLevel) => AgentConfigurationReader.Parse($$"""
        {
          {{topLevel}}
          "kinesis.endpoint": "{{fixture.KinesisLocalEndpoint}}",
          "awsAccessKeyId": "{{LocalAwsServices.AccessKeyId}}",
          "awsSecretAccessKey": "{{LocalAwsServices.SecretAccessKey}}",
          "checkpointFile": "{{directory.File("checkpoints")}}",
          "flows": [ { "filePattern": "{{log}}", "kinesisStream": "{{stream}}", "initialPosition": "START_OF_FILE", "minTimeBetweenFilePollsMillis": 20 } ]
        }
        """);

    private static async Task<KinesisAgent> StartAsync(AgentConfiguration configuration, HttpMessageHandler? handler, ILoggerFactory? loggerFactory = null)
    {
        var options = KinesisAgent.CreateProducerOptions(configuration);
        options.RecordMaxBufferedTime = TimeSpan.FromMilliseconds(20);
        var agent = new KinesisAgent(configuration, options, loggerFactory)
        {
            CheckpointInterval = TimeSpan.FromMilliseconds(50),
            CloudWatchMetrics = new CloudWatchMetricsOptions
            {
                Credentials = LoopbackCloudWatch.Credentials,
                Region = LoopbackCloudWatch.Region,
                HttpHandler = handler,
                UploadInterval = TimeSpan.FromSeconds(1),
                Retry = { BaseDelay = TimeSpan.FromMilliseconds(10), MaxDelay = TimeSpan.FromMilliseconds(50) },
            },
        };
        await agent.StartAsync();
        return agent;
    }
}
