namespace Kinesis.Benchmarks.Leases;

/// <summary>
/// A discrete-event clock: time jumps from one due timer to the next, and each timer fires inline on the thread that
/// runs <see cref="TryFireNext"/>. Task.Delay, PeriodicTimer and CancellationTokenSource timeouts on this provider are
/// therefore events of the simulation, and code awaiting them (with ConfigureAwait(false)) continues inline, in
/// simulated time order. Timers may be created and disposed from any thread.
/// </summary>
internal sealed class SimulationClock : TimeProvider
{
    private readonly object gate = new();
    private readonly PriorityQueue<Entry, (long Due, long Sequence)> queue = new();
    private long now;
    private long sequence;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    /// <summary>Simulated time since the start.</summary>
    public TimeSpan Elapsed => TimeSpan.FromTicks(GetTimestamp());

    public override long GetTimestamp()
    {
        lock (gate)
        {
            return now;
        }
    }

    public override DateTimeOffset GetUtcNow() => new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(GetTimestamp());

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new SimulationTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Runs <paramref name="action"/> at <paramref name="at"/> (simulated time since the start).</summary>
    public void At(TimeSpan at, Action action)
    {
        var timer = new SimulationTimer(this, _ => action(), null);
        timer.Change(at - Elapsed, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Moves to the earliest due timer not later than <paramref name="until"/> and fires it.</summary>
    /// <returns>Whether a timer fired; when not, the clock moved to <paramref name="until"/>.</returns>
    public bool TryFireNext(TimeSpan until)
    {
        Entry entry;
        lock (gate)
        {
            while (true)
            {
                if (!queue.TryPeek(out entry, out var key) || key.Due > until.Ticks)
                {
                    now = Math.Max(now, until.Ticks);
                    return false;
                }

                queue.Dequeue();
                if (entry.Version == entry.Timer.Version)
                {
                    now = Math.Max(now, key.Due);
                    entry.Timer.Fired(now);
                    break;
                }
            }
        }

        entry.Timer.Fire();
        return true;
    }

    private void Schedule(SimulationTimer timer, long due)
    {
        lock (gate)
        {
            queue.Enqueue(new Entry(timer, timer.Version), (due, sequence++));
        }
    }

    private readonly record struct Entry(SimulationTimer Timer, long Version);

    private sealed class SimulationTimer(SimulationClock clock, TimerCallback callback, object? state) : ITimer
    {
        private long period;

        /// <summary>Bumped by every change, so queued entries of an earlier schedule are skipped.</summary>
        public long Version { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            long due;
            lock (clock.gate)
            {
                Version++;
                if (dueTime == Timeout.InfiniteTimeSpan)
                {
                    return true;
                }

                this.period = period == Timeout.InfiniteTimeSpan || period <= TimeSpan.Zero ? 0 : period.Ticks;
                due = clock.now + Math.Max(0, dueTime.Ticks);
            }

            clock.Schedule(this, due);
            return true;
        }

        /// <summary>Called under the clock's lock when the timer is dequeued: re-arms a periodic timer.</summary>
        public void Fired(long at)
        {
            if (period > 0)
            {
                clock.queue.Enqueue(new Entry(this, Version), (at + period, clock.sequence++));
            }
            else
            {
                Version++;
            }
        }

        public void Fire() => callback(state);

        public void Dispose()
        {
            lock (clock.gate)
            {
                Version++;
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
