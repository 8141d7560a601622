namespace Kinesis.Core.Aggregation;

/// <summary>A Kinesis record as read from a shard, the input of a <see cref="Deaggregator"/>.</summary>
/// <param name="Data">The record's data. User records produced from it share this memory; keep it alive and unchanged while they are in use.</param>
/// <param name="PartitionKey">The record's partition key (<see cref="AggregatedRecordFormat.AggregatePartitionKey"/> for KPL aggregates).</param>
/// <param name="SequenceNumber">The record's sequence number.</param>
/// <param name="ApproximateArrivalTimestamp">When Kinesis accepted the record.</param>
public readonly record struct KinesisRecordInput(
    ReadOnlyMemory<byte> Data,
    string PartitionKey,
    string SequenceNumber,
    DateTimeOffset ApproximateArrivalTimestamp);
