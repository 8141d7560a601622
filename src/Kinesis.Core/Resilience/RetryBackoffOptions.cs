namespace Kinesis.Core.Resilience;

/// <summary>
/// Settings of a <see cref="RetryBackoff"/>: exponential backoff with full jitter, so that many clients
/// retrying after the same throttling event spread out instead of retrying in lock step.
/// </summary>
/// <remarks>
/// The delay before retry <c>n</c> (0-based) is a uniformly random value in
/// <c>[0, min(MaxDelay, BaseDelay × 2^n))</c>. Setters reject out-of-range values with
/// <see cref="ArgumentOutOfRangeException"/> naming the property and the allowed range.
/// </remarks>
public sealed class RetryBackoffOptions
{
    /// <summary>The default <see cref="BaseDelay"/>: 100 ms.</summary>
    public static readonly TimeSpan DefaultBaseDelay = TimeSpan.FromMilliseconds(100);

    /// <summary>The default <see cref="MaxDelay"/>: 5 s.</summary>
    public static readonly TimeSpan DefaultMaxDelay = TimeSpan.FromSeconds(5);

    /// <summary>The default <see cref="MaxRetryAttempts"/>.</summary>
    public const int DefaultMaxRetryAttempts = 5;

    /// <summary>The largest allowed <see cref="BaseDelay"/> and <see cref="MaxDelay"/>: 1 day (a Polly limit).</summary>
    public static readonly TimeSpan MaxAllowedDelay = TimeSpan.FromDays(1);

    private TimeSpan baseDelay = DefaultBaseDelay;
    private TimeSpan maxDelay = DefaultMaxDelay;
    private int maxRetryAttempts = DefaultMaxRetryAttempts;

    /// <summary>The upper bound of the first retry's delay. Default <see cref="DefaultBaseDelay"/>; allowed range (0, <see cref="MaxAllowedDelay"/>].</summary>
    public TimeSpan BaseDelay
    {
        get => baseDelay;
        set => baseDelay = CheckDelay(value, nameof(BaseDelay));
    }

    /// <summary>The cap on the upper bound of any retry's delay. Default <see cref="DefaultMaxDelay"/>; allowed range (0, <see cref="MaxAllowedDelay"/>].</summary>
    public TimeSpan MaxDelay
    {
        get => maxDelay;
        set => maxDelay = CheckDelay(value, nameof(MaxDelay));
    }

    /// <summary>How many times a failed attempt is retried (0 disables retries). Default <see cref="DefaultMaxRetryAttempts"/>; allowed range [0, <see cref="int.MaxValue"/>].</summary>
    public int MaxRetryAttempts
    {
        get => maxRetryAttempts;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value, nameof(MaxRetryAttempts));
            maxRetryAttempts = value;
        }
    }

    private static TimeSpan CheckDelay(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero || value > MaxAllowedDelay)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be greater than zero and at most {MaxAllowedDelay}.");
        }

        return value;
    }
}
