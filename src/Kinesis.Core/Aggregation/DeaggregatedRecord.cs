namespace Kinesis.Core.Aggregation;

/// <summary>
/// A user record produced by a <see cref="Deaggregator"/>: either one member of a KPL aggregate, or a
/// Kinesis record that was not a valid aggregate, delivered unchanged.
/// </summary>
public readonly struct DeaggregatedRecord
{
    /// <summary>Creates a user record.</summary>
    /// <param name="data">The user data.</param>
    /// <param name="partitionKey">The user record's partition key.</param>
    /// <param name="explicitHashKey">The user record's explicit hash key in decimal, or <see langword="null"/>.</param>
    /// <param name="sequenceNumber">The sequence number of the Kinesis record that carried it.</param>
    /// <param name="subSequenceNumber">The position within the aggregate, from 0; 0 for a record that was not aggregated.</param>
    /// <param name="approximateArrivalTimestamp">When Kinesis accepted the carrying record.</param>
    /// <param name="isAggregated">Whether the record came out of a KPL aggregate.</param>
    public DeaggregatedRecord(
        ReadOnlyMemory<byte> data,
        string partitionKey,
        string? explicitHashKey,
        string sequenceNumber,
        long subSequenceNumber,
        DateTimeOffset approximateArrivalTimestamp,
        bool isAggregated)
    {
        Data = data;
        PartitionKey = partitionKey;
        ExplicitHashKey = explicitHashKey;
        SequenceNumber = sequenceNumber;
        SubSequenceNumber = subSequenceNumber;
        ApproximateArrivalTimestamp = approximateArrivalTimestamp;
        IsAggregated = isAggregated;
    }

    /// <summary>The user data; a slice of the Kinesis record's data (no copy).</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>The user record's partition key (from the aggregate's key table, or the Kinesis record's own).</summary>
    public string PartitionKey { get; }

    /// <summary>The user record's explicit hash key in decimal, or <see langword="null"/> when it had none (or was not aggregated: Kinesis does not return it).</summary>
    public string? ExplicitHashKey { get; }

    /// <summary>The sequence number of the Kinesis record that carried this user record.</summary>
    public string SequenceNumber { get; }

    /// <summary>The position of the user record in its aggregate, 0 to n-1; 0 when not aggregated. Checkpoints use (sequence number, subsequence number).</summary>
    public long SubSequenceNumber { get; }

    /// <summary>When Kinesis accepted the carrying record.</summary>
    public DateTimeOffset ApproximateArrivalTimestamp { get; }

    /// <summary>Whether the record came out of a KPL aggregate.</summary>
    public bool IsAggregated { get; }
}
