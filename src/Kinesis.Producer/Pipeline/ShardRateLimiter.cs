namespace Kinesis.Producer.Pipeline;

/// <summary>
/// Per-shard limits of one producer: 1,000 records/s and 1 MiB/s scaled by
/// <see cref="KinesisProducerOptions.RateLimit"/>, charged per Kinesis record (an aggregate counts once).
/// </summary>
internal sealed class ShardRateLimiter
{
    public const double ShardRecordsPerSecond = 1000;
    public const double ShardBytesPerSecond = 1024 * 1024;

    private readonly TokenBucket records;
    private readonly TokenBucket bytes;

    public ShardRateLimiter(int rateLimitPercent, TimeProvider time)
    {
        var scale = rateLimitPercent / 100.0;
        records = new TokenBucket(ShardRecordsPerSecond * scale, time);
        bytes = new TokenBucket(ShardBytesPerSecond * scale, time);
    }

    public bool TryAcquire(int recordBytes)
    {
        if (!records.CanTake(1) || !bytes.CanTake(recordBytes))
        {
            return false;
        }

        records.Take(1);
        bytes.Take(recordBytes);
        return true;
    }

    public TimeSpan TimeUntilAvailable(int recordBytes)
    {
        var a = records.TimeUntilAvailable(1);
        var b = bytes.TimeUntilAvailable(recordBytes);
        return a > b ? a : b;
    }
}
