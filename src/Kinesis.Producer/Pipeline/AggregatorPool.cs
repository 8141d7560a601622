using System.Buffers;
using Kinesis.Core.Aggregation;

namespace Kinesis.Producer.Pipeline;

/// <summary>
/// Reuses aggregators (and their internal buffers) and encoded-aggregate buffers across aggregates of a producer.
/// Each shard keeps one aggregator for its open aggregate; the sender rents a few more to encode sealed aggregates from
/// their user records (<see cref="OutgoingRecord.EnsureEncoded"/>). The pool keeps up to <c>maxPooled</c> aggregators and
/// as many full-size buffers, and gives back, at each <see cref="Trim"/>, those that sat unused since the one before, down
/// to <see cref="MinPooled"/> aggregators. Memory follows the load instead of staying at a burst's peak.
/// </summary>
internal sealed class AggregatorPool(int maxSize, int maxCount, int maxPooled)
{
    /// <summary>Always kept: the open aggregates of many shards, and some churn.</summary>
    public const int MinPooled = 256;

    // A queue, not a bag: the sender returns aggregators and the callers of PutAsync take them, so a bag's
    // thread-local lists would make every take a locked steal.
    private readonly System.Collections.Concurrent.ConcurrentQueue<RecordAggregator> pooled = new();
    private readonly int maxPooled = Math.Max(MinPooled, maxPooled);

    // Encoded aggregates larger than half the maximum, which is what a busy shard seals, get buffers of exactly the
    // maximum size: thousands can be in flight at once (24 requests of up to 5 MiB), and a power-of-two pool would hand
    // out 64 KiB for the default 51,200 bytes, a quarter more memory to allocate and collect in a burst. Smaller ones
    // (aggregates sealed at their deadline under light load) come from the shared pool.
    private readonly System.Collections.Concurrent.ConcurrentQueue<byte[]> buffers = new();
    private int pooledBuffers;

    // The fewest aggregators and buffers waiting in the pool since the last trim: that many were not needed meanwhile.
    private int lowWater;
    private int buffersLowWater;

    /// <summary>Aggregators waiting for reuse.</summary>
    public int Count => pooled.Count;

    /// <summary>Full-size buffers waiting for reuse.</summary>
    public int BufferCount => Volatile.Read(ref pooledBuffers);

    /// <summary>A buffer for an encoded aggregate of <paramref name="size"/> bytes (at most the pool's maximum size).</summary>
    public byte[] RentBuffer(int size)
    {
        if (size <= maxSize / 2)
        {
            return ArrayPool<byte>.Shared.Rent(size);
        }

        if (buffers.TryDequeue(out var buffer))
        {
            var left = Interlocked.Decrement(ref pooledBuffers);
            if (left < Volatile.Read(ref buffersLowWater))
            {
                Volatile.Write(ref buffersLowWater, left);
            }

            return buffer;
        }

        // Not zeroed (the encoder writes every byte it sends) and on the pinned object heap: a burst keeps thousands of
        // these alive across several collections, and there the collector never copies them while compacting.
        Volatile.Write(ref buffersLowWater, 0);
        return GC.AllocateUninitializedArray<byte>(maxSize, pinned: true);
    }

    /// <summary>Takes back a buffer from <see cref="RentBuffer"/>.</summary>
    public void ReturnBuffer(byte[] buffer)
    {
        if (buffer.Length != maxSize)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        else if (Interlocked.Increment(ref pooledBuffers) <= maxPooled)
        {
            buffers.Enqueue(buffer);
        }
        else
        {
            Interlocked.Decrement(ref pooledBuffers);
        }
    }

    public RecordAggregator Rent()
    {
        if (pooled.TryDequeue(out var aggregator))
        {
            // Racy by design: a trim that sees a slightly high low-water mark only keeps a few aggregators longer.
            var left = pooled.Count;
            if (left < Volatile.Read(ref lowWater))
            {
                Volatile.Write(ref lowWater, left);
            }

            return aggregator;
        }

        Volatile.Write(ref lowWater, 0);
        return new RecordAggregator(maxSize, maxCount);
    }

    public void Return(RecordAggregator aggregator)
    {
        aggregator.Reset();
        if (pooled.Count < maxPooled)
        {
            pooled.Enqueue(aggregator);
        }
        else
        {
            aggregator.Dispose();
        }
    }

    /// <summary>
    /// Drops the aggregators that were not needed since the previous trim, keeping at least <see cref="MinPooled"/>, and
    /// the full-size buffers that were not needed; returns how many aggregators.
    /// </summary>
    public int Trim()
    {
        var unused = Math.Min(Volatile.Read(ref lowWater), pooled.Count - MinPooled);
        var dropped = 0;
        while (dropped < unused && pooled.TryDequeue(out var aggregator))
        {
            aggregator.Dispose();
            dropped++;
        }

        Volatile.Write(ref lowWater, pooled.Count);
        var unusedBuffers = Volatile.Read(ref buffersLowWater);
        for (var i = 0; i < unusedBuffers && buffers.TryDequeue(out _); i++)
        {
            Interlocked.Decrement(ref pooledBuffers);
        }

        Volatile.Write(ref buffersLowWater, Volatile.Read(ref pooledBuffers));
        return dropped;
    }
}
