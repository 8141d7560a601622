namespace Kinesis.Client;

/// <summary>Records handed to an <see cref="IDeadLetterSink"/>: consecutive user records of one shard that failed, and why.</summary>
public sealed class DeadLetterBatch
{
    /// <summary>The stream the records were read from.</summary>
    public required string StreamName { get; init; }

    /// <summary>The shard the records were read from.</summary>
    public required string ShardId { get; init; }

    /// <summary>The failed user records, consecutive and in shard order; never empty.</summary>
    public required IReadOnlyList<KinesisClientRecord> Records { get; init; }

    /// <summary>The processor's last exception for these records (for a partial-batch report without one, an <see cref="InvalidOperationException"/> saying so).</summary>
    public required Exception Exception { get; init; }

    /// <summary>How many times the records were delivered to the processor and failed (splits of a bisected batch included).</summary>
    public required int Attempts { get; init; }

    /// <summary>Which limit was reached.</summary>
    public required DeadLetterReason Reason { get; init; }

    /// <summary>The position of the first record.</summary>
    public ExtendedSequenceNumber FirstSequenceNumber => Records[0].ToExtendedSequenceNumber();

    /// <summary>The position of the last record.</summary>
    public ExtendedSequenceNumber LastSequenceNumber => Records[^1].ToExtendedSequenceNumber();
}
