using Kinesis.Producer.Pipeline;
using Microsoft.Extensions.Time.Testing;

namespace Kinesis.Producer.Tests.Pipeline;

public sealed class ShardRateLimiterTests
{
    [Fact]
    public void TryAcquire_DefaultRate_AllowsOneAndAHalfSecondsOfShardRecordsThenRefills()
    {
        var time = new FakeTimeProvider();
        var limiter = new ShardRateLimiter(rateLimitPercent: 150, time);

        var granted = 0;
        while (limiter.TryAcquire(10))
        {
            granted++;
        }

        // 1,000 records/s scaled by 150 %: the bucket holds one second's worth.
        Assert.Equal(1500, granted);
        Assert.Equal(TimeSpan.FromSeconds(1.0 / 1500), limiter.TimeUntilAvailable(10));

        time.Advance(TimeSpan.FromMilliseconds(100));
        granted = 0;
        while (limiter.TryAcquire(10))
        {
            granted++;
        }

        Assert.Equal(150, granted);
    }

    [Fact]
    public void TryAcquire_ByteLimit_ChargedPerKinesisRecord()
    {
        var time = new FakeTimeProvider();
        var limiter = new ShardRateLimiter(rateLimitPercent: 100, time);

        // 1 MiB/s: four 256 KiB aggregates fit, the fifth waits a quarter of a second.
        for (var i = 0; i < 4; i++)
        {
            Assert.True(limiter.TryAcquire(256 * 1024));
        }

        Assert.False(limiter.TryAcquire(256 * 1024));
        Assert.Equal(TimeSpan.FromSeconds(0.25), limiter.TimeUntilAvailable(256 * 1024));
        time.Advance(TimeSpan.FromSeconds(0.25));
        Assert.True(limiter.TryAcquire(256 * 1024));
    }

    [Fact]
    public void TryAcquire_RecordLargerThanBucket_AllowedOnceBucketIsFull()
    {
        var time = new FakeTimeProvider();
        var limiter = new ShardRateLimiter(rateLimitPercent: 50, time);

        // 512 KiB/s bucket, 1 MiB record: never refused forever.
        Assert.True(limiter.TryAcquire(1024 * 1024));
        Assert.False(limiter.TryAcquire(1024 * 1024));
        time.Advance(TimeSpan.FromSeconds(3));
        Assert.True(limiter.TryAcquire(1024 * 1024));
    }
}
