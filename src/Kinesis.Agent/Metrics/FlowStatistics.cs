namespace Kinesis.Agent.Metrics;

/// <summary>
/// One flow's running totals, written by the flow's loop and read by metric observers and the agent's properties
/// (so every field is read and written atomically).
/// </summary>
internal sealed class FlowStatistics
{
    private long linesParsed;
    private long bytesRead;
    private long recordsSent;
    private long bytesSent;
    private long recordsFailed;
    private long recordsSkipped;
    private long processingErrors;
    private IReadOnlyList<(string Path, long Lag)> fileLags = [];

    public FlowStatistics(string flow, string stream)
    {
        Flow = flow;
        Stream = stream;
    }

    public string Flow { get; }

    public string Stream { get; }

    public long LinesParsed => Interlocked.Read(ref linesParsed);

    public long BytesRead => Interlocked.Read(ref bytesRead);

    public long RecordsSent => Interlocked.Read(ref recordsSent);

    public long BytesSent => Interlocked.Read(ref bytesSent);

    public long RecordsFailed => Interlocked.Read(ref recordsFailed);

    public long RecordsSkipped => Interlocked.Read(ref recordsSkipped);

    public long ProcessingErrors => Interlocked.Read(ref processingErrors);

    /// <summary>Each followed file's bytes behind its end at the last poll (replaced whole, never mutated).</summary>
    public IReadOnlyList<(string Path, long Lag)> FileLags
    {
        get => Volatile.Read(ref fileLags);
        set => Volatile.Write(ref fileLags, value);
    }

    public void Parsed(int records) => Interlocked.Add(ref linesParsed, records);

    public void Read(int bytes) => Interlocked.Add(ref bytesRead, bytes);

    public void Sent(int bytes)
    {
        Interlocked.Increment(ref recordsSent);
        Interlocked.Add(ref bytesSent, bytes);
    }

    public void Failed() => Interlocked.Increment(ref recordsFailed);

    public void Skipped() => Interlocked.Increment(ref recordsSkipped);

    public void ProcessingFailed() => Interlocked.Increment(ref processingErrors);
}
