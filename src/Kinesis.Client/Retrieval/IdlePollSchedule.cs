namespace Kinesis.Client.Retrieval;

/// <summary>
/// When the next GetRecords of a shard is due, shared by the polling readers of one worker. After a call that returned
/// records the next call is due one <see cref="KinesisConsumerOptions.IdleTimeBetweenReads"/> after that call's start, as
/// in the KCL. After an empty call it is due at the first tick of a worker-wide grid (one interval apart, anchored at the
/// first call scheduled) that is at least one interval after that call's start: idle shards then poll on the same ticks,
/// and one wake-up of the process serves all of them instead of one wake-up per shard. A shard never polls more often
/// than once per interval either way; a shard that turns idle waits less than one extra interval, once, to join the grid.
/// Thread-safe.
/// </summary>
internal sealed class IdlePollSchedule
{
    private readonly long interval;
    private long anchor = long.MinValue;

    /// <param name="interval">The interval in <paramref name="time"/>'s timestamp units.</param>
    /// <param name="time">The clock whose timestamps are scheduled.</param>
    public IdlePollSchedule(TimeSpan interval, TimeProvider time)
    {
        this.interval = Math.Max(1, (long)(interval.TotalSeconds * time.TimestampFrequency));
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

        // Round up to the grid; the remainder is negative for calls that started before the anchor was set.
        var offset = (due - grid) % interval;
        if (offset < 0)
        {
            offset += interval;
        }

        return offset == 0 ? due : due + (interval - offset);
    }
}
