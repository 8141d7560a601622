using System.Runtime.CompilerServices;
using Kinesis.Core.Aggregation;

namespace Kinesis.Producer.Pipeline;

/// <summary>
/// Everything waiting for one predicted shard: the open aggregate, the sealed Kinesis records queued in
/// <see cref="KinesisProducer.PutAsync"/> order, and the shard's rate limiter. Used under its stream's lock.
/// </summary>
internal sealed class ShardBuffer : IDisposable
{
    private readonly KinesisProducerOptions options;
    private readonly AggregatorPool? pool;
    private RecordAggregator? aggregator;
    private readonly UserRecordArrayPool arrays;

    // The user records of the open aggregate, in an array that travels on with it when it is sealed.
    private UserRecord[] open;
    private int openCount;
    private readonly LinkedList<OutgoingRecord> queue = new();
    private readonly QueueTotals totals;

    public ShardBuffer(string? shardId, KinesisProducerOptions options, TimeProvider time, AggregatorPool pool, QueueTotals totals, UserRecordArrayPool arrays)
    {
        ShardId = shardId;
        this.arrays = arrays;
        open = arrays.Rent(1);
        this.options = options;
        this.totals = totals;
        if (options.AggregationEnabled && shardId is not null)
        {
            this.pool = pool;
            aggregator = pool.Rent();
        }

        // Unpredictable records (no shard map) bypass the limiter, as in the KPL: their shard is unknown.
        Limiter = shardId is null ? null : new ShardRateLimiter(options.RateLimit, time);
    }

    /// <summary>The predicted shard; null for the buffer of records sent while the shard map is unknown.</summary>
    public string? ShardId { get; }

    public ShardRateLimiter? Limiter { get; }

    /// <summary>Strict ordering: a Kinesis record of this shard is in flight or backing off.</summary>
    public bool InFlight { get; set; }

    /// <summary>When the open aggregate must be sent (timestamp); <see cref="long.MaxValue"/> when none is open.</summary>
    public long OpenDeadline { get; private set; } = long.MaxValue;

    public bool HasQueued => queue.Count > 0;

    /// <summary>When the first queued record must be sent (timestamp); <see cref="long.MaxValue"/> when none is queued.</summary>
    public long QueuedDeadline => queue.First?.Value.SendBy ?? long.MaxValue;

    public bool IsEmpty => queue.Count == 0 && openCount == 0;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Add(in UserRecord user, UInt128 hashKey, long now, long bufferedTicks)
    {
        if (aggregator is null)
        {
            var single = arrays.Rent(1);
            single[0] = user;
            Enqueue(OutgoingRecord.Single(single, arrays, ShardId, now + bufferedTicks));
            return;
        }

        UInt128? explicitHashKey = user.ExplicitHashKey is null ? null : hashKey;
        // By reference: the caller keeps the data unchanged until its task completes (PutAsync's contract), and the
        // aggregate is encoded before that, so the bytes are copied once, at send time, not also here.
        if (!aggregator.TryAddReference(user.PartitionKey, user.Data, explicitHashKey))
        {
            SealOpen();

            // An empty aggregator always takes a record.
            aggregator.TryAddReference(user.PartitionKey, user.Data, explicitHashKey);
        }

        if (openCount == 0)
        {
            OpenDeadline = now + bufferedTicks;
        }

        if (openCount == open.Length)
        {
            var larger = arrays.Rent(open.Length * 2);
            open.AsSpan().CopyTo(larger);
            arrays.Return(open, open.Length);
            open = larger;
        }

        open[openCount++] = user;

        // Full, or a lone record larger than an aggregate may be (it goes alone, unaggregated, as in the KPL).
        if (aggregator.Count >= aggregator.MaxRecordCount || aggregator.EncodedSize >= aggregator.MaxSize)
        {
            SealOpen();
        }
    }

    /// <summary>Closes the open aggregate into a Kinesis record at the end of the queue.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void SealOpen()
    {
        if (openCount == 0)
        {
            return;
        }

        // The records' array goes with the Kinesis record; the next aggregate starts in one as large as this one needed.
        var users = open;
        var count = openCount;
        open = arrays.Rent(count);
        openCount = 0;
        OutgoingRecord record;
        if (count == 1)
        {
            record = OutgoingRecord.Single(users, arrays, ShardId, OpenDeadline);
        }
        else
        {
            // Encoding (protobuf and MD5) happens in the sender, outside the stream lock, from the records themselves:
            // the shard's aggregator has only sized the aggregate and starts the next one.
            record = OutgoingRecord.Aggregate(aggregator!.EncodedSize, pool!, users, count, arrays, ShardId!, OpenDeadline);
        }

        aggregator!.Reset();
        OpenDeadline = long.MaxValue;
        Enqueue(record);
    }

    public OutgoingRecord? PeekQueued() => queue.First?.Value;

    public void RemoveFirstQueued()
    {
        totals.Remove(queue.First!.Value);
        queue.RemoveFirst();
    }

    /// <summary>Puts a record that must be retried in order back at the head of the queue (strict ordering).</summary>
    public void Requeue(OutgoingRecord record)
    {
        totals.Add(record);
        queue.AddFirst(record);
    }

    private void Enqueue(OutgoingRecord record)
    {
        totals.Add(record);
        queue.AddLast(record);
    }

    /// <summary>Removes every waiting user record (after a shard map change or at shutdown); queued buffers are released.</summary>
    public List<UserRecord> DrainUsers()
    {
        var users = new List<UserRecord>();
        foreach (var record in queue)
        {
            users.AddRange(record.Users);
            totals.Remove(record);
            record.Release();
            record.ReturnUsers();
        }

        queue.Clear();
        users.AddRange(open.AsSpan(0, openCount));
        open.AsSpan(0, openCount).Clear();
        openCount = 0;
        aggregator?.Reset();
        OpenDeadline = long.MaxValue;
        return users;
    }

    /// <summary>Returns the aggregator to the pool (shutdown, or the shard closed).</summary>
    public void Dispose()
    {
        if (aggregator is not null)
        {
            pool!.Return(aggregator);
            aggregator = null;
        }

        arrays.Return(open, openCount);
        open = [];
        openCount = 0;
    }
}
