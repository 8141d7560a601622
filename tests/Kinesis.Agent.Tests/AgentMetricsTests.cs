using System.Diagnostics.Metrics;
using System.Net;
using Kinesis.Agent.Configuration;
using Kinesis.Agent.Metrics;
using Kinesis.LocalServices;
using Kinesis.Testing;

namespace Kinesis.Agent.Tests;

/// <summary>The agent's meter as a listener sees it, against kinesis-local.</summary>
[Collection(LocalAwsCollection.Name)]
public sealed class AgentMetricsTests : IDisposable
{
    private readonly LocalAwsFixture fixture;
    private readonly TempDirectory directory = new();

    public AgentMetricsTests(LocalAwsFixture fixture)
    {
        this.fixture = fixture;
    }

    public void Dispose() => directory.Dispose();

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task Meter_LinesBytesRecordsAndFileLag_FollowWhatIsReadAndAcknowledged()
    {
        var stream = LocalAwsFixture.UniqueName("agent-metrics");
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        await LocalKinesis.CreateStreamAsync(client, stream, 1);
        var log = directory.File("app.log");
        File.WriteAllText(log, string.Concat(Enumerable.Range(0, 50).Select(i => $"line-{i:D4}\n")));
        var length = new FileInfo(log).Length;
        var configuration = AgentConfigurationReader.Parse($$"""
            {
              "kinesis.endpoint": "{{fixture.KinesisLocalEndpoint}}",
              "awsAccessKeyId": "{{LocalAwsServices.AccessKeyId}}",
              "awsSecretAccessKey": "{{LocalAwsServices.SecretAccessKey}}",
              "checkpointFile": "{{directory.File("checkpoints")}}",
              "flows": [ { "filePattern": "{{log}}", "kinesisStream": "{{stream}}", "initialPosition": "START_OF_FILE", "minTimeBetweenFilePollsMillis": 20 } ]
            }
            """);
        var flow = configuration.Flows[0].Id;
        using var listener = new AgentMeterListener(flow);

        // Kinesis fails every call: everything is read and parsed, nothing acknowledged, the whole file behind.
        using (var faults = new FaultInjectionHandler())
        {
            faults.ForTarget("PutRecords", Fault.Respond(HttpStatusCode.InternalServerError, """{"__type":"InternalFailure"}"""), times: 100_000);
            await using var failing = await StartAsync(configuration, faults, TimeSpan.FromMilliseconds(200));
            await Eventually.HoldsAsync(
                () => listener.Value(AgentMetricNames.LinesParsed) == 50 && listener.Value(AgentMetricNames.FileLag, log) == length,
                TimeSpan.FromSeconds(30),
                "50 lines parsed and the whole file behind");
            Assert.Equal(length, listener.Value(AgentMetricNames.BytesRead));
            Assert.Equal(0, listener.Value(AgentMetricNames.RecordsSent));
            await failing.StopAsync();
        }

        // The next run sends them: every byte acknowledged, no lag.
        await using var agent = await StartAsync(configuration, null, null);
        await Eventually.HoldsAsync(
            () => listener.Value(AgentMetricNames.RecordsSent) == 50 && listener.Value(AgentMetricNames.FileLag, log) == 0,
            TimeSpan.FromSeconds(30),
            "50 records sent and no lag");
        Assert.Equal(length, listener.Value(AgentMetricNames.BytesSent));
        Assert.Equal(0, listener.Value(AgentMetricNames.RecordsFailed));
        Assert.Equal(0, listener.Value(AgentMetricNames.RecordsSkipped));
        Assert.Equal(50, agent.SentRecords);
        await agent.StopAsync();
    }

    private static async Task<KinesisAgent> StartAsync(AgentConfiguration configuration, HttpMessageHandler? handler, TimeSpan? shutdownTimeout)
    {
        var options = KinesisAgent.CreateProducerOptions(configuration);
        options.RecordMaxBufferedTime = TimeSpan.FromMilliseconds(20);
        options.HttpMessageHandler = handler;
        options.RecordTtl = TimeSpan.FromMinutes(5);
        options.ShutdownTimeout = shutdownTimeout ?? options.ShutdownTimeout;
        var agent = new KinesisAgent(configuration, options) { CheckpointInterval = TimeSpan.FromMilliseconds(50) };
        await agent.StartAsync();
        return agent;
    }

    /// <summary>Collects the agent meter's observable instruments for one flow on demand.</summary>
    private sealed class AgentMeterListener : IDisposable
    {
        private readonly MeterListener listener = new();
        private readonly string flow;
        private readonly Dictionary<string, long> values = new(StringComparer.Ordinal);

        public AgentMeterListener(string flow)
        {
            this.flow = flow;
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == AgentMetricNames.MeterName)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                string? measuredFlow = null, path = null;
                foreach (var tag in tags)
                {
                    if (tag.Key == AgentMetricNames.FlowTag)
                    {
                        measuredFlow = tag.Value as string;
                    }
                    else if (tag.Key == AgentMetricNames.FilePathTag)
                    {
                        path = tag.Value as string;
                    }
                }

                if (measuredFlow == this.flow)
                {
                    values[Key(instrument.Name, path)] = value;
                }
            });
            listener.Start();
        }

        /// <summary>The instrument's value for the flow (and file), collected now; -1 when not measured.</summary>
        public long Value(string instrument, string? path = null)
        {
            lock (values)
            {
                values.Clear();
                listener.RecordObservableInstruments();
                return values.GetValueOrDefault(Key(instrument, path), -1);
            }
        }

        public void Dispose() => listener.Dispose();

        private static string Key(string instrument, string? path) => path is null ? instrument : $"{instrument}|{path}";
    }
}
