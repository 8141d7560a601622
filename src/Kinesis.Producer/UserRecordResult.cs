namespace Kinesis.Producer;

/// <summary>
/// The outcome of one user record. With aggregation several user records share a Kinesis record, so
/// they share <see cref="ShardId"/> and <see cref="SequenceNumber"/> and differ by
/// <see cref="SubSequenceNumber"/> (their position inside the aggregate).
/// </summary>
/// <remarks>
/// A value type, so that a record's task is the only object <see cref="KinesisProducer.PutAsync"/> allocates for it.
/// The <see cref="Attempts"/> list is shared by the user records that travelled together.
/// </remarks>
public readonly record struct UserRecordResult
{
    private readonly IReadOnlyList<Attempt>? attempts;

    internal UserRecordResult(string? shardId, string? sequenceNumber, long subSequenceNumber, IReadOnlyList<Attempt> attempts, bool isAggregated)
    {
        ShardId = shardId;
        SequenceNumber = sequenceNumber;
        SubSequenceNumber = subSequenceNumber;
        this.attempts = attempts;
        IsAggregated = isAggregated;
    }

    /// <summary>The shard that holds the record; null when it failed.</summary>
    public string? ShardId { get; }

    /// <summary>The sequence number of the Kinesis record that holds the user record; null when it failed.</summary>
    public string? SequenceNumber { get; }

    /// <summary>The user record's index inside its aggregated Kinesis record; 0 when it was sent alone.</summary>
    public long SubSequenceNumber { get; }

    /// <summary>Whether the user record was sent inside a KPL aggregate (consumers must deaggregate).</summary>
    public bool IsAggregated { get; }

    /// <summary>Every attempt, oldest first; the last one is the successful one on success. Empty for a default value.</summary>
    public IReadOnlyList<Attempt> Attempts => attempts ?? [];

    /// <summary>Whether the record was put.</summary>
    public bool IsSuccessful => SequenceNumber is not null;
}
