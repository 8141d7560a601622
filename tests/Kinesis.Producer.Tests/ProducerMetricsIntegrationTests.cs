using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using Kinesis.Core.Api;
using Kinesis.Core.Metrics;
using Kinesis.Testing;

namespace Kinesis.Producer.Tests;

[Collection(LocalAwsCollection.Name)]
public sealed class ProducerMetricsIntegrationTests(LocalAwsFixture fixture)
{
    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task PutAsync_WithPartialFailures_ReportsKplMetricsOnTheProducerMeter()
    {
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        var stream = LocalAwsFixture.UniqueName("producer-metrics");
        await LocalKinesis.CreateStreamAsync(client, stream, shardCount: 2);
        using var faults = new PutRecordsFaultHandler
        {
            RecordFault = (call, record) => call == 0 && record == 0 ? KinesisErrorCodes.ProvisionedThroughputExceeded : null,
        };

        var measurements = new ConcurrentDictionary<string, double>();
        var tags = new ConcurrentDictionary<string, string>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == KinesisMeterNames.Producer)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tagList)
        {
            measurements.AddOrUpdate(instrument.Name, value, (_, old) => old + value);
            foreach (var tag in tagList)
            {
                tags[$"{instrument.Name}:{tag.Key}"] = tag.Value?.ToString() ?? string.Empty;
            }
        }

        listener.SetMeasurementEventCallback<long>((i, v, t, _) => Record(i, v, t));
        listener.SetMeasurementEventCallback<int>((i, v, t, _) => Record(i, v, t));
        listener.SetMeasurementEventCallback<double>((i, v, t, _) => Record(i, v, t));
        listener.Start();

        await using (var producer = new KinesisProducer(ProducerTestKit.Options(fixture.KinesisLocalEndpoint, faults, o => o.AggregationEnabled = false)))
        {
            await Task.WhenAll(Enumerable.Range(0, 10).Select(i => producer.PutAsync(stream, $"k{i}", ProducerTestKit.Payload("k", i))));
            listener.RecordObservableInstruments();
        }

        Assert.Equal(10, measurements[ProducerMetricNames.UserRecordsReceived]);
        Assert.Equal(10, measurements[ProducerMetricNames.UserRecordsPut]);
        Assert.Equal(10, measurements[ProducerMetricNames.KinesisRecordsPut]);
        Assert.Equal(1, measurements[ProducerMetricNames.RetriesPerRecord]);
        Assert.Equal(1, measurements[ProducerMetricNames.ErrorsByCode]);
        Assert.Equal(KinesisErrorCodes.ProvisionedThroughputExceeded, tags[$"{ProducerMetricNames.ErrorsByCode}:{MetricTagNames.ErrorCode}"]);
        Assert.Equal(1, measurements[ProducerMetricNames.KinesisRecordsThrottled]);
        Assert.Equal(stream, tags[$"{ProducerMetricNames.KinesisRecordsThrottled}:{MetricTagNames.StreamName}"]);
        Assert.StartsWith("shardId-", tags[$"{ProducerMetricNames.KinesisRecordsThrottled}:{MetricTagNames.ShardId}"], StringComparison.Ordinal);
        Assert.Equal(stream, tags[$"{ProducerMetricNames.UserRecordsPut}:{MetricTagNames.StreamName}"]);
        Assert.StartsWith("shardId-", tags[$"{ProducerMetricNames.UserRecordsPut}:{MetricTagNames.ShardId}"], StringComparison.Ordinal);
        Assert.True(measurements.ContainsKey(ProducerMetricNames.BufferingTime));
        Assert.True(measurements.ContainsKey(ProducerMetricNames.RequestTime));
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task PutAsync_MetricsListenerThrowsOnExpiry_EveryRecordStillExpiresAndLaterRecordsAreSent()
    {
        // Records that expire in their queue are failed while the sender collects. A listener that threw there used to
        // end the collect half way: the aggregate's other records were never resolved, and the connection slot taken
        // for the collect was never given back (with MaxConnections 1 nothing was ever sent again).
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        var stream = LocalAwsFixture.UniqueName("producer-throwing-meter");
        await LocalKinesis.CreateStreamAsync(client, stream, shardCount: 1);
        using var faults = new FaultInjectionHandler().ForTarget("PutRecords", Fault.Delay(TimeSpan.FromSeconds(4)));
        using var meters = new ThrowingMeterFactory();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == meters && instrument.Name == ProducerMetricNames.UserRecordExpired)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, _, _, _) => throw new InvalidOperationException("a listener that throws"));
        listener.Start();

        await using var producer = new KinesisProducer(ProducerTestKit.Options(fixture.KinesisLocalEndpoint, faults, o =>
        {
            o.MaxConnections = 1;
            o.RecordTtl = TimeSpan.FromSeconds(2);
            o.MeterFactory = meters;
        }));
        var first = producer.PutAsync(stream, "first", ProducerTestKit.Payload("first", 0));
        await Eventually.HoldsAsync(() => faults.RequestCount >= 2, TimeSpan.FromSeconds(20), "the first PutRecords call to hold the only connection");

        // Queued behind the slow call until their time to live has passed.
        var queued = Enumerable.Range(0, 5).Select(i => producer.PutAsync(stream, $"queued-{i}", ProducerTestKit.Payload("queued", i))).ToArray();
        foreach (var put in queued)
        {
            var error = await Assert.ThrowsAsync<UserRecordFailedException>(() => put.WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.Equal(ProducerErrorCodes.Expired, error.ErrorCode);
        }

        Assert.True((await first).IsSuccessful);
        Assert.True((await producer.PutAsync(stream, "later", ProducerTestKit.Payload("later", 0)).WaitAsync(TimeSpan.FromSeconds(30))).IsSuccessful);
        Assert.Equal(0, producer.OutstandingRecords);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task PutAsync_CloudWatchFailing_ProducingIsUnaffected()
    {
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        var stream = LocalAwsFixture.UniqueName("producer-cw-down");
        await LocalKinesis.CreateStreamAsync(client, stream, shardCount: 1);
        using var cloudWatch = new FaultInjectionHandler().When(_ => true, Fault.AwsError(HttpStatusCode.InternalServerError, "InternalFailure"), times: int.MaxValue);

        var producer = new KinesisProducer(ProducerTestKit.Options(fixture.KinesisLocalEndpoint, configure: o => o.Metrics = new CloudWatchMetricsOptions
        {
            Enabled = true,
            ServiceUrl = new Uri("http://127.0.0.1:9/"),
            HttpHandler = cloudWatch,
            UploadInterval = TimeSpan.FromSeconds(1),
            ShutdownTimeout = TimeSpan.FromSeconds(2),
        }));
        await using (producer)
        {
            for (var round = 0; round < 3; round++)
            {
                var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => producer.PutAsync(stream, $"k{i}", ProducerTestKit.Payload("k", i))));
                Assert.All(results, r => Assert.True(r.IsSuccessful));
                await Task.Delay(600);
            }

            await Eventually.HoldsAsync(() => cloudWatch.RequestCount > 0, TimeSpan.FromSeconds(20), "an upload attempt to the failing CloudWatch");
        }

        Assert.Equal(60, (await LocalKinesis.ReadAllAsync(client, stream)).Count);
    }

    /// <summary>Meters of one producer, so the throwing listener above disturbs no other test's producer.</summary>
    private sealed class ThrowingMeterFactory : IMeterFactory
    {
        private readonly List<Meter> created = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options.Name, options.Version, options.Tags, scope: this);
            lock (created)
            {
                created.Add(meter);
            }

            return meter;
        }

        public void Dispose()
        {
            lock (created)
            {
                foreach (var meter in created)
                {
                    meter.Dispose();
                }
            }
        }
    }
}
