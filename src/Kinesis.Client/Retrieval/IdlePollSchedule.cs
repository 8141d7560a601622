namespace Kinesis.Client.Retrieval;

/// <summary>
/// When the next GetRecords of a shard is due, shared by the polling readers of one worker. After a call that returned
/// records the next call is due one <see cref="KinesisConsumerOptions.IdleTimeBetweenReads"/> after that call's start, as
/// in the KCL. After an empty call it is due at the first tick of a worker-wide grid (one interval apart, anchored at the
/// first call scheduled) that is at least three quarters of an interval after that call's start (a call starts a little
/// after its tick when the timer fires late): idle shards then poll on the same ticks, one tick apart, and one wake-up of
/// the process serves all of them instead of one wake-up per shard. A shard that turns idle waits less than one extra
/// interval, once, to join the grid. <see cref="WaitUntilAsync"/> makes that one wake-up literal: the shards waiting for
/// the same tick share one timer and resume one after the other on its thread.
/// Thread-safe.
/// </summary>
internal sealed class IdlePollSchedule
{
    private readonly long interval;
    private readonly long lateness;
    private readonly TimeProvider time;
    private readonly Dictionary<long, Tick> ticks = [];
    private long anchor = long.MinValue;

    /// <param name="interval">The interval in <paramref name="time"/>'s timestamp units.</param>
    /// <param name="time">The clock whose timestamps are scheduled.</param>
    public IdlePollSchedule(TimeSpan interval, TimeProvider time)
    {
        this.interval = Math.Max(1, (long)(interval.TotalSeconds * time.TimestampFrequency));
        lateness = this.interval / 4;
        this.time = time;
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

    /// <summary>
    /// Completes at <paramref name="due"/> (a timestamp of the schedule's clock), at once when it has passed. Callers waiting
    /// for the same timestamp share one timer, and their continuations run one after the other on its callback's thread
    /// (each until its next asynchronous wait, a GetRecords call being sent): one thread-pool wake-up for a tick of idle
    /// shards, where a delay per shard queues one work item per shard and wakes more threads.
    /// </summary>
    public Task WaitUntilAsync(long due, CancellationToken cancellationToken)
    {
        var wait = time.GetElapsedTime(time.GetTimestamp(), due);
        if (wait <= TimeSpan.Zero)
        {
            return Task.CompletedTask;
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        // One completion source per waiter: a task with several awaiters resumes all but one of them through the thread
        // pool, whereas a source with one awaiter resumes it inline when completed.
        var waiter = new Waiter(cancellationToken);
        waiter.Register();
        lock (ticks)
        {
            if (!ticks.TryGetValue(due, out var tick))
            {
                tick = new Tick(this, due);
                ticks.Add(due, tick);
                tick.Start(wait);
            }

            tick.Waiters.Add(waiter);
        }

        return waiter.Task;
    }

    /// <summary>One shared timer and the callers waiting for it.</summary>
    private sealed class Tick(IdlePollSchedule owner, long due)
    {
        private ITimer? timer;

        public List<Waiter> Waiters { get; } = [];

        public void Start(TimeSpan wait)
        {
            // Created stopped and then started, so the callback never sees the field unset.
            timer = owner.time.CreateTimer(static state => ((Tick?)state)?.Fire(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            timer.Change(wait, Timeout.InfiniteTimeSpan);
        }

        private void Fire()
        {
            lock (owner.ticks)
            {
                owner.ticks.Remove(due);
            }

            timer?.Dispose();

            // No waiter is added after the removal above, so the list is read without the lock.
            foreach (var waiter in Waiters)
            {
                waiter.Complete();
            }
        }
    }

    /// <summary>A waiter's own completion, resumed inline (not <see cref="TaskCreationOptions.RunContinuationsAsynchronously"/>), cancelled by its token.</summary>
    private sealed class Waiter(CancellationToken cancellationToken) : TaskCompletionSource
    {
        private readonly CancellationToken token = cancellationToken;
        private CancellationTokenRegistration registration;

        /// <summary>Before the waiter is visible to the timer, so <see cref="Complete"/> always sees the registration.</summary>
        public void Register()
        {
            if (token.CanBeCanceled)
            {
                registration = token.UnsafeRegister(static state => ((Waiter?)state)?.Cancel(), this);
            }
        }

        public void Complete()
        {
            registration.Dispose();
            TrySetResult();
        }

        private void Cancel() => TrySetCanceled(token);
    }
}
