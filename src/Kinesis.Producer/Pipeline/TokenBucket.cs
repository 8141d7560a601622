namespace Kinesis.Producer.Pipeline;

/// <summary>
/// A token bucket that refills continuously at <c>ratePerSecond</c> up to <c>capacity</c> (one second's
/// worth). Not thread-safe: each shard's limiter is used under its stream's lock.
/// </summary>
internal sealed class TokenBucket
{
    private readonly TimeProvider time;
    private readonly double ratePerSecond;
    private readonly double capacity;
    private double tokens;
    private long lastRefill;

    public TokenBucket(double ratePerSecond, TimeProvider time)
    {
        this.time = time;
        this.ratePerSecond = ratePerSecond;
        capacity = ratePerSecond;
        tokens = ratePerSecond;
        lastRefill = time.GetTimestamp();
    }

    /// <summary>Whether <paramref name="amount"/> tokens are available now. A request larger than the capacity is allowed once the bucket is full, so nothing waits forever.</summary>
    public bool CanTake(double amount)
    {
        Refill();
        return tokens >= Math.Min(amount, capacity);
    }

    /// <summary>Takes <paramref name="amount"/> tokens; the balance may go negative, which delays later takes.</summary>
    public void Take(double amount)
    {
        Refill();
        tokens -= amount;
    }

    /// <summary>Time until <paramref name="amount"/> tokens are available (zero if they are).</summary>
    public TimeSpan TimeUntilAvailable(double amount)
    {
        Refill();
        var missing = Math.Min(amount, capacity) - tokens;
        return missing <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(missing / ratePerSecond);
    }

    private void Refill()
    {
        var now = time.GetTimestamp();
        var elapsed = time.GetElapsedTime(lastRefill, now).TotalSeconds;
        lastRefill = now;
        tokens = Math.Min(capacity, tokens + (elapsed * ratePerSecond));
    }
}
