using Kinesis.Core.Metrics;

namespace Kinesis.Core.Tests.Metrics;

public sealed class MetricAggregatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 1, 0, TimeSpan.Zero);

    [Fact]
    public void Collect_ShardGranularity_TwoStreamsTwoShardsGiveSevenRolledUpSeries()
    {
        using var metrics = new ProducerMetrics();
        using var aggregator = new MetricAggregator(metrics, MetricsLevel.Detailed, MetricsGranularity.Shard, 1000);

        metrics.UserRecordExpired("a", "shardId-000000000000");
        metrics.UserRecordExpired("a", "shardId-000000000000");
        metrics.UserRecordExpired("a", "shardId-000000000001");
        metrics.UserRecordExpired("b", "shardId-000000000000");
        metrics.UserRecordExpired("b", "shardId-000000000001");

        var series = Series(aggregator.Collect(Now), ProducerMetricNames.UserRecordExpired);
        Assert.Equal(
            new Dictionary<string, double>
            {
                [""] = 5,
                ["StreamName=a"] = 3,
                ["StreamName=a,ShardId=shardId-000000000000"] = 2,
                ["StreamName=a,ShardId=shardId-000000000001"] = 1,
                ["StreamName=b"] = 2,
                ["StreamName=b,ShardId=shardId-000000000000"] = 1,
                ["StreamName=b,ShardId=shardId-000000000001"] = 1,
            },
            series.ToDictionary(d => d.Key, d => d.Value.Sum));
    }

    [Theory]
    [InlineData(MetricsGranularity.Stream, new[] { "", "StreamName=a", "StreamName=b" })]
    [InlineData(MetricsGranularity.Global, new[] { "" })]
    public void Collect_CoarserGranularity_UploadsOnlyThoseLevels(MetricsGranularity granularity, string[] expected)
    {
        using var metrics = new ProducerMetrics();
        using var aggregator = new MetricAggregator(metrics, MetricsLevel.Detailed, granularity, 1000);

        metrics.UserRecordExpired("a", "shardId-000000000000");
        metrics.UserRecordExpired("a", "shardId-000000000001");
        metrics.UserRecordExpired("b", "shardId-000000000000");

        var series = Series(aggregator.Collect(Now), ProducerMetricNames.UserRecordExpired);
        Assert.Equal(expected, series.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(3, series[""].Sum);
    }

    [Fact]
    public void Collect_StatisticSet_HasCountSumMinMaxOfTheInterval()
    {
        using var metrics = new ProducerMetrics();
        using var aggregator = new MetricAggregator(metrics, MetricsLevel.Detailed, MetricsGranularity.Global, 1000);

        metrics.UserRecordAttemptStarted("a", "s", TimeSpan.FromMilliseconds(5));
        metrics.UserRecordAttemptStarted("a", "s", TimeSpan.FromMilliseconds(30));
        metrics.UserRecordAttemptStarted("b", "s", TimeSpan.FromMilliseconds(1));
        var first = aggregator.Collect(Now);
        metrics.UserRecordAttemptStarted("a", "s", TimeSpan.FromMilliseconds(7));
        var second = aggregator.Collect(Now.AddMinutes(1));

        var datum = Assert.Single(first);
        Assert.Equal(new StatisticSet(3, 36, 1, 30), datum.Statistics);
        Assert.Equal("Milliseconds", datum.Metric.CloudWatchUnit);
        Assert.Equal(Now, datum.Timestamp);
        Assert.Equal(new StatisticSet(1, 7, 7, 7), Assert.Single(second).Statistics);
    }

    [Fact]
    public void Collect_SampleGroups_GiveTheStatisticsOfTheirSamplesAtEveryLevel()
    {
        using var metrics = new ProducerMetrics();
        using var aggregator = new MetricAggregator(metrics, MetricsLevel.Detailed, MetricsGranularity.Shard, 1000);

        var put = metrics.StartUserRecordsPut("a", "s1");
        put.Add(10, 0);
        put.Add(40, 2);
        put.Add(25, 1);
        put.Complete();
        metrics.UserRecordPut("a", "s2", 5, 0);
        var buffering = metrics.StartBufferingTimes("a", "s1");
        buffering.Add(TimeSpan.FromMilliseconds(4));
        buffering.Add(TimeSpan.FromMilliseconds(2));
        buffering.Complete();

        var datums = aggregator.Collect(Now);
        var data = Series(datums, ProducerMetricNames.UserRecordsDataPut);
        Assert.Equal(new StatisticSet(3, 75, 10, 40), data["StreamName=a,ShardId=s1"]);
        Assert.Equal(new StatisticSet(4, 80, 5, 40), data["StreamName=a"]);
        Assert.Equal(new StatisticSet(4, 80, 5, 40), data[""]);
        Assert.Equal(new StatisticSet(4, 4, 1, 1), Series(datums, ProducerMetricNames.UserRecordsPut)[""]);
        Assert.Equal(new StatisticSet(4, 3, 0, 2), Series(datums, ProducerMetricNames.RetriesPerRecord)[""]);
        Assert.Equal(new StatisticSet(2, 6, 2, 4), Series(datums, ProducerMetricNames.BufferingTime)["StreamName=a,ShardId=s1"]);
    }

    [Fact]
    public void Collect_ObservableCounter_RecordsTheIncreaseOfEachStreamsTotal()
    {
        using var metrics = new ProducerMetrics();
        long orders = 10;
        long clicks = 4;
        using var ordersSource = metrics.ObserveStream("orders", () => orders, () => 0);
        using var clicksSource = metrics.ObserveStream("clicks", () => clicks, () => 0);
        using var aggregator = new MetricAggregator(metrics, MetricsLevel.Detailed, MetricsGranularity.Global, 1000);

        aggregator.ObserveGauges();
        orders = 25;
        aggregator.ObserveGauges();
        var first = Series(aggregator.Collect(Now), ProducerMetricNames.UserRecordsReceived);
        clicks = 5;
        aggregator.ObserveGauges();
        aggregator.ObserveGauges();
        var second = Series(aggregator.Collect(Now.AddMinutes(1)), ProducerMetricNames.UserRecordsReceived);

        // Global granularity merges the streams, but each stream's total is differenced on its own.
        Assert.Equal(new StatisticSet(29, 29, 1, 1), first[""]);
        Assert.Equal(new StatisticSet(1, 1, 1, 1), second[""]);
    }

    [Fact]
    public void Collect_SummaryLevel_KeepsOnlyKplSummaryMetrics()
    {
        using var metrics = new ProducerMetrics();
        using var aggregator = new MetricAggregator(metrics, MetricsLevel.Summary, MetricsGranularity.Global, 1000);

        RecordEverything(metrics);

        var names = aggregator.Collect(Now).Select(d => d.Metric.Name).Distinct().Order(StringComparer.Ordinal);
        Assert.Equal(["AllErrors", "BufferingTime", "ErrorsByCode", "KinesisRecordsPut", "UserRecordExpired", "UserRecordsPut"], names);
    }

    [Fact]
    public void Collect_DetailedLevel_KeepsEveryMetric()
    {
        using var metrics = new ProducerMetrics();
        using var stream = metrics.ObserveStream("a", () => 1, () => 3);
        using var aggregator = new MetricAggregator(metrics, MetricsLevel.Detailed, MetricsGranularity.Global, 1000);

        RecordEverything(metrics);
        aggregator.ObserveGauges();

        Assert.Equal(15, aggregator.Collect(Now).Select(d => d.Metric.Name).Distinct().Count());
    }

    [Fact]
    public void Collect_NoneLevel_SubscribesToNothing()
    {
        using var metrics = new ProducerMetrics();
        using var aggregator = new MetricAggregator(metrics, MetricsLevel.None, MetricsGranularity.Shard, 1000);

        RecordEverything(metrics);

        Assert.Empty(aggregator.Collect(Now));
    }

    [Fact]
    public void Collect_ErrorsByCode_ErrorCodeDimensionAtEveryLevel()
    {
        using var metrics = new ProducerMetrics();
        using var aggregator = new MetricAggregator(metrics, MetricsLevel.Detailed, MetricsGranularity.Shard, 1000);

        metrics.Error("a", "shardId-000000000000", "Throttled");
        metrics.Error("a", null, "Timeout");

        var series = Series(aggregator.Collect(Now), ProducerMetricNames.ErrorsByCode);
        Assert.Equal(
            ["ErrorCode=Throttled", "ErrorCode=Throttled,StreamName=a", "ErrorCode=Throttled,StreamName=a,ShardId=shardId-000000000000", "ErrorCode=Timeout", "ErrorCode=Timeout,StreamName=a"],
            series.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Collect_ConsumerMetrics_OperationAndWorkerKeptApplicationDropped()
    {
        using var metrics = new ConsumerMetrics("app", "w1");
        using var aggregator = new MetricAggregator(metrics, MetricsLevel.Detailed, MetricsGranularity.Shard, 1000);

        metrics.RecordsProcessed("s", "shardId-000000000000", 4, 40, 10, TimeSpan.FromMilliseconds(1));
        metrics.RenewAllLeasesCompleted(true, TimeSpan.FromMilliseconds(3), 2, 0);

        var datums = aggregator.Collect(Now);
        Assert.Equal(
            ["Operation=ProcessTask,WorkerIdentifier=w1", "Operation=ProcessTask,WorkerIdentifier=w1,StreamName=s", "Operation=ProcessTask,WorkerIdentifier=w1,StreamName=s,ShardId=shardId-000000000000"],
            Series(datums, ConsumerMetricNames.RecordsProcessed).Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["Operation=RenewAllLeases,WorkerIdentifier=w1"], Series(datums, ConsumerMetricNames.Success).Keys);
    }

    [Fact]
    public void Collect_IdleSeries_ReleasedAndRecreatedOnNextSample()
    {
        using var metrics = new ProducerMetrics();
        using var aggregator = new MetricAggregator(metrics, MetricsLevel.Detailed, MetricsGranularity.Shard, 1000);

        metrics.UserRecordExpired("a", "shardId-000000000000");
        Assert.Equal(3, aggregator.Collect(Now).Count);
        Assert.Equal(1, aggregator.SeriesCount);

        // Kept through one idle interval (a recorder may be about to use it), released after the second.
        Assert.Empty(aggregator.Collect(Now));
        Assert.Equal(1, aggregator.SeriesCount);
        Assert.Empty(aggregator.Collect(Now));
        Assert.Equal(0, aggregator.SeriesCount);

        metrics.UserRecordExpired("a", "shardId-000000000000");
        Assert.Equal(3, aggregator.Collect(Now).Count);
    }

    [Fact]
    public void Record_BeyondSeriesBound_DropsAndCountsSamples()
    {
        using var metrics = new ProducerMetrics();
        using var aggregator = new MetricAggregator(metrics, MetricsLevel.Detailed, MetricsGranularity.Shard, maxSeries: 1);

        metrics.UserRecordExpired("a", "shardId-000000000000");
        metrics.UserRecordExpired("a", "shardId-000000000001");
        metrics.UserRecordExpired("a", "shardId-000000000000");

        Assert.Equal(1, aggregator.DroppedSamples);
        Assert.Equal(1, aggregator.SeriesCount);
        Assert.Equal(2, Series(aggregator.Collect(Now), ProducerMetricNames.UserRecordExpired)[""].Sum);
    }

    [Fact]
    public void Record_NonFiniteValue_IgnoredAndCounted()
    {
        using var metrics = new ProducerMetrics();
        using var aggregator = new MetricAggregator(metrics, MetricsLevel.Detailed, MetricsGranularity.Global, 1000);

        // The typed API cannot produce NaN; an instrument of the same name on the same meter can.
        var raw = metrics.Meter.CreateHistogram<double>(ProducerMetricNames.RequestTime, "raw");
        raw.Record(double.NaN);
        raw.Record(double.PositiveInfinity);
        raw.Record(3);

        Assert.Equal(2, aggregator.RejectedSamples);
        Assert.Equal(new StatisticSet(1, 3, 3, 3), Series(aggregator.Collect(Now), ProducerMetricNames.RequestTime)[""]);
    }

    [Fact]
    public async Task Record_ConcurrentWithCollect_NoSampleLostOrDoubleCounted()
    {
        using var metrics = new ProducerMetrics();
        using var aggregator = new MetricAggregator(metrics, MetricsLevel.Detailed, MetricsGranularity.Shard, 1000);
        const int PerThread = 20_000;
        var total = 0.0;
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var writers = Enumerable.Range(0, 2).Select(t => Task.Run(async () =>
        {
            await start.Task;
            for (var i = 0; i < PerThread; i++)
            {
                metrics.UserRecordExpired("a", "shardId-00000000000" + (i % 4).ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        })).ToArray();
        start.SetResult();
        while (!writers.All(w => w.IsCompleted))
        {
            total += SumOf(aggregator.Collect(Now));
            await Task.Yield();
        }

        await Task.WhenAll(writers);
        total += SumOf(aggregator.Collect(Now));

        // Each sample counts once in the global series, once in its stream series and once in its shard series.
        Assert.Equal(3.0 * 2 * PerThread, total);
    }

    private static double SumOf(List<MetricDatum> datums) => datums.Sum(d => d.Statistics.Sum);

    private static void RecordEverything(ProducerMetrics metrics)
    {
        metrics.UserRecordAttemptStarted("a", "s", TimeSpan.FromMilliseconds(1));
        metrics.UserRecordPut("a", "s", 10, 1);
        metrics.UserRecordFailed("a", "s", 1);
        metrics.UserRecordExpired("a", "s");
        metrics.KinesisRecordPut("a", "s", 10, 1);
        metrics.KinesisRecordFailed("a", "s");
        metrics.PutRecordsCompleted("a", 1, 1, TimeSpan.FromMilliseconds(2));
        metrics.Error("a", "s", "Code");
    }

    private static Dictionary<string, StatisticSet> Series(List<MetricDatum> datums, string name) =>
        datums.Where(d => d.Metric.Name == name).ToDictionary(d => string.Join(",", d.Dimensions.Select(x => x.Key + "=" + x.Value)), d => d.Statistics);
}
