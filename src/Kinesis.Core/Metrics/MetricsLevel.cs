namespace Kinesis.Core.Metrics;

/// <summary>
/// How much is uploaded to CloudWatch, as the KPL's <c>MetricsLevel</c>: each metric is either a summary metric or a
/// detailed one (see <see cref="ProducerMetricNames"/> and <see cref="ConsumerMetricNames"/>).
/// </summary>
public enum MetricsLevel
{
    /// <summary>Nothing is uploaded.</summary>
    None = 0,

    /// <summary>Only the summary metrics.</summary>
    Summary = 1,

    /// <summary>Every metric (the default).</summary>
    Detailed = 2,
}
