using System.Text;
using System.Text.Json;
using Kinesis.Agent.Configuration;
using Kinesis.Agent.Hosting;
using Kinesis.LocalServices;
using Kinesis.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Kinesis.Agent.Tests;

/// <summary>The agent's settings from appsettings.json, and the agent as a hosted service.</summary>
[Collection(LocalAwsCollection.Name)]
public sealed class HostingTests : IDisposable
{
    private readonly LocalAwsFixture fixture;
    private readonly TempDirectory directory = new();

    public HostingTests(LocalAwsFixture fixture)
    {
        this.fixture = fixture;
    }

    public void Dispose() => directory.Dispose();

    [Fact]
    public void Read_AppSettingsSection_GivesWhatTheSameAgentJsonGives()
    {
        const string Agent = """
            {
              "kinesis.endpoint": "http://localhost:4567",
              "checkpointFile": "/tmp/agent-checkpoints",
              "cloudwatch.emitMetrics": false,
              "flows": [
                {
                  "filePattern": "/var/log/app*/access.log*",
                  "kinesisStream": "web",
                  "partitionKeyOption": "DETERMINISTIC",
                  "initialPosition": "START_OF_FILE",
                  "skipHeaderLines": 1,
                  "maxBufferAgeMillis": 5000,
                  "multiLineStartPattern": "^\\d",
                  "dataProcessingOptions": [
                    { "optionName": "LOGTOJSON", "logFormat": "COMBINEDAPACHELOG" },
                    { "optionName": "ADDMETADATA", "timestamp": "true", "metadata": { "env": "prod", "team": { "name": "web" } } }
                  ]
                },
                { "filePattern": "/var/log/data.csv", "kinesisStream": "csv", "dataProcessingOptions": [ { "optionName": "CSVTOJSON", "customFieldNames": [ "a", "b" ], "delimiter": "\\t" } ] }
              ]
            }
            """;
        var appSettings = new ConfigurationBuilder()
            .AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes($$"""{ "Logging": {}, "KinesisAgent": {{Agent}} }""")))
            .Build();

        var fromAppSettings = AgentConfigurationReader.Read(appSettings.GetSection("KinesisAgent"));
        var fromAgentJson = AgentConfigurationReader.Parse(Agent);

        Assert.Equal(Describe(fromAgentJson), Describe(fromAppSettings));
        Assert.Empty(fromAppSettings.Warnings);
    }

    [Fact]
    public void Read_EnvironmentStyleKeys_AreReadAsTheirJson()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["KinesisAgent:flows:1:filePattern"] = "/b.log",
            ["KinesisAgent:flows:1:kinesisStream"] = "s2",
            ["KinesisAgent:flows:0:filePattern"] = "/a.log",
            ["KinesisAgent:flows:0:kinesisStream"] = "s1",
            ["KinesisAgent:flows:0:maxBufferSizeRecords"] = "100",
        }).Build();

        var settings = AgentConfigurationReader.Read(configuration.GetSection("KinesisAgent"));

        Assert.Equal(["s1", "s2"], settings.Flows.Select(f => f.KinesisStream));
        Assert.Equal(100, settings.Flows[0].MaxBufferSizeRecords);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task AddKinesisAgent_BadValue_FailsTheHostStartNamingTheKey()
    {
        using var host = Host(new Dictionary<string, string?>
        {
            ["KinesisAgent:flows:0:filePattern"] = directory.File("app.log"),
            ["KinesisAgent:flows:0:kinesisStream"] = "s",
            ["KinesisAgent:flows:0:partitionKeyOption"] = "SEQ",
        });

        var error = await Assert.ThrowsAsync<AgentConfigurationException>(() => host.StartAsync());

        Assert.Equal("flows[0].partitionKeyOption", error.Key);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task AddKinesisAgent_HostStartedAndStopped_SendsTheLinesAndCheckpointsTheirEnd()
    {
        var stream = LocalAwsFixture.UniqueName("agent-hosted");
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        await LocalKinesis.CreateStreamAsync(client, stream, 1);
        var log = directory.File("app.log");
        File.WriteAllText(log, "one\ntwo\n");
        using var host = Host(new Dictionary<string, string?>
        {
            ["KinesisAgent:kinesis.endpoint"] = fixture.KinesisLocalEndpoint.ToString(),
            ["KinesisAgent:awsAccessKeyId"] = LocalAwsServices.AccessKeyId,
            ["KinesisAgent:awsSecretAccessKey"] = LocalAwsServices.SecretAccessKey,
            ["KinesisAgent:checkpointFile"] = directory.File("checkpoints"),
            ["KinesisAgent:flows:0:filePattern"] = log,
            ["KinesisAgent:flows:0:kinesisStream"] = stream,
            ["KinesisAgent:flows:0:initialPosition"] = "START_OF_FILE",
            ["KinesisAgent:flows:0:minTimeBetweenFilePollsMillis"] = "20",
        });

        await host.StartAsync();
        File.AppendAllText(log, "three\n");
        await Eventually.HoldsAsync(
            async () => (await LocalKinesis.ReadAllAsync(client, stream)).Count >= 3,
            TimeSpan.FromSeconds(60),
            "3 records",
            TimeSpan.FromMilliseconds(200));
        await host.StopAsync();

        var records = await LocalKinesis.ReadAllAsync(client, stream);
        Assert.Equal(["one\n", "two\n", "three\n"], records.Select(r => Encoding.UTF8.GetString(r.Record.Data.Span)));
        using var checkpoints = JsonDocument.Parse(File.ReadAllBytes(directory.File("checkpoints")));
        Assert.Equal(new FileInfo(log).Length, checkpoints.RootElement.GetProperty("files")[0].GetProperty("offset").GetInt64());
    }

    private static IHost Host(Dictionary<string, string?> settings)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddKinesisAgent(builder.Configuration.GetSection("KinesisAgent"), producer => producer.RecordMaxBufferedTime = TimeSpan.FromMilliseconds(20));
        return builder.Build();
    }

    private static string Describe(AgentConfiguration configuration) => JsonSerializer.Serialize(configuration);
}
