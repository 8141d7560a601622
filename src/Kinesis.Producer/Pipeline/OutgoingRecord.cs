using System.Buffers;
using Kinesis.Core.Aggregation;
using Kinesis.Core.Hashing;

namespace Kinesis.Producer.Pipeline;

/// <summary>
/// One Kinesis record on its way out: either a single user record sent raw, or a KPL aggregate of
/// several. An aggregate is sealed under the stream lock but encoded (protobuf and MD5) later by the
/// sender, outside any lock, so callers of <see cref="KinesisProducer.PutAsync"/> never wait for it.
/// Until then a sealed aggregate is only its user records and its exact encoded size: the sender builds it from the
/// records' slots with a pooled aggregator (<see cref="EnsureEncoded"/>), so a burst of sealed aggregates holds no
/// aggregator state (key tables, data references) beside the slots that already have it all. Owns its pooled buffer,
/// once encoded, until <see cref="Release"/>.
/// </summary>
internal sealed class OutgoingRecord
{
    /// <summary>The Java KPL's partition key for aggregates: one byte, since the explicit hash key routes them.</summary>
    public const string AggregatePartitionKey = AggregatedRecordFormat.AggregatePartitionKey;

    // Encoding sealed aggregates this many at a time: their MD5s are computed together (up to 16 lanes), and the sender
    // needs no more pooled aggregators than this per call.
    private const int EncodeChunk = 16;

    private AggregatorPool? pool;

    // The encoded size of a sealed aggregate not yet encoded; 0 once encoded, and for a record sent raw.
    private int pendingSize;
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
    /// An aggregate of the <paramref name="count"/> (two or more) user records in <paramref name="users"/>, an array the
    /// record now owns, as the shard's aggregator took them in that order: <paramref name="encodedSize"/> is its
    /// <see cref="RecordAggregator.EncodedSize"/> then, which adding them again to an empty aggregator reproduces exactly.
    /// </summary>
    public static OutgoingRecord Aggregate(int encodedSize, AggregatorPool pool, UserRecord[] users, int count, UserRecordArrayPool arrays, string predictedShardId, long sendBy) =>
        new(users, count, arrays, predictedShardId, AggregatePartitionKey.Length + encodedSize, sendBy)
        {
            pendingSize = encodedSize,
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
    /// Encodes the aggregates among <paramref name="records"/> into pooled buffers (once), building each from its user
    /// records with a pooled aggregator, <see cref="EncodeChunk"/> at a time with their MD5 checksums computed together
    /// (<see cref="RecordAggregator.EncodeAll"/>); raw records and already-encoded aggregates are left as they are.
    /// </summary>
    /// <exception cref="InvalidOperationException">An aggregate did not come out at the size it was sealed with (a bug).</exception>
    public static void EnsureEncoded(OutgoingRecord[] records)
    {
        var pending = 0;
        foreach (var record in records)
        {
            pending += record.pendingSize > 0 ? 1 : 0;
        }

        if (pending == 0)
        {
            return;
        }

        var size = Math.Min(pending, EncodeChunk);
        var chunk = new OutgoingRecord[size];
        var aggregators = new RecordAggregator[size];
        var buffers = new byte[size][];
        var results = new EncodedRecordInfo[size];
        var count = 0;
        foreach (var record in records)
        {
            if (record.pendingSize > 0)
            {
                chunk[count++] = record;
                if (count == size)
                {
                    EncodeChunkOf(chunk.AsSpan(0, count), aggregators, buffers, results);
                    count = 0;
                }
            }
        }

        if (count > 0)
        {
            EncodeChunkOf(chunk.AsSpan(0, count), aggregators, buffers, results);
        }
    }

    /// <summary>Encodes the pending aggregates <paramref name="chunk"/> together; the other arrays are scratch space at least as long.</summary>
    private static void EncodeChunkOf(Span<OutgoingRecord> chunk, RecordAggregator[] aggregators, byte[][] buffers, EncodedRecordInfo[] results)
    {
        var rented = 0;
        var handedOver = 0;
        try
        {
            while (rented < chunk.Length)
            {
                var record = chunk[rented];
                var aggregator = aggregators[rented] = record.pool!.Rent();
                buffers[rented] = record.pool.RentBuffer(record.pendingSize);
                rented++;
                record.Fill(aggregator);
            }

            RecordAggregator.EncodeAll(aggregators.AsSpan(0, chunk.Length), buffers.AsSpan(0, chunk.Length), results.AsSpan(0, chunk.Length));
            for (; handedOver < chunk.Length; handedOver++)
            {
                var record = chunk[handedOver];
                record.pooled = buffers[handedOver];
                record.Data = buffers[handedOver].AsMemory(0, results[handedOver].Length);
                record.ExplicitHashKey = HashKeys.Format(results[handedOver].ExplicitHashKey);
                record.pendingSize = 0;
            }
        }
        finally
        {
            for (var i = 0; i < rented; i++)
            {
                chunk[i].pool!.Return(aggregators[i]);
                if (i >= handedOver)
                {
                    chunk[i].pool!.ReturnBuffer(buffers[i]);
                }
            }

            aggregators.AsSpan().Clear();
            buffers.AsSpan().Clear();
        }
    }

    /// <summary>Adds the aggregate's user records to the empty <paramref name="aggregator"/>, as the shard's aggregator took them.</summary>
    private void Fill(RecordAggregator aggregator)
    {
        foreach (ref readonly var user in Users)
        {
            UInt128? explicitHashKey = user.ExplicitHashKey is { } key ? HashKeys.ParseExplicitHashKey(key) : null;
            if (!aggregator.TryAddReference(user.PartitionKey, user.Data, explicitHashKey))
            {
                throw new InvalidOperationException($"A sealed aggregate of {userCount} user records no longer fits its aggregator (a bug).");
            }
        }

        if (aggregator.EncodedSize != pendingSize)
        {
            throw new InvalidOperationException($"A sealed aggregate of {userCount} user records encodes to {aggregator.EncodedSize} bytes, not the {pendingSize} it was sealed with (a bug).");
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

    /// <summary>Returns the encoded aggregate's buffer to its pool. Idempotent.</summary>
    public void Release()
    {
        if (Interlocked.Exchange(ref pooled, null) is { } buffer)
        {
            pool!.ReturnBuffer(buffer);
        }
    }
}
