namespace Kinesis.Producer;

/// <summary>
/// The outcome of one user record. With aggregation several user records share a Kinesis record, so
/// they share <see cref="ShardId"/> and <see cref="SequenceNumber"/> and differ by
/// <see cref="SubSequenceNumber"/> (their position inside the aggregate).
/// </summary>
/// <remarks>
/// A value type of two fields, so that a record's task is the only object <see cref="KinesisProducer.PutAsync"/>
/// allocates for it, and a small one: what the user records of one Kinesis record have in common (shard, sequence
/// number, attempts) is held once, by an object they share.
/// </remarks>
public readonly record struct UserRecordResult
{
    private readonly KinesisRecordOutcome? outcome;

    /// <summary>
    /// Creates a result, for a fake <see cref="IKinesisProducer"/> in tests (the producer makes its own): a success when
    /// <paramref name="sequenceNumber"/> is given, a failure (for <see cref="UserRecordFailedException"/>) when it is null.
    /// </summary>
    /// <param name="shardId">The shard that holds the record; null for a failure.</param>
    /// <param name="sequenceNumber">The sequence number of the Kinesis record; null for a failure.</param>
    /// <param name="subSequenceNumber">The user record's index inside its aggregated Kinesis record.</param>
    /// <param name="isAggregated">Whether the record was sent inside a KPL aggregate.</param>
    /// <param name="attempts">Every attempt, oldest first; for a failure the last one carries the error code.</param>
    public UserRecordResult(string? shardId, string? sequenceNumber, long subSequenceNumber = 0, bool isAggregated = false, IReadOnlyList<Attempt>? attempts = null)
        : this(new KinesisRecordOutcome(shardId, sequenceNumber, attempts ?? [], isAggregated), subSequenceNumber)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(subSequenceNumber);
    }

    internal UserRecordResult(KinesisRecordOutcome outcome, long subSequenceNumber)
    {
        this.outcome = outcome;
        SubSequenceNumber = subSequenceNumber;
    }

    /// <summary>The shard that holds the record; null when it failed.</summary>
    public string? ShardId => outcome?.ShardId;

    /// <summary>The sequence number of the Kinesis record that holds the user record; null when it failed.</summary>
    public string? SequenceNumber => outcome?.SequenceNumber;

    /// <summary>The user record's index inside its aggregated Kinesis record; 0 when it was sent alone.</summary>
    public long SubSequenceNumber { get; }

    /// <summary>Whether the user record was sent inside a KPL aggregate (consumers must deaggregate).</summary>
    public bool IsAggregated => outcome?.IsAggregated ?? false;

    /// <summary>Every attempt, oldest first; the last one is the successful one on success. Empty for a default value.</summary>
    public IReadOnlyList<Attempt> Attempts => outcome?.Attempts ?? [];

    /// <summary>Whether the record was put.</summary>
    public bool IsSuccessful => SequenceNumber is not null;
}
