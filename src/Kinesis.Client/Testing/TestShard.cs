using System.Globalization;
using System.Numerics;
using System.Text;

namespace Kinesis.Client.Testing;

/// <summary>
/// Builds the inputs the consumer passes to an <see cref="IShardRecordProcessor"/> for one shard, so a processor can be
/// unit-tested without AWS: records with increasing sequence numbers, the five inputs of the processor contract, and a
/// <see cref="RecordingCheckpointer"/> that records what the processor checkpoints (docs/testing.md).
/// </summary>
/// <remarks>
/// Call the processor as the consumer does: <see cref="InitializationInput"/> once, then <see cref="ProcessRecordsInput"/>
/// per batch, then one of <see cref="ShardEndedInput"/>, <see cref="ShutdownRequestedInput"/> or <see cref="LeaseLostInput"/>.
/// Building a batch input lets the checkpointer accept positions up to the batch's last record, as delivery does.
/// Not thread-safe: build inputs from the test's thread.
/// </remarks>
public sealed class TestShard
{
    /// <summary>The default shard id: <c>shardId-000000000000</c>, the first shard of a stream.</summary>
    public const string DefaultShardId = "shardId-000000000000";

    // A realistic 56-digit Kinesis sequence number; records count up from it unless the start checkpoint lies beyond.
    private static readonly BigInteger FirstSequenceNumber = BigInteger.Parse("49590338271490256608559692538361571095921575989136588801", CultureInfo.InvariantCulture);

    private readonly ExtendedSequenceNumber startCheckpoint;
    private BigInteger nextSequenceNumber;

    /// <summary>Creates a shard whose lease starts at <paramref name="checkpoint"/>.</summary>
    /// <param name="shardId">The shard id; default <see cref="DefaultShardId"/>.</param>
    /// <param name="checkpoint">The lease's checkpoint; default <see cref="ExtendedSequenceNumber.TrimHorizon"/>. Records are created after it.</param>
    public TestShard(string shardId = DefaultShardId, ExtendedSequenceNumber? checkpoint = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(shardId);
        startCheckpoint = checkpoint ?? ExtendedSequenceNumber.TrimHorizon;
        ShardId = shardId;
        Checkpointer = new RecordingCheckpointer(shardId, startCheckpoint);
        nextSequenceNumber = !startCheckpoint.IsSentinel && BigInteger.TryParse(startCheckpoint.SequenceNumber, NumberStyles.None, CultureInfo.InvariantCulture, out var start) && start >= FirstSequenceNumber
            ? start + 1
            : FirstSequenceNumber;
    }

    /// <summary>The shard id every input carries.</summary>
    public string ShardId { get; }

    /// <summary>The recording checkpointer every input carries.</summary>
    public RecordingCheckpointer Checkpointer { get; }

    /// <summary>The arrival and fetch time of created records and batches; default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Creates a plain (not aggregated) record with the next sequence number.</summary>
    /// <param name="partitionKey">The partition key.</param>
    /// <param name="data">The payload.</param>
    public KinesisClientRecord CreateRecord(string partitionKey, ReadOnlyMemory<byte> data)
    {
        ArgumentException.ThrowIfNullOrEmpty(partitionKey);
        var sequenceNumber = nextSequenceNumber.ToString(CultureInfo.InvariantCulture);
        nextSequenceNumber++;
        return new KinesisClientRecord
        {
            SequenceNumber = sequenceNumber,
            PartitionKey = partitionKey,
            Data = data,
            ApproximateArrivalTimestamp = TimeProvider.GetUtcNow(),
        };
    }

    /// <summary>Creates a plain record whose payload is the UTF-8 bytes of <paramref name="data"/>.</summary>
    /// <param name="partitionKey">The partition key.</param>
    /// <param name="data">The payload text.</param>
    public KinesisClientRecord CreateRecord(string partitionKey, string data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return CreateRecord(partitionKey, Encoding.UTF8.GetBytes(data));
    }

