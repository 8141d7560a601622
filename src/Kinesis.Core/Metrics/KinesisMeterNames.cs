namespace Kinesis.Core.Metrics;

/// <summary>
/// Names of the <see cref="System.Diagnostics.Metrics.Meter"/>s this library records on. Subscribe to them by name
/// (OpenTelemetry <c>AddMeter</c>, <c>dotnet-counters monitor --counters Kinesis.Producer</c>, a
/// <see cref="System.Diagnostics.Metrics.MeterListener"/>) to see every instrument without extra code.
/// </summary>
public static class KinesisMeterNames
{
    /// <summary>The producer's meter; its instruments are named by <see cref="ProducerMetricNames"/>.</summary>
    public const string Producer = "Kinesis.Producer";

    /// <summary>The consumer's meter; its instruments are named by <see cref="ConsumerMetricNames"/>.</summary>
    public const string Client = "Kinesis.Client";
}
