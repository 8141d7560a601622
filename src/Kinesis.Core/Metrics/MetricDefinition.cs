namespace Kinesis.Core.Metrics;

/// <summary>
/// How CloudWatch sees one instrument: its level, its unit and whether the interval's sum is its natural value.
/// A class compared by reference, not a record: it is part of the series key hashed on every measurement.
/// </summary>
/// <param name="name">The instrument and CloudWatch metric name.</param>
/// <param name="level">The lowest <see cref="MetricsLevel"/> that uploads it.</param>
/// <param name="cloudWatchUnit">Count, Bytes or Milliseconds.</param>
/// <param name="isCounter">True for counters (the sum is the value); false for distributions (the average is).</param>
internal sealed class MetricDefinition(string name, MetricsLevel level, string cloudWatchUnit, bool isCounter)
{
    public string Name { get; } = name;

    public MetricsLevel Level { get; } = level;

    public string CloudWatchUnit { get; } = cloudWatchUnit;

    public bool IsCounter { get; } = isCounter;
}
