namespace Kinesis.Core.Metrics;

/// <summary>Units of the instruments (UCUM, as OpenTelemetry expects); CloudWatch receives Count, Bytes and Milliseconds.</summary>
public static class MetricUnits
{
    /// <summary>A dimensionless count (CloudWatch unit <c>Count</c>).</summary>
    public const string Count = "{count}";

    /// <summary>Bytes (CloudWatch unit <c>Bytes</c>).</summary>
    public const string Bytes = "By";

    /// <summary>Milliseconds (CloudWatch unit <c>Milliseconds</c>).</summary>
    public const string Milliseconds = "ms";
}
