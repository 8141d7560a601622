using System.Runtime.CompilerServices;
using Kinesis.Core.Api;
using Kinesis.Core.Hashing;

namespace Kinesis.Producer.Pipeline;

/// <summary>
/// The per-stream part of the pipeline: routes user records to per-shard buffers by the shard map,
/// seals aggregates at their deadline, and collects Kinesis records into PutRecords batches under the
/// per-shard rate limits. All state is guarded by one lock per stream.
/// </summary>
internal sealed class StreamPipeline
{
#if NET9_0_OR_GREATER
    // Taken once per record: System.Threading.Lock enters faster than a monitor, which goes through the object header.
    private readonly Lock gate = new();
#else
    private readonly object gate = new();
#endif
    private readonly KinesisProducerOptions options;
    private readonly TimeProvider time;
    private readonly RecordCompletion completion;
    private readonly long bufferedTicks;
    private readonly ShardBuffer unpredicted;
    private readonly AggregatorPool aggregators;
    private readonly UserRecordArrayPool arrays;
    private readonly WaitingRecords waitingForMap;
    private readonly QueueTotals queued = new();

    // Records routed by partition key wait here until their hash keys are computed together (see Route).
    private const int HashBatchSize = 16;
    private readonly UserRecord[] staged = new UserRecord[HashBatchSize];
    private readonly string[] stagedKeys = new string[HashBatchSize];
    private readonly UInt128[] stagedHashes = new UInt128[HashBatchSize];
    private int stagedCount;
    private Dictionary<string, ShardBuffer> buffers = new(StringComparer.Ordinal);

    // The same buffers keyed by the current map's entries, by reference: routing a record hashes no shard id string.
    private Dictionary<ShardMapEntry, ShardBuffer> buffersByEntry = new(ReferenceEqualityComparer.Instance);
    private bool mapUnavailable;
    private ShardMap? map;
    private bool stopped;

    // Two objects, so the callers of PutAsync and the completing threads write different cache lines.
    private readonly StrongBox<long> received = new();
    private readonly StrongBox<long> resolved = new();

    /// <summary>Creates the pipeline of a stream named by <paramref name="streamName"/>, or by <paramref name="arn"/> when given (then its name is the ARN's).</summary>
    public StreamPipeline(string streamName, KinesisProducerOptions options, TimeProvider time, RecordCompletion completion, AggregatorPool aggregators, StreamArn? arn = null)
    {
        this.aggregators = aggregators;
        arrays = completion.Arrays;
        waitingForMap = new WaitingRecords(arrays);
        StreamName = arn?.StreamName ?? streamName;
        StreamArn = arn?.Value;
        Stream = StreamArn ?? StreamName;
        this.options = options;
        this.time = time;
        this.completion = completion;
        bufferedTicks = (long)(options.RecordMaxBufferedTime.TotalSeconds * time.TimestampFrequency);
        TtlTicks = (long)(options.RecordTtl.TotalSeconds * time.TimestampFrequency);
        unpredicted = new ShardBuffer(shardId: null, options, time, aggregators, queued, arrays);
    }

    /// <summary>The stream's name: the tag of its metrics (the KPL's <c>StreamName</c> dimension), whether it was named by ARN or not.</summary>
    public string StreamName { get; }

    /// <summary>The stream's ARN when <c>PutAsync</c> named it by ARN: then requests carry <c>StreamARN</c> and no <c>StreamName</c>.</summary>
    public string? StreamArn { get; }

    /// <summary>The stream as <c>PutAsync</c> named it (ARN or name): the key of its pipeline, and what logs and errors show.</summary>
    public string Stream { get; }

    /// <summary>The <c>StreamName</c> of requests: null when the stream is named by <see cref="StreamArn"/>.</summary>
    public string? RequestStreamName => StreamArn is null ? StreamName : null;

    /// <summary><see cref="KinesisProducerOptions.RecordTtl"/> in timestamp ticks: a record's expiry less this is its arrival.</summary>
    public long TtlTicks { get; }

