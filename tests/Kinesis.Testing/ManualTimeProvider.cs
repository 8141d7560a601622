namespace Kinesis.Testing;

/// <summary>
/// A <see cref="TimeProvider"/> whose clock moves only when a test calls <see cref="Advance"/>. Timers (and so
/// <c>Task.Delay</c>, <c>PeriodicTimer</c> and <c>CancellationTokenSource</c> timeouts built on this provider) fire
/// during <see cref="Advance"/>, in due-time order, on the calling thread.
/// </summary>
/// <remarks>
/// New tests use <c>FakeTimeProvider</c> (Microsoft.Extensions.TimeProvider.Testing), as the producer's and the lease
/// taker's, balancing, fleet and coordinator tests do. The remaining users (the consumer's idle-poll, polling-publisher,
/// scheduler-time and renewer tests, the agent's tests) are still to move, each checked against what this clock does
/// differently: a timer fires with the clock at its due time (FakeTimeProvider moves the clock to the end of
/// <c>Advance</c> first, so a callback reads the end time, not its own), a zero due time waits for the next
/// <see cref="Advance"/> (FakeTimeProvider fires it inside <c>CreateTimer</c>, on the caller's thread), and timestamps
/// start at zero (FakeTimeProvider: the ticks of its start, 2000-01-01 by default).
/// </remarks>
public sealed class ManualTimeProvider : TimeProvider
{
    private readonly object gate = new();
    private readonly List<ManualTimer> timers = [];
    private DateTimeOffset now;
    private long ticks;

    /// <summary>Creates a clock starting at <paramref name="start"/> (default 2026-01-01T00:00Z).</summary>
    public ManualTimeProvider(DateTimeOffset? start = null)
    {
        now = start ?? new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    }

    /// <inheritdoc />
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <inheritdoc />
    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow()
    {
        lock (gate)
        {
            return now;
        }
    }

    /// <inheritdoc />
    public override long GetTimestamp()
    {
        lock (gate)
        {
            return ticks;
        }
    }

    /// <summary>Moves the clock forward, firing every timer that falls due on the way at its due time.</summary>
    public void Advance(TimeSpan delta)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delta, TimeSpan.Zero);
        long target;
        lock (gate)
        {
            target = ticks + delta.Ticks;
        }

        while (true)
        {
            ManualTimer? due = null;
            lock (gate)
            {
                foreach (var timer in timers)
                {
                    if (timer.DueTicks <= target && (due is null || timer.DueTicks < due.DueTicks))
                    {
                        due = timer;
                    }
                }

                if (due is null)
                {
                    now += TimeSpan.FromTicks(target - ticks);
                    ticks = target;
                    return;
                }

                if (due.DueTicks > ticks)
                {
                    now += TimeSpan.FromTicks(due.DueTicks - ticks);
                    ticks = due.DueTicks;
                }

                if (due.PeriodTicks > 0)
                {
                    due.DueTicks += due.PeriodTicks;
                }
                else
                {
                    timers.Remove(due);
                }
            }

            due.Fire();
        }
    }

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    private sealed class ManualTimer(ManualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        public long DueTicks { get; set; }

        public long PeriodTicks { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner.gate)
            {
                owner.timers.Remove(this);
                if (dueTime == Timeout.InfiniteTimeSpan)
                {
                    return true;
                }

                DueTicks = owner.ticks + Math.Max(0, dueTime.Ticks);
                PeriodTicks = period == Timeout.InfiniteTimeSpan ? 0 : Math.Max(0, period.Ticks);
                owner.timers.Add(this);
            }

            return true;
        }

        public void Fire() => callback(state);

        public void Dispose()
        {
            lock (owner.gate)
            {
                owner.timers.Remove(this);
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
