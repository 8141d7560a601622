namespace Kinesis.Client;

/// <summary>
/// One user record delivered to an <see cref="IShardRecordProcessor"/>: a plain Kinesis record, or one user record taken out
/// of a KPL aggregated record.
/// </summary>
public sealed class KinesisClientRecord
{
    /// <summary>The sequence number of the Kinesis record that carried this user record.</summary>
    public required string SequenceNumber { get; init; }

    /// <summary>The index of this user record inside its aggregated record; 0 for a record that was not aggregated.</summary>
    public long SubSequenceNumber { get; init; }

    /// <summary>The partition key (of the user record when aggregated).</summary>
    public required string PartitionKey { get; init; }

    /// <summary>The explicit hash key of an aggregated user record, when the producer set one; otherwise <see langword="null"/>.</summary>
    public string? ExplicitHashKey { get; init; }

    /// <summary>When Kinesis accepted the carrying record.</summary>
    public DateTimeOffset ApproximateArrivalTimestamp { get; init; }

    /// <summary>The payload. It stays valid after the processor returns; the consumer does not reuse it.</summary>
    public ReadOnlyMemory<byte> Data { get; init; }

    /// <summary>Whether the record came out of a KPL aggregated record.</summary>
    public bool IsAggregated { get; init; }

    /// <summary>The record's position for checkpointing.</summary>
    public ExtendedSequenceNumber ToExtendedSequenceNumber() => new(SequenceNumber, SubSequenceNumber);
}
