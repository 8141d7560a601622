using System.Diagnostics.Metrics;
using Kinesis.Core.Metrics;

namespace Kinesis.Core.Tests.Metrics;

public sealed class ProducerMetricsTests
{
    private const string Stream = "orders";
    private const string Shard = "shardId-000000000001";

    [Fact]
    public void Constructor_Instruments_AreNamedAsTheKplOnTheProducerMeter()
    {
        using var metrics = new ProducerMetrics();
        using var recorder = new MeasurementRecorder(metrics.Meter);

        Assert.Equal(KinesisMeterNames.Producer, metrics.Meter.Name);
        string[] expected =
        [
            "UserRecordsReceived", "UserRecordsPending", "UserRecordsPut", "UserRecordsDataPut", "KinesisRecordsPut",
            "KinesisRecordsDataPut", "ErrorsByCode", "AllErrors", "RetriesPerRecord", "BufferingTime", "RequestTime",
            "UserRecordsPerKinesisRecord", "KinesisRecordsPerPutRecordsRequest", "UserRecordsPerPutRecordsRequest", "UserRecordExpired",

            // Ours, beyond the KPL's set.
            "KinesisRecordsThrottled",
        ];
        Assert.Equal(expected.Order(StringComparer.Ordinal), recorder.Instruments.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(MetricUnits.Bytes, recorder.Instruments[ProducerMetricNames.UserRecordsDataPut].Unit);
        Assert.Equal(MetricUnits.Milliseconds, recorder.Instruments[ProducerMetricNames.BufferingTime].Unit);
        Assert.Equal(MetricUnits.Count, recorder.Instruments[ProducerMetricNames.UserRecordsPut].Unit);
        Assert.IsType<ObservableGauge<long>>(recorder.Instruments[ProducerMetricNames.UserRecordsPending]);
        Assert.IsType<ObservableCounter<long>>(recorder.Instruments[ProducerMetricNames.UserRecordsReceived]);
    }

    [Fact]
    public void RecordingMethods_WithListener_EmitValuesUnitsAndTags()
    {
        using var metrics = new ProducerMetrics();
        using var recorder = new MeasurementRecorder(metrics.Meter);

        using var source = metrics.ObserveStream(Stream, () => 1, () => 0);
        recorder.Observe();
        metrics.UserRecordAttemptStarted(Stream, Shard, TimeSpan.FromMilliseconds(12.5));
        metrics.UserRecordPut(Stream, Shard, bytes: 100, retries: 2);
        metrics.UserRecordFailed(Stream, Shard, retries: 4);
        metrics.UserRecordExpired(Stream, Shard);
        metrics.KinesisRecordPut(Stream, Shard, bytes: 5000, userRecords: 7);
        metrics.KinesisRecordFailed(Stream, Shard);
        metrics.PutRecordsCompleted(Stream, kinesisRecords: 3, userRecords: 21, TimeSpan.FromMilliseconds(40));
        metrics.Error(Stream, Shard, "ProvisionedThroughputExceededException");
        metrics.Error(Stream, null, "InternalFailure");

        var streamAndShard = $"ShardId={Shard},StreamName={Stream}";
        Assert.Equal([(1.0, $"StreamName={Stream}")], recorder.Of(ProducerMetricNames.UserRecordsReceived).Select(m => (m.Value, m.TagText)));
        Assert.Equal([(12.5, streamAndShard)], recorder.Of(ProducerMetricNames.BufferingTime).Select(m => (m.Value, m.TagText)));
        Assert.Equal([1.0, 0.0], recorder.Of(ProducerMetricNames.UserRecordsPut).Select(m => m.Value));
        Assert.Equal([100.0], recorder.Of(ProducerMetricNames.UserRecordsDataPut).Select(m => m.Value));
        Assert.Equal([2.0, 4.0], recorder.Of(ProducerMetricNames.RetriesPerRecord).Select(m => m.Value));
        Assert.Equal([(1.0, streamAndShard)], recorder.Of(ProducerMetricNames.UserRecordExpired).Select(m => (m.Value, m.TagText)));
        Assert.Equal([1.0, 0.0], recorder.Of(ProducerMetricNames.KinesisRecordsPut).Select(m => m.Value));
        Assert.Equal([5000.0], recorder.Of(ProducerMetricNames.KinesisRecordsDataPut).Select(m => m.Value));
        Assert.Equal([7.0], recorder.Of(ProducerMetricNames.UserRecordsPerKinesisRecord).Select(m => m.Value));
        Assert.Equal([(40.0, $"StreamName={Stream}")], recorder.Of(ProducerMetricNames.RequestTime).Select(m => (m.Value, m.TagText)));
        Assert.Equal([3.0], recorder.Of(ProducerMetricNames.KinesisRecordsPerPutRecordsRequest).Select(m => m.Value));
        Assert.Equal([21.0], recorder.Of(ProducerMetricNames.UserRecordsPerPutRecordsRequest).Select(m => m.Value));
        Assert.Equal(
            [$"ErrorCode=ProvisionedThroughputExceededException,{streamAndShard}", $"ErrorCode=InternalFailure,StreamName={Stream}"],
            recorder.Of(ProducerMetricNames.ErrorsByCode).Select(m => m.TagText));
        Assert.Equal([streamAndShard, $"StreamName={Stream}"], recorder.Of(ProducerMetricNames.AllErrors).Select(m => m.TagText));
    }

    [Fact]
    public void ObserveStream_PerStreamCallbacks_ReportedUntilDisposed()
    {
        using var metrics = new ProducerMetrics();
        using var recorder = new MeasurementRecorder(metrics.Meter);
        long pending = 5;
        long received = 10;
        using var orders = metrics.ObserveStream("orders", () => received, () => pending);
        var clicks = metrics.ObserveStream("clicks", () => 20, () => 9);

        recorder.Observe();
        clicks.Dispose();
        pending = 6;
        received = 12;
        recorder.Observe();

        Assert.Equal(
            [(5.0, "StreamName=orders"), (9.0, "StreamName=clicks"), (6.0, "StreamName=orders")],
            recorder.Of(ProducerMetricNames.UserRecordsPending).Select(m => (m.Value, m.TagText)));
        Assert.Equal(
            [(10.0, "StreamName=orders"), (20.0, "StreamName=clicks"), (12.0, "StreamName=orders")],
            recorder.Of(ProducerMetricNames.UserRecordsReceived).Select(m => (m.Value, m.TagText)));
    }

    [Fact]
    public void SampleGroups_WithListener_EachSampleReachesTheInstruments()
    {
        using var metrics = new ProducerMetrics();
        using var recorder = new MeasurementRecorder(metrics.Meter);

        var buffering = metrics.StartBufferingTimes(Stream, Shard);
        buffering.Add(TimeSpan.FromMilliseconds(3));
        buffering.Add(TimeSpan.FromMilliseconds(9));
        buffering.Complete();
        var put = metrics.StartUserRecordsPut(Stream, Shard);
        put.Add(10, 0);
        put.Add(30, 2);
        put.Complete();

        Assert.Equal([3.0, 9.0], recorder.Of(ProducerMetricNames.BufferingTime).Select(m => m.Value));
        Assert.Equal([1.0, 1.0], recorder.Of(ProducerMetricNames.UserRecordsPut).Select(m => m.Value));
        Assert.Equal([10.0, 30.0], recorder.Of(ProducerMetricNames.UserRecordsDataPut).Select(m => m.Value));
        Assert.Equal([0.0, 2.0], recorder.Of(ProducerMetricNames.RetriesPerRecord).Select(m => m.Value));
    }

    [Fact]
    public void SampleGroups_IsRecorded_OnlyWhenAListenerOrAnAggregatorWantsThem()
    {
        using var metrics = new ProducerMetrics();
        Assert.False(metrics.StartBufferingTimes(Stream, Shard).IsRecorded);
        Assert.False(metrics.StartUserRecordsPut(Stream, Shard).IsRecorded);

        using (var aggregator = new MetricAggregator(metrics, MetricsLevel.Detailed, MetricsGranularity.Shard, 1000))
        {
            Assert.True(metrics.StartBufferingTimes(Stream, Shard).IsRecorded);
            Assert.True(metrics.StartUserRecordsPut(Stream, Shard).IsRecorded);
        }

        Assert.False(metrics.StartUserRecordsPut(Stream, Shard).IsRecorded);
        using var recorder = new MeasurementRecorder(metrics.Meter);
        Assert.True(metrics.StartBufferingTimes(Stream, Shard).IsRecorded);
        Assert.True(metrics.StartUserRecordsPut(Stream, Shard).IsRecorded);
    }

    [Fact]
    public void RecordingMethods_NobodyListening_InstrumentsDisabledAndNothingThrows()
    {
        using var metrics = new ProducerMetrics();

        metrics.UserRecordPut(Stream, Shard, 10, 0);
        metrics.Error(Stream, null, "x");

        using var recorder = new MeasurementRecorder(metrics.Meter);
        Assert.Empty(recorder.Measurements);
        Assert.True(recorder.Instruments[ProducerMetricNames.UserRecordsPut].Enabled);
    }

    [Fact]
    public void Constructor_WithMeterFactory_UsesTheFactoryMeterAndLeavesItUndisposed()
    {
        using var factory = new TestMeterFactory();
        var metrics = new ProducerMetrics(factory);
        using var recorder = new MeasurementRecorder(metrics.Meter);

        metrics.Dispose();
        metrics.UserRecordPut(Stream, Shard, 10, 0);

        Assert.Same(factory.Created.Single(), metrics.Meter);
        Assert.Single(recorder.Of(ProducerMetricNames.UserRecordsPut));
    }

    [Fact]
    public void ObserveStream_InvalidArguments_Throw()
    {
        using var metrics = new ProducerMetrics();

        Assert.Throws<ArgumentException>("stream", () => metrics.ObserveStream("", () => 0, () => 0));
        Assert.Throws<ArgumentNullException>("receivedRecords", () => metrics.ObserveStream("s", null!, () => 0));
        Assert.Throws<ArgumentNullException>("pendingRecords", () => metrics.ObserveStream("s", () => 0, null!));
    }

    private sealed class TestMeterFactory : IMeterFactory
    {
        public List<Meter> Created { get; } = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options);
            Created.Add(meter);
            return meter;
        }

        public void Dispose()
        {
            foreach (var meter in Created)
            {
                meter.Dispose();
            }
        }
    }
}