    /// <summary>User records submitted to this stream so far (the KPL's UserRecordsReceived, as a running total).</summary>
    public long Received => Volatile.Read(ref received.Value);

    /// <summary>User records of this stream submitted and not yet resolved (the KPL's UserRecordsPending).</summary>
    /// <remarks>Resolved is read first: it never exceeds what was received by then, so the difference is never negative.</remarks>
    public long Pending
    {
        get
        {
            var done = Volatile.Read(ref resolved.Value);
            return Volatile.Read(ref received.Value) - done;
        }
    }

    /// <summary>Counts a record submitted to this stream.</summary>
    public void RecordSubmitted() => Interlocked.Increment(ref received.Value);

    /// <summary>Counts <paramref name="count"/> records of this stream resolved.</summary>
    public void RecordsResolved(int count) => Interlocked.Add(ref resolved.Value, count);

    /// <summary>The current shard map; null until the first load succeeds.</summary>
    public ShardMap? Map => Volatile.Read(ref map);

    /// <summary>The load or refresh in progress, if any (guarded by <see cref="MapLoadGate"/>).</summary>
    public Task<ShardMap?>? MapLoad { get; set; }

    public object MapLoadGate { get; } = new();

    /// <summary>When the map was last loaded (timestamp), for periodic refreshes.</summary>
    public long MapLoadedAt { get; private set; }

    /// <summary>Set when something (a record on an unexpected shard) asks for a refresh.</summary>
    public bool MapRefreshRequested { get; set; }

    /// <summary>
    /// Records a failed load. When the stream does not exist, records waiting for the map fail with that
    /// error; otherwise they are sent without shard prediction (as the KPL does) until a load succeeds.
    /// </summary>
    public void MapLoadFailed(Exception? missingStream)
    {
        lock (gate)
        {
            MapLoadedAt = time.GetTimestamp();
            if (missingStream is null)
            {
                if (map is null)
                {
                    mapUnavailable = true;
                }

                RouteAll(waitingForMap);
            }
            else
            {
                var now = time.GetTimestamp();
                for (var chunk = 0; chunk < waitingForMap.ChunkCount; chunk++)
                {
                    foreach (ref readonly var user in waitingForMap.Chunk(chunk))
                    {
                        completion.Fail(user, Core.Api.KinesisErrorCodes.ResourceNotFound, $"Stream '{Stream}' does not exist or is not accessible: {missingStream.Message}", now);
                    }
                }
            }

            waitingForMap.Clear();
        }
    }

    /// <summary>
    /// Adds a user record to its shard's buffer. Returns the earliest time the sender must act on what changed:
    /// <see cref="long.MinValue"/> when the queued records now fill a PutRecords call, a new deadline (an aggregate
    /// opened, a record queued, a record staged), or <see cref="long.MaxValue"/> when nothing new needs the sender.
    /// </summary>
    /// <remarks>
    /// A record routed by partition key is staged first: once <see cref="HashBatchSize"/> are, their MD5s are computed
    /// together (<see cref="HashKeys.FromPartitionKeys(ReadOnlySpan{string}, Span{UInt128})"/>, several times faster than one
    /// by one) and they are routed in order. The sender routes what is staged whenever it collects, so a staged record
    /// still leaves by its deadline, and flushes see it.
    /// </remarks>
    public long Route(in UserRecord user) =>
        Route(user, user.ExplicitHashKey is { } key ? HashKeys.ParseExplicitHashKey(key) : default);

