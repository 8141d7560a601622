using Kinesis.Client.Retrieval;
using Kinesis.Testing;

namespace Kinesis.Client.Tests.Consumer;

public sealed class IdlePollScheduleTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);
    private static readonly long Ticks = (long)(Interval.TotalSeconds * new ManualTimeProvider().TimestampFrequency);

    [Fact]
    public void NextCallDue_PreviousCallReturnedRecords_OneIntervalAfterItsStart()
    {
        var schedule = new IdlePollSchedule(Interval, new ManualTimeProvider());
        schedule.NextCallDue(1_000, previousReturnedRecords: false);

        Assert.Equal(1_000 + 7 + Ticks, schedule.NextCallDue(1_000 + 7, previousReturnedRecords: true));
    }

    [Fact]
    public void NextCallDue_EmptyCallsOfShardsStartedApart_FallOnTheSameTicks()
    {
        var schedule = new IdlePollSchedule(Interval, new ManualTimeProvider());
        var first = schedule.NextCallDue(5_000, previousReturnedRecords: false);
        var second = schedule.NextCallDue(5_000 + (Ticks / 3), previousReturnedRecords: false);
        var third = schedule.NextCallDue(5_000 + Ticks - 1, previousReturnedRecords: false);

        Assert.Equal(5_000 + Ticks, first);
        Assert.Equal(5_000 + (2 * Ticks), second);
        Assert.Equal(5_000 + (2 * Ticks), third);
    }

    [Fact]
    public void NextCallDue_EmptyCallStartedLateAfterItsTick_KeepsTheNextTick()
    {
        var schedule = new IdlePollSchedule(Interval, new ManualTimeProvider());
        schedule.NextCallDue(5_000, previousReturnedRecords: false);

        // The timer of the tick at 5,000 + Ticks fired late, by just under a quarter interval.
        Assert.Equal(5_000 + (2 * Ticks), schedule.NextCallDue(5_000 + Ticks + (Ticks / 4) - 1, previousReturnedRecords: false));
    }

    [Fact]
    public void NextCallDue_AnyStart_OnTheGridAtLeastThreeQuartersOfAnIntervalLaterAndOnlyOneCallPerTick()
    {
        var schedule = new IdlePollSchedule(Interval, new ManualTimeProvider());
        schedule.NextCallDue(10 * Ticks, previousReturnedRecords: false);
        var random = new Random(20);
        for (var i = 0; i < 10_000; i++)
        {
            // Calls that started before the anchor was set (another shard's first call) too.
            var start = (long)(random.NextDouble() * 40 * Ticks);
            var due = schedule.NextCallDue(start, previousReturnedRecords: false);

            Assert.InRange(due, start + Ticks - (Ticks / 4), start + (2 * Ticks) - (Ticks / 4) - 1);
            Assert.Equal(0, (due - (10 * Ticks)) % Ticks);
        }

        // A call on its tick, or late by less than a quarter interval, is followed by exactly the next tick.
        for (var late = 0L; late < Ticks / 4; late += 997)
        {
            Assert.Equal(12 * Ticks, schedule.NextCallDue((11 * Ticks) + late, previousReturnedRecords: false));
        }
    }

    [Fact]
    public async Task WaitUntilAsync_ShardsWaitingForOneTick_OneTimerAndAllResumeOnItsThread()
    {
        var clock = new TimerCountingTimeProvider(new ManualTimeProvider());
        var schedule = new IdlePollSchedule(Interval, clock);
        var due = clock.GetTimestamp() + Ticks;
        using var stop = new CancellationTokenSource();
        var resumed = new[] { ResumeThreadAsync(schedule.WaitUntilAsync(due, stop.Token)), ResumeThreadAsync(schedule.WaitUntilAsync(due, stop.Token)), ResumeThreadAsync(schedule.WaitUntilAsync(due, CancellationToken.None)) };

        Assert.Equal(1, clock.TimersCreated);
        Assert.All(resumed, task => Assert.False(task.IsCompleted));

        // The timer fires on a thread-pool thread (no synchronization context), as a real timer does.
        var (firingThread, allResumedInside) = await Task.Run(() =>
        {
            clock.Inner.Advance(Interval);
            return (Environment.CurrentManagedThreadId, resumed.All(task => task.IsCompleted));
        });

        // Resumed inside Advance, on the thread that fired the timer: no work item queued per waiter.
        Assert.True(allResumedInside);
        Assert.All(await Task.WhenAll(resumed), thread => Assert.Equal(firingThread, thread));
    }

    [Fact]
    public async Task WaitUntilAsync_OneWaiterCancelled_OthersStillResumeOnTheTick()
    {
        var clock = new ManualTimeProvider();
        var schedule = new IdlePollSchedule(Interval, clock);
        var due = clock.GetTimestamp() + Ticks;
        using var cancelled = new CancellationTokenSource();
        var stopped = schedule.WaitUntilAsync(due, cancelled.Token);
        var waiting = schedule.WaitUntilAsync(due, CancellationToken.None);

        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stopped);
        Assert.False(waiting.IsCompleted);
        clock.Advance(Interval);
        Assert.True(waiting.IsCompletedSuccessfully);
    }

    [Fact]
    public void WaitUntilAsync_DueNowOrPast_CompletesAtOnceWithoutATimer()
    {
        var clock = new TimerCountingTimeProvider(new ManualTimeProvider());
        var schedule = new IdlePollSchedule(Interval, clock);

        Assert.True(schedule.WaitUntilAsync(clock.GetTimestamp(), CancellationToken.None).IsCompletedSuccessfully);
        Assert.True(schedule.WaitUntilAsync(clock.GetTimestamp() - Ticks, CancellationToken.None).IsCompletedSuccessfully);
        Assert.Equal(0, clock.TimersCreated);
    }

    private static async Task<int> ResumeThreadAsync(Task wait)
    {
        await wait.ConfigureAwait(false);
        return Environment.CurrentManagedThreadId;
    }
}

