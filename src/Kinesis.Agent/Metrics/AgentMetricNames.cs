namespace Kinesis.Agent.Metrics;

/// <summary>
/// The agent's meter and instruments. Subscribe to <see cref="MeterName"/> (OpenTelemetry <c>AddMeter</c>,
/// <c>dotnet-counters monitor --counters Kinesis.Agent</c>, a <see cref="System.Diagnostics.Metrics.MeterListener"/>).
/// Every measurement carries the <see cref="FlowTag"/> and <c>StreamName</c> tags; <see cref="FileLag"/> also <see cref="FilePathTag"/>.
/// The records the agent sends are also measured by the producer's meter (<c>Kinesis.Producer</c>).
/// </summary>
public static class AgentMetricNames
{
    /// <summary>The agent's meter.</summary>
    public const string MeterName = "Kinesis.Agent";

    /// <summary>Tag: the flow's id, <c>kinesis:STREAM:PATTERN</c>.</summary>
    public const string FlowTag = "Flow";

    /// <summary>Tag of <see cref="FileLag"/>: the file's path.</summary>
    public const string FilePathTag = "FilePath";

    /// <summary>Observable counter (Count): records parsed from the files (lines, or multi-line records), running total.</summary>
    public const string LinesParsed = "LinesParsed";

    /// <summary>Observable counter (Bytes): bytes read from the files, running total.</summary>
    public const string BytesRead = "BytesRead";

    /// <summary>Observable counter (Count): records acknowledged by Kinesis, running total.</summary>
    public const string RecordsSent = "RecordsSent";

    /// <summary>Observable counter (Bytes): data bytes of the records acknowledged by Kinesis (after processing), running total.</summary>
    public const string BytesSent = "BytesSent";

    /// <summary>Observable counter (Count): records that failed for good after the producer's retries (each also logged, event 5007).</summary>
    public const string RecordsFailed = "RecordsFailed";

    /// <summary>Observable counter (Count): records filtered out by processing (LOGTOJSON lines that do not match; event 5014).</summary>
    public const string RecordsSkipped = "RecordsSkipped";

    /// <summary>Observable counter (Count): records a processing option failed on, sent unconverted (event 5013).</summary>
    public const string ProcessingErrors = "ProcessingErrors";

    /// <summary>
    /// Observable gauge (Bytes), per followed file: bytes between the checkpoint (every record before it acknowledged)
    /// and the end of the file, as of the flow's last poll.
    /// </summary>
    public const string FileLag = "FileLag";
}
