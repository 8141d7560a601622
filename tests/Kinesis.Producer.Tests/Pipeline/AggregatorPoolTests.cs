using Kinesis.Core.Aggregation;
using Kinesis.Producer.Pipeline;

namespace Kinesis.Producer.Tests.Pipeline;

public sealed class AggregatorPoolTests
{
    [Fact]
    public void Rent_AfterReturn_ReusesTheAggregatorEmptied()
    {
        var pool = new AggregatorPool(51_200, int.MaxValue, maxPooled: 1000);
        var aggregator = pool.Rent();
        aggregator.TryAdd("key", [1, 2, 3]);

        pool.Return(aggregator);

        Assert.Same(aggregator, pool.Rent());
        Assert.Equal(0, aggregator.Count);
    }

    [Fact]
    public void Return_BeyondMaxPooled_DisposesTheAggregator()
    {
        var pool = new AggregatorPool(51_200, int.MaxValue, maxPooled: AggregatorPool.MinPooled);
        var rented = Enumerable.Range(0, AggregatorPool.MinPooled + 3).Select(_ => pool.Rent()).ToList();
        rented.ForEach(pool.Return);

        Assert.Equal(AggregatorPool.MinPooled, pool.Count);
        Assert.Throws<ObjectDisposedException>(() => rented[^1].TryAdd("key", [1]));
    }

    [Fact]
    public void Trim_AfterABurst_GivesBackOnlyWhatStayedUnusedSinceTheLastTrim()
    {
        var pool = new AggregatorPool(51_200, int.MaxValue, maxPooled: 4096);
        var burst = Enumerable.Range(0, 1000).Select(_ => pool.Rent()).ToList();
        burst.ForEach(pool.Return);

        // The burst needed all of them since the last trim: nothing goes yet.
        Assert.Equal(0, pool.Trim());
        Assert.Equal(1000, pool.Count);

        // Between trims only 100 were in use at once: 900 sat unused, but the floor keeps 256.
        var some = Enumerable.Range(0, 100).Select(_ => pool.Rent()).ToList();
        some.ForEach(pool.Return);
        Assert.Equal(1000 - AggregatorPool.MinPooled, pool.Trim());
        Assert.Equal(AggregatorPool.MinPooled, pool.Count);

        // Idle: nothing more goes below the floor.
        Assert.Equal(0, pool.Trim());
        Assert.Equal(AggregatorPool.MinPooled, pool.Count);
    }

    [Fact]
    public void Trim_WithLessUnusedThanTheExcess_DropsOnlyTheUnused()
    {
        var pool = new AggregatorPool(51_200, int.MaxValue, maxPooled: 4096);
        Enumerable.Range(0, 1000).Select(_ => pool.Rent()).ToList().ForEach(pool.Return);
        pool.Trim();

        // 700 in use at once: 300 stayed in the pool the whole time.
        var busy = Enumerable.Range(0, 700).Select(_ => pool.Rent()).ToList();
        busy.ForEach(pool.Return);

        Assert.Equal(300, pool.Trim());
        Assert.Equal(700, pool.Count);
    }

    [Fact]
    public void RentBuffer_ForAnAggregateOverHalfTheMaximum_IsExactlyTheMaximumAndReused()
    {
        // Not the next power of two (65,536 for 51,200): a burst holds thousands of encoded aggregates.
        var pool = new AggregatorPool(51_200, int.MaxValue, maxPooled: 1000);
        var buffer = pool.RentBuffer(50_917);
        Assert.Equal(51_200, buffer.Length);

        // On the pinned object heap (reported as the oldest generation from the start): never copied by compaction.
        Assert.Equal(GC.MaxGeneration, GC.GetGeneration(buffer));

        pool.ReturnBuffer(buffer);

        Assert.Equal(1, pool.BufferCount);
        Assert.Same(buffer, pool.RentBuffer(25_601));
        Assert.Equal(0, pool.BufferCount);
    }

    [Fact]
    public void RentBuffer_ForASmallAggregate_ComesFromTheSharedPoolAndGoesBackThere()
    {
        var pool = new AggregatorPool(51_200, int.MaxValue, maxPooled: 1000);
        var buffer = pool.RentBuffer(300);
        Assert.InRange(buffer.Length, 300, 512);

        pool.ReturnBuffer(buffer);

        Assert.Equal(0, pool.BufferCount);
    }

    [Fact]
    public void ReturnBuffer_BeyondMaxPooled_DropsTheBuffer()
    {
        var pool = new AggregatorPool(51_200, int.MaxValue, maxPooled: AggregatorPool.MinPooled);
        var rented = Enumerable.Range(0, AggregatorPool.MinPooled + 5).Select(_ => pool.RentBuffer(51_200)).ToList();
        rented.ForEach(pool.ReturnBuffer);

        Assert.Equal(AggregatorPool.MinPooled, pool.BufferCount);
    }

    [Fact]
    public void Trim_GivesBackTheBuffersUnusedSinceTheLastTrim()
    {
        var pool = new AggregatorPool(51_200, int.MaxValue, maxPooled: 4096);
        var burst = Enumerable.Range(0, 500).Select(_ => pool.RentBuffer(51_000)).ToList();
        burst.ForEach(pool.ReturnBuffer);

        // The burst needed all of them since the last trim: nothing goes yet.
        pool.Trim();
        Assert.Equal(500, pool.BufferCount);

        // Then only 50 at once: 450 sat unused.
        var some = Enumerable.Range(0, 50).Select(_ => pool.RentBuffer(51_000)).ToList();
        some.ForEach(pool.ReturnBuffer);
        pool.Trim();
        Assert.Equal(50, pool.BufferCount);

        // Idle since: all go.
        pool.Trim();
        Assert.Equal(0, pool.BufferCount);
    }
}
