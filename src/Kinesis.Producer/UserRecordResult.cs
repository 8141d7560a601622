namespace Kinesis.Producer;

/// <summary>
/// The outcome of one user record. With aggregation several user records share a Kinesis record, so
/// they share <see cref="ShardId"/> and <see cref="SequenceNumber"/> and differ by
/// <see cref="SubSequenceNumber"/> (their position inside the aggregate).
/// </summary>
public sealed class UserRecordResult
{
    internal UserRecordResult(string? shardId, string? sequenceNumber, long subSequenceNumber, IReadOnlyList<Attempt> attempts, bool isAggregated)
    {
        ShardId = shardId;
        SequenceNumber = sequenceNumber;
        SubSequenceNumber = subSequenceNumber;
        Attempts = attempts;
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

    /// <summary>Every attempt, oldest first; the last one is the successful one on success.</summary>
    public IReadOnlyList<Attempt> Attempts { get; }

    /// <summary>Whether the record was put.</summary>
    public bool IsSuccessful => SequenceNumber is not null;
}
