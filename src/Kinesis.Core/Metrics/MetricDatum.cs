namespace Kinesis.Core.Metrics;

/// <summary>One metric's statistics for one dimension set over one interval.</summary>
internal sealed record MetricDatum(MetricDefinition Metric, IReadOnlyList<KeyValuePair<string, string>> Dimensions, StatisticSet Statistics, DateTimeOffset Timestamp);
