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
}