    /// <summary>As <see cref="Route(in UserRecord)"/>, with the record's explicit hash key already parsed (ignored when it has none).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public long Route(in UserRecord user, UInt128 explicitHashKey)
    {
        lock (gate)
        {
            if (stopped)
            {
                completion.Fail(user, ProducerErrorCodes.Shutdown, "The producer was disposed before the record was sent.", time.GetTimestamp());
                return long.MaxValue;
            }

            if (map is null && !mapUnavailable)
            {
                // Held in order until the first shard map arrives, so records are aggregated by shard.
                waitingForMap.Add(user);
                return long.MaxValue;
            }

            if (map is not null && user.ExplicitHashKey is null)
            {
                staged[stagedCount++] = user;
                if (stagedCount == HashBatchSize)
                {
                    return RouteStaged();
                }

                return stagedCount == 1 ? user.ReadySince + bufferedTicks : long.MaxValue;
            }

            // Behind the staged records, so records leave in the order they were routed.
            return Math.Min(RouteStaged(), RouteOne(user, explicitHashKey));
        }
    }

    /// <summary>Computes the hash keys of the staged records together and routes them in order. Under the lock.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private long RouteStaged()
    {
        var count = stagedCount;
        if (count == 0)
        {
            return long.MaxValue;
        }

        stagedCount = 0;
        for (var i = 0; i < count; i++)
        {
            stagedKeys[i] = staged[i].PartitionKey;
        }

        HashKeys.FromPartitionKeys(stagedKeys.AsSpan(0, count), stagedHashes);
        var wake = long.MaxValue;
        for (var i = 0; i < count; i++)
        {
            ref var user = ref staged[i];
            stagedKeys[i] = null!;
            wake = Math.Min(wake, RouteOne(user, stagedHashes[i]));
            user = default;
        }

        return wake;
    }

    /// <summary>Adds a record whose hash key is known (or not needed: no shard map) to its buffer; see <see cref="Route(in UserRecord)"/>. Under the lock.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private long RouteOne(in UserRecord user, UInt128 hashKey)
    {
        var buffer = unpredicted;
        if (map is not null && map.TryRoute(hashKey, out var shard) && buffersByEntry.TryGetValue(shard, out var found))
        {
            buffer = found;
        }

        var hadDeadline = buffer.OpenDeadline != long.MaxValue;
        var hadQueued = buffer.HasQueued;
        var wasFull = IsBatchFull;
        // The record's own timestamp (arrival, or the end of its last attempt) starts the aggregate's clock: no
        // clock read per record, and a record that already waited (for the map, for a retry) goes out sooner.
        buffer.Add(user, hashKey, user.ReadySince, bufferedTicks);

        if (!wasFull && IsBatchFull)
        {
            return long.MinValue;
        }

        var deadline = long.MaxValue;
        if (!hadQueued && buffer.HasQueued)
        {
            deadline = buffer.QueuedDeadline;
        }

        if (!hadDeadline && buffer.OpenDeadline != long.MaxValue)
        {
            deadline = Math.Min(deadline, buffer.OpenDeadline);
        }

        return deadline;
    }

    /// <summary>
    /// Installs a new shard map. Records waiting for shards that are no longer open are routed again, so
    /// no aggregate is sent on a stale prediction.
    /// </summary>
    public void ApplyMap(ShardMap newMap)
    {
        lock (gate)
        {
            List<UserRecord>? orphans = null;
            var next = new Dictionary<string, ShardBuffer>(StringComparer.Ordinal);
            var nextByEntry = new Dictionary<ShardMapEntry, ShardBuffer>(ReferenceEqualityComparer.Instance);
            foreach (var shard in newMap.OpenShards)
            {
                var buffer = buffers.TryGetValue(shard.ShardId, out var existing)
                    ? existing
                    : new ShardBuffer(shard.ShardId, options, time, aggregators, queued, arrays);
                next[shard.ShardId] = buffer;
                nextByEntry[shard] = buffer;
            }

            foreach (var (shardId, buffer) in buffers)
            {
                if (!next.ContainsKey(shardId))
                {
                    (orphans ??= []).AddRange(buffer.DrainUsers());
                    buffer.Dispose();
                }
            }

            buffers = next;
            buffersByEntry = nextByEntry;
            Volatile.Write(ref map, newMap);
            MapLoadedAt = time.GetTimestamp();
            MapRefreshRequested = false;
            mapUnavailable = false;

            // Routed under the lock (it is re-entrant), so records put from now on queue behind them.
            RouteAll(waitingForMap);
            waitingForMap.Clear();
            if (orphans is not null)
            {
                RouteAll(orphans);
            }

            RouteStaged();
        }
    }

