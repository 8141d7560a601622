using System.Buffers;
using Kinesis.Core.Aggregation;
using Kinesis.Core.Hashing;

namespace Kinesis.Producer.Pipeline;

/// <summary>
/// One Kinesis record on its way out: either a single user record sent raw, or a KPL aggregate of
/// several. An aggregate is sealed under the stream lock but encoded (protobuf and MD5) later by the
/// sender, outside any lock, so callers of <see cref="KinesisProducer.PutAsync"/> never wait for it.
/// Owns its aggregator, then its pooled buffer, until <see cref="Release"/>.
/// </summary>
internal sealed class OutgoingRecord
{
    /// <summary>The Java KPL's partition key for aggregates: one byte, since the explicit hash key routes them.</summary>
    public const string AggregatePartitionKey = AggregatedRecordFormat.AggregatePartitionKey;

    private RecordAggregator? aggregator;
    private AggregatorPool? pool;
    private byte[]? pooled;
    private UserRecord[] users;
    private readonly int userCount;
    private readonly UserRecordArrayPool arrays;

    private OutgoingRecord(UserRecord[] users, int userCount, UserRecordArrayPool arrays, string? predictedShardId, int collectionSize, long sendBy)
    {
        this.users = users;
        this.userCount = userCount;
        this.arrays = arrays;
        SendBy = sendBy;
        PredictedShardId = predictedShardId;
        CollectionSize = collectionSize;
        PartitionKey = AggregatePartitionKey;
        var earliest = long.MaxValue;
        long accounted = 0;
        foreach (ref readonly var user in users.AsSpan(0, userCount))
        {
            earliest = Math.Min(earliest, user.ExpiresAt);
            accounted += user.AccountedBytes;
        }

        EarliestExpiry = earliest;
        AccountedBytes = accounted;
    }

    public string PartitionKey { get; private set; }

    public string? ExplicitHashKey { get; private set; }

    /// <summary>The record's data; valid after <see cref="EnsureEncoded"/>.</summary>
    public ReadOnlyMemory<byte> Data { get; private set; }

    /// <summary>
    /// Its user records, in the order they were put. The span is valid until <see cref="ReturnUsers"/>: completion returns
    /// them once their tasks are complete, a retry once they are routed again, a failure once they are failed.
    /// </summary>
    public Span<UserRecord> Users => users.AsSpan(0, userCount);

    public int UserCount => userCount;

    public bool IsAggregated => userCount > 1;

    /// <summary>The shard the record should land on; null when the stream's shard map was unknown.</summary>
    public string? PredictedShardId { get; }

    /// <summary>
    /// When the record must leave at the latest (timestamp): <see cref="KinesisProducerOptions.RecordMaxBufferedTime"/>
    /// after its first user record arrived. Until then it waits for a PutRecords call to fill up.
    /// </summary>
    public long SendBy { get; }

    /// <summary>The shard the service put the record on; null until then.</summary>
    public string? AcknowledgedShardId { get; private set; }

    /// <summary>The record's sequence number; null until it is put.</summary>
    public string? AcknowledgedSequenceNumber { get; private set; }

    /// <summary>When the first of its user records expires (timestamp): checked per Kinesis record, not per user record, under the stream lock.</summary>
    public long EarliestExpiry { get; }

    /// <summary>The bytes its user records hold against <see cref="KinesisProducerOptions.MaxOutstandingBytes"/>.</summary>
    public long AccountedBytes { get; }

    /// <summary>Size as the service counts it against the 5 MiB PutRecords limit: partition key plus data. Exact before encoding.</summary>
    public int CollectionSize { get; }

    /// <summary>A user record sent raw: the first slot of <paramref name="users"/>, an array the record now owns.</summary>
    public static OutgoingRecord Single(UserRecord[] users, UserRecordArrayPool arrays, string? predictedShardId, long sendBy)
    {
        ref readonly var user = ref users[0];
        return new(users, 1, arrays, predictedShardId, System.Text.Encoding.UTF8.GetByteCount(user.PartitionKey) + user.Data.Length, sendBy)
        {
            PartitionKey = user.PartitionKey,
            ExplicitHashKey = user.ExplicitHashKey,
            Data = user.Data,
        };
    }

