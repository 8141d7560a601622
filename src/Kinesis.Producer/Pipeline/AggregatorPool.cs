using System.Buffers;
using Kinesis.Core.Aggregation;

namespace Kinesis.Producer.Pipeline;

/// <summary>
/// Reuses aggregators (and their internal buffers) and encoded-aggregate buffers across aggregates of a producer.
/// Sealed aggregates keep their aggregator until a PutRecords call encodes them, so a burst can hold thousands; the pool
/// keeps up to <c>maxPooled</c> of them and gives back, at each <see cref="Trim"/>, those that sat unused since the one
/// before, down to <see cref="MinPooled"/>. Memory follows the load instead of staying at a burst's peak.
/// </summary>
internal sealed class AggregatorPool(int maxSize, int maxCount, int maxPooled)
{
    /// <summary>Always kept: the open aggregates of many shards, and some churn.</summary>
    public const int MinPooled = 256;

    // Thousands of encoded aggregates can be in flight at once (24 requests of up to 5 MiB); the shared
    // pool keeps only a few dozen arrays per size and would allocate the rest, so aggregates get their own.
    private const int MaxPooledBuffersPerSize = 2048;

    // A queue, not a bag: the sender returns aggregators and the callers of PutAsync take them, so a bag's
    // thread-local lists would make every take a locked steal.
    private readonly System.Collections.Concurrent.ConcurrentQueue<RecordAggregator> pooled = new();
    private readonly int maxPooled = Math.Max(MinPooled, maxPooled);

    // The fewest aggregators waiting in the pool since the last trim: that many were not needed in the meantime.
    private int lowWater;

    /// <summary>Buffers for encoded aggregates.</summary>
    public ArrayPool<byte> Buffers { get; } = ArrayPool<byte>.Create(maxSize, MaxPooledBuffersPerSize);

    /// <summary>Aggregators waiting for reuse.</summary>
    public int Count => pooled.Count;

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

    /// <summary>Drops the aggregators that were not needed since the previous trim, keeping at least <see cref="MinPooled"/>; returns how many.</summary>
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
        return dropped;
    }
}
