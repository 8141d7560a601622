using Kinesis.Core.Metrics;

namespace Kinesis.Core.Tests.Metrics;

public sealed class ConsumerPoisonRecordMetricsTests
{
    [Fact]
    public void PoisonRecordMethods_WithListener_EmitCountersWithShardTags()
    {
        using var metrics = new ConsumerMetrics("billing", "worker-1");
        using var recorder = new MeasurementRecorder(metrics.Meter);

        metrics.RecordsDeadLettered("orders", "shardId-000000000001", records: 3);
        metrics.BatchBisected("orders", "shardId-000000000001");
        metrics.ProcessRecordsRetried("orders", "shardId-000000000001");

        var process = "Application=billing,Operation=ProcessTask,ShardId=shardId-000000000001,StreamName=orders,WorkerIdentifier=worker-1";
        Assert.Equal([(3.0, process)], recorder.Of(ConsumerMetricNames.RecordsDeadLettered).Select(m => (m.Value, m.TagText)));
        Assert.Equal([(1.0, process)], recorder.Of(ConsumerMetricNames.BatchesBisected).Select(m => (m.Value, m.TagText)));
        Assert.Equal([(1.0, process)], recorder.Of(ConsumerMetricNames.ProcessRecordsRetries).Select(m => (m.Value, m.TagText)));
        Assert.True(MetricCatalog.Consumer.TryGet(ConsumerMetricNames.RecordsDeadLettered, out var definition) && definition.IsCounter && definition.Level == MetricsLevel.Summary);
        Assert.True(MetricCatalog.Consumer.TryGet(ConsumerMetricNames.BatchesBisected, out _));
        Assert.True(MetricCatalog.Consumer.TryGet(ConsumerMetricNames.ProcessRecordsRetries, out _));
    }

    [Fact]
    public void LanesBusy_WithListener_RecordsAHistogramWithShardTags()
    {
        using var metrics = new ConsumerMetrics("billing", "worker-1");
        using var recorder = new MeasurementRecorder(metrics.Meter);

        metrics.LanesBusy("orders", "shardId-000000000001", lanes: 7);

        var process = "Application=billing,Operation=ProcessTask,ShardId=shardId-000000000001,StreamName=orders,WorkerIdentifier=worker-1";
        Assert.Equal([(7.0, process)], recorder.Of(ConsumerMetricNames.LanesBusy).Select(m => (m.Value, m.TagText)));
        Assert.True(MetricCatalog.Consumer.TryGet(ConsumerMetricNames.LanesBusy, out var definition) && !definition.IsCounter && definition.Level == MetricsLevel.Detailed);
    }
}
