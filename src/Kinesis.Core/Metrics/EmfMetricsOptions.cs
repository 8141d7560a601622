namespace Kinesis.Core.Metrics;

/// <summary>Settings of an <see cref="EmfMetricsWriter"/>.</summary>
public sealed class EmfMetricsOptions : MetricsAggregationOptions
{
}
