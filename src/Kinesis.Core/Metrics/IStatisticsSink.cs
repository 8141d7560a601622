namespace Kinesis.Core.Metrics;

/// <summary>Takes statistic sets that a source has already aggregated over a group of samples (see <see cref="KinesisMetrics"/>).</summary>
internal interface IStatisticsSink
{
    /// <summary>Adds <paramref name="statistics"/> (samples of <paramref name="metric"/> for one stream and shard) to the interval.</summary>
    void Record(MetricDefinition metric, string stream, string? shard, StatisticSet statistics);
}