    /// <summary>Creates the user records of one aggregated Kinesis record: one sequence number, sub-sequence numbers 0, 1, 2...</summary>
    /// <param name="records">The partition key and payload of each user record, in order.</param>
    public IReadOnlyList<KinesisClientRecord> CreateAggregatedRecord(params IReadOnlyList<(string PartitionKey, ReadOnlyMemory<byte> Data)> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentOutOfRangeException.ThrowIfZero(records.Count);
        var sequenceNumber = nextSequenceNumber.ToString(CultureInfo.InvariantCulture);
        nextSequenceNumber++;
        var arrival = TimeProvider.GetUtcNow();
        var result = new KinesisClientRecord[records.Count];
        for (var i = 0; i < result.Length; i++)
        {
            ArgumentException.ThrowIfNullOrEmpty(records[i].PartitionKey);
            result[i] = new KinesisClientRecord
            {
                SequenceNumber = sequenceNumber,
                SubSequenceNumber = i,
                PartitionKey = records[i].PartitionKey,
                Data = records[i].Data,
                ApproximateArrivalTimestamp = arrival,
                IsAggregated = true,
            };
        }

        return result;
    }

    /// <summary>The input of <see cref="IShardRecordProcessor.InitializeAsync"/>: the shard and its start checkpoint.</summary>
    public InitializationInput InitializationInput() => new() { ShardId = ShardId, Checkpoint = startCheckpoint };

    /// <summary>
    /// The input of <see cref="IShardRecordProcessor.ProcessRecordsAsync"/> for <paramref name="records"/>, and, as delivery
    /// does, lets the checkpointer accept positions up to the last of them.
    /// </summary>
    /// <param name="records">The batch, in shard order (as created by this shard); not empty.</param>
    /// <param name="millisBehindLatest">What Kinesis reported as the reader's lag; default 0.</param>
    /// <exception cref="ArgumentException">The batch is empty, or its records are not in increasing order after everything delivered before.</exception>
    public ProcessRecordsInput ProcessRecordsInput(IReadOnlyList<KinesisClientRecord> records, long? millisBehindLatest = 0)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count == 0)
        {
            throw new ArgumentException("The consumer never delivers an empty batch.", nameof(records));
        }

        var checkpointer = Checkpointer.Checkpointer;
        var previous = checkpointer.LargestPermittedCheckpoint;
        foreach (var record in records)
        {
            ArgumentNullException.ThrowIfNull(record, nameof(records));
            var position = record.ToExtendedSequenceNumber();
            if (position <= previous)
            {
                throw new ArgumentException($"Record {position} is not after {previous}: a batch holds records in shard order, after those delivered before.", nameof(records));
            }

            previous = position;
        }

        checkpointer.SetLargestPermitted(previous);
        return new ProcessRecordsInput
        {
            ShardId = ShardId,
            Records = records,
            MillisBehindLatest = millisBehindLatest,
            FetchedAt = TimeProvider.GetUtcNow(),
            Checkpointer = checkpointer,
        };
    }

    /// <summary>The input of <see cref="IShardRecordProcessor.ShardEndedAsync"/>; from now on a checkpoint writes <see cref="ExtendedSequenceNumber.ShardEnd"/>.</summary>
    /// <param name="childShardIds">The shards the shard was split or merged into; default none.</param>
    public ShardEndedInput ShardEndedInput(IReadOnlyList<string>? childShardIds = null)
    {
        Checkpointer.Checkpointer.EnterShardEnd(childShardIds ?? []);
        return new ShardEndedInput { ShardId = ShardId, Checkpointer = Checkpointer.Checkpointer };
    }

    /// <summary>The input of <see cref="IShardRecordProcessor.ShutdownRequestedAsync"/>: the lease is still held, so checkpoints succeed.</summary>
    public ShutdownRequestedInput ShutdownRequestedInput() => new() { ShardId = ShardId, Checkpointer = Checkpointer.Checkpointer };

    /// <summary>The input of <see cref="IShardRecordProcessor.LeaseLostAsync"/>; from now on every checkpoint throws <see cref="LeaseLostException"/>, as after a real loss.</summary>
    public LeaseLostInput LeaseLostInput()
    {
        Checkpointer.LoseLease();
        return new LeaseLostInput { ShardId = ShardId };
    }
}