    /// <summary>The buffer of the shard <paramref name="record"/> was predicted for; null when that shard is gone. Under the lock.</summary>
    private ShardBuffer? BufferOf(OutgoingRecord record) =>
        record.PredictedShardId is null ? unpredicted : buffers.GetValueOrDefault(record.PredictedShardId);

    /// <summary>Whether the queued Kinesis records fill a PutRecords call (by count or size).</summary>
    private bool IsBatchFull => queued.Records >= options.CollectionMaxCount || queued.Bytes >= options.CollectionMaxSize;

    /// <summary>
    /// Whether a PutRecords call should be made now: a record or an open aggregate reached its deadline, or the queued
    /// records fill a call. Otherwise lowers <paramref name="nextWake"/> to the earliest deadline. Sending only then, as
    /// the KPL does, fills calls at high rates instead of sending each aggregate as soon as it is sealed.
    /// </summary>
    private bool IsDue(long now, ref long nextWake)
    {
        if (IsBatchFull)
        {
            return true;
        }

        var earliest = Math.Min(unpredicted.OpenDeadline, unpredicted.QueuedDeadline);
        foreach (var buffer in buffers.Values)
        {
            earliest = Math.Min(earliest, Math.Min(buffer.OpenDeadline, buffer.QueuedDeadline));
        }

        if (earliest <= now)
        {
            return true;
        }

        nextWake = Math.Min(nextWake, earliest);
        return false;
    }

    private void RouteAll(List<UserRecord> users)
    {
        foreach (var user in users)
        {
            Route(user);
        }
    }

    /// <summary>Routes the records that waited for the map, in order. Under the lock.</summary>
    private void RouteAll(WaitingRecords users)
    {
        for (var chunk = 0; chunk < users.ChunkCount; chunk++)
        {
            foreach (ref readonly var user in users.Chunk(chunk))
            {
                Route(user);
            }
        }
    }

    /// <summary>Puts a record that failed under strict ordering back at the head of its shard's queue; false when that shard is gone.</summary>
    public bool TryRequeueInOrder(OutgoingRecord record)
    {
        lock (gate)
        {
            var buffer = BufferOf(record);
            if (stopped || buffer is null)
            {
                if (buffer is not null)
                {
                    buffer.InFlight = false;
                }

                return false;
            }

            buffer.Requeue(record);
            buffer.InFlight = false;
            return true;
        }
    }

    /// <summary>Lets the shards of <paramref name="records"/> send again, under one lock acquisition: their request was answered.</summary>
    public void ReleaseInFlight(OutgoingRecord[] records)
    {
        lock (gate)
        {
            foreach (var record in records)
            {
                var buffer = BufferOf(record);
                if (buffer is not null)
                {
                    buffer.InFlight = false;
                }
            }
        }
    }

    /// <summary>Lets the shard of <paramref name="record"/> send again: its request was answered (or, under strict ordering, its record resolved).</summary>
    public void ReleaseInFlight(OutgoingRecord record)
    {
        lock (gate)
        {
            var buffer = BufferOf(record);
            if (buffer is not null)
            {
                buffer.InFlight = false;
            }
        }
    }

