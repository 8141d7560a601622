namespace Kinesis.Client.Retrieval;

/// <summary>
/// When the next GetRecords of a shard is due, shared by the polling readers of one worker. After a call that returned
/// records the next call is due one <see cref="KinesisConsumerOptions.IdleTimeBetweenReads"/> after that call's start, as
/// in the KCL. After an empty call it is due at the first tick of a worker-wide grid (one interval apart, anchored at the
/// first call scheduled) that is at least three quarters of an interval after that call's start (a call starts a little
/// after its tick when the timer fires late): idle shards then poll on the same ticks, one tick apart, and one wake-up of
/// the process serves all of them instead of one wake-up per shard. A shard that turns idle waits less than one extra
/// interval, once, to join the grid.
/// Thread-safe.
/// </summary>
internal sealed class IdlePollSchedule
{
    private readonly long interval;
    private readonly long lateness;
    private long anchor = long.MinValue;

    /// <param name="interval">The interval in <paramref name="time"/>'s timestamp units.</param>
    /// <param name="time">The clock whose timestamps are scheduled.</param>
    public IdlePollSchedule(TimeSpan interval, TimeProvider time)
    {
        this.interval = Math.Max(1, (long)(interval.TotalSeconds * time.TimestampFrequency));
        lateness = this.interval / 4;
    }

    /// <summary>The timestamp at which the call after the one started at <paramref name="previousCallStart"/> is due.</summary>
    public long NextCallDue(long previousCallStart, bool previousReturnedRecords)
    {
        var due = previousCallStart + interval;
        var grid = Interlocked.CompareExchange(ref anchor, previousCallStart, long.MinValue);
        if (grid == long.MinValue || previousReturnedRecords)
        {
            return due;
        }

        // Timers fire late, more so on a busy machine, so a call starts a little after its tick; it keeps the next tick as
        // long as it started within a quarter interval of its own. Calls on the grid are then exactly one tick apart, never
        // two on one tick. The remainder is negative for calls that started before the anchor was set.
        var earliest = due - lateness;
        var offset = (earliest - grid) % interval;
        if (offset < 0)
        {
            offset += interval;
        }

        return offset == 0 ? earliest : earliest + (interval - offset);
    }
}
