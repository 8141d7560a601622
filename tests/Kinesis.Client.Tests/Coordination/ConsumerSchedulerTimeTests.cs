using System.Diagnostics;
using Kinesis.Client.Tests.Consumer;
using Kinesis.Testing;

namespace Kinesis.Client.Tests.Coordination;

/// <summary>The scheduler's own timers (dispatch safety-net pass, shard sync) run on <see cref="KinesisConsumerOptions.TimeProvider"/>.</summary>
[Collection(LocalAwsCollection.Name)]
public sealed class ConsumerSchedulerTimeTests(LocalAwsFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    /// <summary>Real time the test watches a stopped manual clock; the real-time timers it guards against fire every second at most.</summary>
    private static readonly TimeSpan StillWindow = TimeSpan.FromSeconds(3);

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task PeriodicPasses_ManualClock_RunOnlyWhenTheClockMoves()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(1);
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        var requests = new TargetCountingHandler();
        var factoryCalls = 0;
        var healthy = false;
        var consumer = env.CreateConsumer(
            "w1",
            _ =>
            {
                Interlocked.Increment(ref factoryCalls);

                // A fault outside the processor's callbacks fails the shard consumer; only the dispatch loop's periodic pass restarts it.
                return Volatile.Read(ref healthy) ? new RecordingProcessor("w1", env.Deliveries) : throw new InvalidOperationException("injected: processor construction failed");
            },
            o => o.TimeProvider = clock,
            requests);

        var pump = Pump(clock);
        await consumer.StartAsync();
        await Eventually.HoldsAsync(() => Volatile.Read(ref factoryCalls) >= 2, Deadline, "the failed shard consumer restarted by a periodic pass");
        await pump.StopAsync();

        // Work the last clock steps started (a pass already woken, a shard consumer already created) finishes first: on a
        // loaded machine its continuation can run well after the step, so the counts must hold still for 1.5 s.
        var last = (Calls: -1, Syncs: -1);
        var stableSamples = 0;
        await Eventually.HoldsAsync(
            () =>
            {
                var now = (Calls: Volatile.Read(ref factoryCalls), Syncs: requests.Count("ListShards"));
                stableSamples = now == last ? stableSamples + 1 : 0;
                last = now;
                return stableSamples >= 5;
            },
            Deadline,
            "work started before the clock stopped to settle",
            TimeSpan.FromMilliseconds(300));

        // The clock stands still: no periodic pass may run, whatever real time passes.
        var (calls, syncs) = last;
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < StillWindow)
        {
            Assert.Equal(calls, Volatile.Read(ref factoryCalls));
            Assert.Equal(syncs, requests.Count("ListShards"));
            await Task.Delay(50);
        }

        // One dispatch interval and one shard sync interval of clock time: both passes run, and the shard recovers.
        Volatile.Write(ref healthy, true);
        var expected = await env.PutRawAsync(keys: 2, first: 0, count: 3);
        clock.Advance(TimeSpan.FromSeconds(1));
        await Eventually.HoldsAsync(() => Volatile.Read(ref factoryCalls) > calls, Deadline, "the shard consumer restarted after the clock moved");
        await Eventually.HoldsAsync(() => requests.Count("ListShards") > syncs, Deadline, "a shard sync after the clock moved");

        pump = Pump(clock);
        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(expected), Deadline, "records delivered by the restarted shard consumer");
        await consumer.StopAsync();
        await pump.StopAsync();
    }

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task DispatchLoop_SteadyWorker_NoTimedPassUntilALeaseCouldExpire()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(2);
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        var consumer = env.CreateConsumer(
            "w1",
            configure: o =>
            {
                // The default lease timings: a lease could expire locally 10 s after its last renewal, at the earliest.
                o.TimeProvider = clock;
                o.Leases.FailoverTime = LeaseManagementOptions.DefaultFailoverTime;
                o.Leases.TakerInterval = null;
            });
        var pump = Pump(clock);
        await consumer.StartAsync();
        await Eventually.HoldsAsync(() => consumer.HeldShardIds.Count == 2 && consumer.Counters.GetRecordsCalls >= 4, Deadline, "both shards held and polled");
        await pump.StopAsync();

        // Five seconds of clock time in steps, with lease renewals (every RenewalInterval) and idle polls going on: nothing
        // for the dispatch loop to do. It used to pass every second; now at most once, when the earliest lease could expire.
        var passes = consumer.Counters.DispatchPasses;
        var renewals = env.DynamoDbHandler.Count("UpdateItem");
        for (var step = 0; step < 100; step++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(50));
            await Task.Delay(5);
        }

        await Eventually.HoldsAsync(() => env.DynamoDbHandler.Count("UpdateItem") >= renewals + 2, Deadline, "the leases renewed in the window");
        Assert.InRange(consumer.Counters.DispatchPasses - passes, 0, 1);
        Assert.Equal(2, consumer.HeldShardIds.Count);

        pump = Pump(clock);
        await consumer.StopAsync();
        await pump.StopAsync();
    }

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task DispatchLoop_LeaseExpiresLocallyBehindAHungCheckpoint_ShardToldToStopWhenItExpires()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(1);
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        var processor = new HungCheckpointProcessor(clock);
        var failover = LeaseManagementOptions.DefaultFailoverTime;
        var consumer = env.CreateConsumer(
            "w1",
            _ => processor,
            o =>
            {
                o.TimeProvider = clock;
                o.Leases.FailoverTime = failover;
                o.Leases.TakerInterval = null;
            });
        var pump = Pump(clock);
        await consumer.StartAsync();
        await Eventually.HoldsAsync(() => consumer.HeldShardIds.Count == 1 && consumer.Counters.GetRecordsCalls >= 1, Deadline, "the shard held and polled");

        // One renewal after the take: the lease now expires later than the dispatch loop could have known at the take.
        var updates = env.DynamoDbHandler.Count("UpdateItem");
        await Eventually.HoldsAsync(() => env.DynamoDbHandler.Count("UpdateItem") > updates, Deadline, "a renewal");
        await pump.StopAsync();

        // From now on every write hangs: the processor's checkpoint holds the lease's gate, the renewer waits behind it
        // and reports nothing, and only the dispatch loop can notice that the lease expired locally.
        var hold = new TaskCompletionSource();
        env.DynamoDbHandler.HoldUpdates = hold.Task;
        var holdStart = clock.GetUtcNow();
        await env.PutRawAsync(keys: 1, first: 0, count: 1);
        var watch = Stopwatch.StartNew();
        while (!processor.CheckpointStarted.Task.IsCompleted && watch.Elapsed < Deadline)
        {
            clock.Advance(TimeSpan.FromMilliseconds(50));
            await Task.Delay(10);
        }

        Assert.True(processor.CheckpointStarted.Task.IsCompleted, "the checkpoint write sent");
        while (!processor.StopRequested.Task.IsCompleted && clock.GetUtcNow() - holdStart < failover + TimeSpan.FromSeconds(15) && watch.Elapsed < Deadline)
        {
            clock.Advance(TimeSpan.FromMilliseconds(100));
            await Task.Delay(30);
        }

        // The last renewal was at most one renewal interval before the hold; the shard is told to stop once the lease
        // expired (before: within a second of it, by the periodic pass), not a failover time later.
        hold.TrySetResult();
        env.DynamoDbHandler.HoldUpdates = null;
        Assert.True(processor.StopRequested.Task.IsCompleted, $"the shard told to stop");
        Assert.InRange(await processor.StopRequested.Task - holdStart, failover - LeaseManagementOptions.DefaultFailoverTime / 3, failover + TimeSpan.FromSeconds(3));

        pump = Pump(clock);
        await consumer.StopAsync();
        await pump.StopAsync();
    }

    private static ClockPump Pump(ManualTimeProvider clock) => new(clock);

    /// <summary>Moves the clock 20 ms every 5 ms of real time until stopped.</summary>
    private sealed class ClockPump
    {
        private readonly CancellationTokenSource stop = new();
        private readonly Task loop;

        public ClockPump(ManualTimeProvider clock)
        {
            loop = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    clock.Advance(TimeSpan.FromMilliseconds(20));
                    await Task.Delay(5);
                }
            });
        }

        public async Task StopAsync()
        {
            await stop.CancelAsync();
            await loop;
            stop.Dispose();
        }
    }

    /// <summary>Checkpoints every batch with the processor's token and records when that token asks it to stop (clock time).</summary>
    private sealed class HungCheckpointProcessor(ManualTimeProvider clock) : IShardRecordProcessor
    {

        public TaskCompletionSource CheckpointStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<DateTimeOffset> StopRequested { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task InitializeAsync(InitializationInput input, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public async Task ProcessRecordsAsync(ProcessRecordsInput input, CancellationToken cancellationToken = default)
        {
            using var registration = cancellationToken.Register(() => StopRequested.TrySetResult(clock.GetUtcNow()));
            var checkpoint = input.Checkpointer.CheckpointAsync(cancellationToken);
            CheckpointStarted.TrySetResult();
            try
            {
                await checkpoint;
            }
            finally
            {
                // The cancelled checkpoint may resume this method inside the token's callbacks, before the one above runs.
                if (cancellationToken.IsCancellationRequested)
                {
                    StopRequested.TrySetResult(clock.GetUtcNow());
                }
            }
        }

        public Task LeaseLostAsync(LeaseLostInput input, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task ShardEndedAsync(ShardEndedInput input, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task ShutdownRequestedAsync(ShutdownRequestedInput input, CancellationToken cancellationToken = default) => Task.CompletedTask;
    }
}