    /// <summary>
    /// Takes over a full aggregator of two or more records, which returns to <paramref name="pool"/> once encoded, and the
    /// array holding its <paramref name="count"/> user records.
    /// </summary>
    public static OutgoingRecord Aggregate(RecordAggregator aggregator, AggregatorPool pool, UserRecord[] users, int count, UserRecordArrayPool arrays, string predictedShardId, long sendBy) =>
        new(users, count, arrays, predictedShardId, AggregatePartitionKey.Length + aggregator.EncodedSize, sendBy)
        {
            aggregator = aggregator,
            pool = pool,
        };

    /// <summary>Returns the user records' array to its pool (cleared): the records were completed, failed or moved elsewhere. Idempotent.</summary>
    public void ReturnUsers()
    {
        if (Interlocked.Exchange(ref users, []) is { Length: > 0 } held)
        {
            arrays.Return(held, userCount);
        }
    }

    /// <summary>
    /// Encodes the aggregates among <paramref name="records"/> into pooled buffers (once), their MD5 checksums computed
    /// together (<see cref="RecordAggregator.EncodeAll"/>); raw records and already-encoded aggregates are left as they are.
    /// </summary>
    public static void EnsureEncoded(OutgoingRecord[] records)
    {
        var count = 0;
        foreach (var record in records)
        {
            if (record.aggregator is not null)
            {
                count++;
            }
        }

        if (count == 0)
        {
            return;
        }

        var aggregators = ArrayPool<RecordAggregator>.Shared.Rent(count);
        var buffers = ArrayPool<byte[]>.Shared.Rent(count);
        var results = ArrayPool<EncodedRecordInfo>.Shared.Rent(count);
        try
        {
            var next = 0;
            foreach (var record in records)
            {
                if (record.aggregator is { } aggregator)
                {
                    aggregators[next] = aggregator;
                    buffers[next] = record.pooled = record.pool!.Buffers.Rent(aggregator.EncodedSize);
                    next++;
                }
            }

            RecordAggregator.EncodeAll(aggregators.AsSpan(0, count), buffers.AsSpan(0, count), results.AsSpan(0, count));
            next = 0;
            foreach (var record in records)
            {
                if (record.aggregator is { } aggregator)
                {
                    var encoded = results[next++];
                    record.Data = record.pooled.AsMemory(0, encoded.Length);
                    record.ExplicitHashKey = HashKeys.Format(encoded.ExplicitHashKey);
                    record.pool!.Return(aggregator);
                    record.aggregator = null;
                }
            }
        }
        finally
        {
            aggregators.AsSpan(0, count).Clear();
            buffers.AsSpan(0, count).Clear();
            ArrayPool<RecordAggregator>.Shared.Return(aggregators);
            ArrayPool<byte[]>.Shared.Return(buffers);
            ArrayPool<EncodedRecordInfo>.Shared.Return(results);
        }
    }

    /// <summary>When the successful attempt started (wall clock); set with the acknowledgement.</summary>
    public DateTimeOffset AttemptStartUtc { get; private set; }

    /// <summary>When the successful attempt started (timestamp).</summary>
    public long AttemptStart { get; private set; }

    /// <summary>How long the successful PutRecords call took.</summary>
    public TimeSpan AttemptDuration { get; private set; }

    /// <summary>
    /// Records the service's answer and the successful attempt for the completion work item
    /// (<see cref="RecordCompletion.Batch"/>), which adds the attempt to each user record's history as it completes it.
    /// </summary>
    public void Acknowledge(string shardId, string sequenceNumber, DateTimeOffset attemptStartUtc, long attemptStart, TimeSpan attemptDuration)
    {
        AttemptStartUtc = attemptStartUtc;
        AttemptStart = attemptStart;
        AttemptDuration = attemptDuration;
        AcknowledgedSequenceNumber = sequenceNumber;
        AcknowledgedShardId = shardId;
    }

    /// <summary>Returns the aggregator or the buffer to their pools. Idempotent.</summary>
    public void Release()
    {
        if (Interlocked.Exchange(ref aggregator, null) is { } held)
        {
            pool!.Return(held);
        }

        if (Interlocked.Exchange(ref pooled, null) is { } buffer)
        {
            pool!.Buffers.Return(buffer);
        }
    }
}
