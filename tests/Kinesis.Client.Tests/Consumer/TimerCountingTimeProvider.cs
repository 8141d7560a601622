using Kinesis.Testing;

namespace Kinesis.Client.Tests.Consumer;

/// <summary>A <see cref="ManualTimeProvider"/> that counts the timers created on it (each delay, each timed token).</summary>
internal sealed class TimerCountingTimeProvider(ManualTimeProvider inner) : TimeProvider
{
    private int timersCreated;

    public ManualTimeProvider Inner { get; } = inner;

    public int TimersCreated => Volatile.Read(ref timersCreated);

    public override long TimestampFrequency => Inner.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => Inner.LocalTimeZone;

    public override DateTimeOffset GetUtcNow() => Inner.GetUtcNow();

    public override long GetTimestamp() => Inner.GetTimestamp();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        Interlocked.Increment(ref timersCreated);
        return Inner.CreateTimer(callback, state, dueTime, period);
    }
}
