namespace Kinesis.Producer.Pipeline;

/// <summary>
/// A user record in flight. It is its own completion source, so a record costs one object plus its task.
/// Mutable fields are touched only by the one component that owns the record at the time (buffer under
/// the stream lock, then one request, then the retrier).
/// </summary>
internal sealed class UserRecord : TaskCompletionSource<UserRecordResult>
{
    public UserRecord(
        StreamPipeline stream,
        string partitionKey,
        string? explicitHashKey,
        UInt128 hashKey,
        ReadOnlyMemory<byte> data,
        int accountedBytes,
        long arrivalTimestamp,
        DateTimeOffset expiresAt,
        FlushTracker.Epoch epoch)
        : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        Stream = stream;
        PartitionKey = partitionKey;
        ExplicitHashKey = explicitHashKey;
        HashKey = hashKey;
        Data = data;
        AccountedBytes = accountedBytes;
        ReadySince = arrivalTimestamp;
        ExpiresAt = expiresAt;
        Epoch = epoch;
    }

    public StreamPipeline Stream { get; }

    public string PartitionKey { get; }

    public string? ExplicitHashKey { get; }

    public UInt128 HashKey { get; }

    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>Bytes charged against <see cref="KinesisProducerOptions.MaxOutstandingBytes"/>.</summary>
    public int AccountedBytes { get; }

    public DateTimeOffset ExpiresAt { get; }

    public FlushTracker.Epoch Epoch { get; }

    /// <summary>Timestamp since which the record has been waiting: arrival, then the end of its last attempt.</summary>
    public long ReadySince { get; set; }

    /// <summary>The newest attempt; earlier ones hang off it.</summary>
    public AttemptNode? Attempts { get; set; }
}

/// <summary>An immutable list of attempts, newest first, shared by the user records of one Kinesis record.</summary>
internal sealed class AttemptNode
{
    private Attempt[]? materialized;

    public AttemptNode(Attempt attempt, AttemptNode? previous)
    {
        Attempt = attempt;
        Previous = previous;
        Count = (previous?.Count ?? 0) + 1;
    }

    public Attempt Attempt { get; }

    public AttemptNode? Previous { get; }

    public int Count { get; }

    /// <summary>The attempts oldest first; computed once and shared by every record that has this history.</summary>
    public IReadOnlyList<Attempt> ToList()
    {
        var list = Volatile.Read(ref materialized);
        if (list is not null)
        {
            return list;
        }

        list = new Attempt[Count];
        var index = Count - 1;
        for (var node = this; node is not null; node = node.Previous)
        {
            list[index--] = node.Attempt;
        }

        Volatile.Write(ref materialized, list);
        return list;
    }
}
