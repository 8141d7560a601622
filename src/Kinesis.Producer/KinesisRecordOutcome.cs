namespace Kinesis.Producer;

/// <summary>What the user records of one Kinesis record with the same attempt history share.</summary>
internal sealed class KinesisRecordOutcome(string? shardId, string? sequenceNumber, IReadOnlyList<Attempt> attempts, bool isAggregated)
{
    public string? ShardId { get; } = shardId;

    public string? SequenceNumber { get; } = sequenceNumber;

    public IReadOnlyList<Attempt> Attempts { get; } = attempts;

    public bool IsAggregated { get; } = isAggregated;
}
