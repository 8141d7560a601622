using Kinesis.Core.Metrics;

namespace Kinesis.Core.Tests.Metrics;

public sealed class ConsumerMetricsTests
{
    private const string Shard = "shardId-000000000002";

    [Fact]
    public void RecordingMethods_WithListener_EmitKclNamesWithApplicationWorkerOperationTags()
    {
        using var metrics = new ConsumerMetrics("billing", "worker-1");
        using var recorder = new MeasurementRecorder(metrics.Meter);

        metrics.RecordsProcessed("orders", Shard, records: 10, bytes: 2048, millisBehindLatest: 1500, TimeSpan.FromMilliseconds(8));
        metrics.RecordsProcessed("orders", Shard, records: 0, bytes: 0, millisBehindLatest: null, TimeSpan.Zero);
        metrics.ExpiredIterator("orders", Shard);
        metrics.GetRecordsCompleted("orders", Shard, succeeded: false, TimeSpan.FromMilliseconds(30));
        metrics.GetRecordsThrottled("orders", Shard);
        metrics.SubscribeToShardCompleted("orders", Shard, succeeded: true, TimeSpan.FromMilliseconds(50));
        metrics.SubscribeToShardThrottled("orders", Shard);
        metrics.CheckpointCompleted("orders", Shard, succeeded: true, TimeSpan.FromMilliseconds(7));
        metrics.RenewAllLeasesCompleted(succeeded: true, TimeSpan.FromMilliseconds(20), currentLeases: 4, lostLeases: 1);
        metrics.TakeLeasesCompleted(succeeded: false, TimeSpan.FromMilliseconds(15), takenLeases: 2, leaseSpillover: 3);
        recorder.Observe();

        var process = $"Application=billing,Operation=ProcessTask,ShardId={Shard},StreamName=orders,WorkerIdentifier=worker-1";
        Assert.Equal(KinesisMeterNames.Client, metrics.Meter.Name);
        Assert.Equal([(10.0, process), (0.0, process)], recorder.Of(ConsumerMetricNames.RecordsProcessed).Select(m => (m.Value, m.TagText)));
        Assert.Equal([2048.0, 0.0], recorder.Of(ConsumerMetricNames.DataBytesProcessed).Select(m => m.Value));
        Assert.Equal([1500.0], recorder.Of(ConsumerMetricNames.MillisBehindLatest).Select(m => m.Value));
        Assert.Equal([8.0, 0.0], recorder.Of(ConsumerMetricNames.ProcessRecordsTime).Select(m => m.Value));
        Assert.Single(recorder.Of(ConsumerMetricNames.ExpiredIterator));
        Assert.Equal([0.0], recorder.Of(ConsumerMetricNames.GetRecordsSuccess).Select(m => m.Value));
        Assert.Equal([30.0], recorder.Of(ConsumerMetricNames.GetRecordsTime).Select(m => m.Value));
        Assert.Single(recorder.Of(ConsumerMetricNames.GetRecordsThrottled));
        Assert.Equal([1.0], recorder.Of(ConsumerMetricNames.SubscribeToShardSuccess).Select(m => m.Value));
        Assert.Equal([50.0], recorder.Of(ConsumerMetricNames.SubscribeToShardTime).Select(m => m.Value));
        Assert.Single(recorder.Of(ConsumerMetricNames.SubscribeToShardThrottled));
        Assert.Equal(
            [
                (1.0, $"Application=billing,Operation=Checkpoint,ShardId={Shard},StreamName=orders,WorkerIdentifier=worker-1"),
                (1.0, "Application=billing,Operation=RenewAllLeases,WorkerIdentifier=worker-1"),
                (0.0, "Application=billing,Operation=TakeLeases,WorkerIdentifier=worker-1"),
            ],
            recorder.Of(ConsumerMetricNames.Success).Select(m => (m.Value, m.TagText)));
        Assert.Equal([7.0, 20.0, 15.0], recorder.Of(ConsumerMetricNames.Time).Select(m => m.Value));
        Assert.Equal([(4.0, "Application=billing,Operation=RenewAllLeases,WorkerIdentifier=worker-1")], recorder.Of(ConsumerMetricNames.CurrentLeases).Select(m => (m.Value, m.TagText)));
        Assert.Equal([1.0], recorder.Of(ConsumerMetricNames.LostLeases).Select(m => m.Value));
        Assert.Equal([2.0], recorder.Of(ConsumerMetricNames.TakenLeases).Select(m => m.Value));
        Assert.Equal([3.0], recorder.Of(ConsumerMetricNames.LeaseSpillover).Select(m => m.Value));
        Assert.All(recorder.Measurements, m => Assert.Equal("billing", m.Tags[MetricTagNames.Application]));
    }

    [Fact]
    public void StreamSyncCompleted_MultiStreamTrackerMetrics_GaugesAfterFirstSyncAndDeletedStreamsCounted()
    {
        using var metrics = new ConsumerMetrics("billing", "worker-1");
        using var recorder = new MeasurementRecorder(metrics.Meter);

        recorder.Observe();
        Assert.Empty(recorder.Of(ConsumerMetricNames.ActiveStreamsCount));
        metrics.StreamSyncCompleted(activeStreams: 3, streamsPendingDeletion: 1, deletedStreams: 0);
        metrics.StreamSyncCompleted(activeStreams: 2, streamsPendingDeletion: 0, deletedStreams: 1);
        recorder.Observe();

        const string Tags = "Application=billing,Operation=MultiStreamTracker,WorkerIdentifier=worker-1";
        Assert.Equal([(2.0, Tags)], recorder.Of(ConsumerMetricNames.ActiveStreamsCount).Select(m => (m.Value, m.TagText)));
        Assert.Equal([(0.0, Tags)], recorder.Of(ConsumerMetricNames.StreamsPendingDeletionCount).Select(m => (m.Value, m.TagText)));
        Assert.Equal([(0.0, Tags), (1.0, Tags)], recorder.Of(ConsumerMetricNames.DeletedStreamsCount).Select(m => (m.Value, m.TagText)));
    }

    [Fact]
    public void CurrentLeases_BeforeFirstRenewal_NotObserved()
    {
        using var metrics = new ConsumerMetrics("billing", "worker-1");
        using var recorder = new MeasurementRecorder(metrics.Meter);

        recorder.Observe();

        Assert.Empty(recorder.Of(ConsumerMetricNames.CurrentLeases));
    }

    [Fact]
    public void Constructor_EmptyNames_Throw()
    {
        Assert.Throws<ArgumentException>("applicationName", () => new ConsumerMetrics("", "w"));
        Assert.Throws<ArgumentException>("workerIdentifier", () => new ConsumerMetrics("a", ""));
    }
}