    /// <summary>
    /// Moves ready Kinesis records into <paramref name="batch"/> until it is full: aggregates past their
    /// deadline (or all, when <paramref name="flush"/>) are sealed; each shard's queue is taken in order
    /// while its rate limiter allows. Expired user records fail here. Lowers <paramref name="nextWake"/>
    /// to the earliest time something becomes ready.
    /// </summary>
    /// <remarks>Never inlined (it runs once per sender pass, not per record): its frame stays in stack traces, which a test uses to inject a fault here.</remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public void Collect(List<OutgoingRecord> batch, ref int batchBytes, bool flush, ref long nextWake)
    {
        var strict = options.Ordering == ProducerOrdering.StrictPerShard;
        List<UserRecord>? reroute = null;
        lock (gate)
        {
            // Whatever is staged joins its buffer first, so its deadline counts and a flush sends it.
            RouteStaged();
            var now = time.GetTimestamp();
            if (!flush && !IsDue(now, ref nextWake))
            {
                return;
            }

            CollectFrom(unpredicted, batch, ref batchBytes, flush, strict, now, ref nextWake, ref reroute);
            foreach (var buffer in buffers.Values)
            {
                if (batch.Count >= options.CollectionMaxCount)
                {
                    nextWake = now;
                    break;
                }

                CollectFrom(buffer, batch, ref batchBytes, flush, strict, now, ref nextWake, ref reroute);
            }
        }

        if (reroute is not null)
        {
            foreach (var user in reroute)
            {
                Route(user);
            }
        }
    }

    private void CollectFrom(
        ShardBuffer buffer,
        List<OutgoingRecord> batch,
        ref int batchBytes,
        bool flush,
        bool strict,
        long now,
        ref long nextWake,
        ref List<UserRecord>? reroute)
    {
        if (flush || buffer.OpenDeadline <= now)
        {
            buffer.SealOpen();
        }
        else if (buffer.OpenDeadline < nextWake)
        {
            nextWake = buffer.OpenDeadline;
        }

        // One request per shard at a time, so records of a shard land in the order they were put (only a
        // retry can reorder them); strict ordering also limits that request to one record of the shard.
        var taken = false;
        while (batch.Count < options.CollectionMaxCount && !(buffer.InFlight && (strict || !taken)))
        {
            var record = buffer.PeekQueued();
            if (record is null)
            {
                return;
            }

            if (Retrier.HasExpired(record.EarliestExpiry, now))
            {
                buffer.RemoveFirstQueued();
                record.Release();
                foreach (var user in record.Users)
                {
                    if (Retrier.HasExpired(user.ExpiresAt, now))
                    {
                        completion.Expire(user, now, buffer.ShardId);
                    }
                    else
                    {
                        (reroute ??= []).Add(user);
                    }
                }

                record.ReturnUsers();
                continue;
            }

            // The size limit leaves room for a record that alone exceeds it: it goes in a batch of its own.
            if (batch.Count > 0 && batchBytes + record.CollectionSize > options.CollectionMaxSize)
            {
                nextWake = now;
                return;
            }

            if (buffer.Limiter is not null && !buffer.Limiter.TryAcquire(record.CollectionSize))
            {
                var wake = now + (long)(buffer.Limiter.TimeUntilAvailable(record.CollectionSize).TotalSeconds * time.TimestampFrequency) + 1;
                nextWake = Math.Min(nextWake, wake);
                return;
            }

            buffer.RemoveFirstQueued();
            batch.Add(record);
            batchBytes += record.CollectionSize;
            buffer.InFlight = true;
            taken = true;
        }

        if (buffer.HasQueued && !buffer.InFlight)
        {
            nextWake = now;
        }
    }

    /// <summary>Stops routing and removes every waiting user record (shutdown).</summary>
    public List<UserRecord> Stop()
    {
        lock (gate)
        {
            stopped = true;
            var users = new List<UserRecord>(waitingForMap.Count);
            for (var chunk = 0; chunk < waitingForMap.ChunkCount; chunk++)
            {
                users.AddRange(waitingForMap.Chunk(chunk));
            }

            waitingForMap.Clear();
            users.AddRange(staged.AsSpan(0, stagedCount));
            staged.AsSpan(0, stagedCount).Clear();
            stagedCount = 0;
            users.AddRange(unpredicted.DrainUsers());
            foreach (var buffer in buffers.Values)
            {
                users.AddRange(buffer.DrainUsers());
                buffer.Dispose();
            }

            return users;
        }
    }
}
