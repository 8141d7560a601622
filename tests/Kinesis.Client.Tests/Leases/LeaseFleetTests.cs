using Kinesis.Client.Leases;
using Kinesis.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Kinesis.Client.Tests.Leases;

/// <summary>
/// Whole coordinators (renewer + taker) of several workers on the in-memory store, driven on a manual clock with the
/// default KCL timings: each worker renews at a fixed rate, runs its taker a taker interval after the previous run and
/// in between watches the other workers' leases when the coordinator says a watch is due (as its taker loop does).
/// Simulating tens of minutes of a fleet is CPU-bound (seconds alone, much longer beside a loaded machine's other work),
/// hence the integration time box.
/// </summary>
public sealed class LeaseFleetTests
{
    private static readonly LeaseManagementOptions Options = new();
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(100);

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task ColdStart_TwentyWorkersFourHundredLeases_BalanceAtTwentyEach()
    {
        var fleet = await Fleet.CreateAsync(20, 400);

        var elapsed = await fleet.RunUntilAsync(fleet.IsBalancedAsync, TimeSpan.FromMinutes(30));

        Assert.True(await fleet.IsBalancedAsync(), $"not balanced after {elapsed}");

        // A victim of a steal notices the loss at its next renewal.
        await fleet.RunUntilAsync(() => Task.FromResult(false), Options.RenewalInterval!.Value + Step);
        Assert.All(fleet.Workers, w => Assert.Equal(20, w.Coordinator.GetHeldLeases().Count));
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task Failover_WorkerStopsRenewing_SurvivorsTakeItsLeasesOnlyAfterFailoverTimeAndWithinTwoTakerIntervals()
    {
        var fleet = await Fleet.CreateAsync(3, 30);
        await fleet.RunUntilAsync(fleet.IsBalancedAsync, TimeSpan.FromMinutes(30));
        Assert.True(await fleet.IsBalancedAsync());
        await fleet.RunUntilAsync(() => Task.FromResult(false), Options.RenewalInterval!.Value + Step);
        var dead = fleet.Workers[2];
        var orphaned = dead.Coordinator.GetHeldLeases().Select(l => l.LeaseKey).ToHashSet(StringComparer.Ordinal);
        var lastRenewal = dead.LastRenewal;
        dead.Alive = false;
        TimeSpan? firstTakeover = null;

        async Task<bool> AllTakenOver()
        {
            var leases = await fleet.Store.ListLeasesAsync();
            var taken = leases.Count(l => orphaned.Contains(l.LeaseKey) && l.LeaseOwner != dead.Id);
            if (taken > 0)
            {
                firstTakeover ??= fleet.Now;
            }

            return taken == orphaned.Count;
        }

        await fleet.RunUntilAsync(AllTakenOver, TimeSpan.FromMinutes(5));

        Assert.True(await AllTakenOver());
        Assert.True(firstTakeover - lastRenewal > Options.FailoverTime, $"taken over {firstTakeover - lastRenewal} after the last renewal");
        Assert.True(fleet.Now - lastRenewal <= Options.FailoverTime + (2 * Options.TakerInterval!.Value) + Step, $"all taken over only {fleet.Now - lastRenewal} after the last renewal");
        Assert.All(fleet.Workers.Take(2), w => Assert.Equal(15, w.Coordinator.GetHeldLeases().Count));
    }

    [Theory(Timeout = TestTimeouts.Unit)]
    [InlineData(0)]
    [InlineData(3_100)]
    [InlineData(7_700)]
    [InlineData(12_300)]
    [InlineData(16_900)]
    public async Task Failover_WorkerKilledAnywhereInTheTakerInterval_SurvivorsTakeAllItsLeasesWithinFailoverTimePlusOneWatchInterval(int killAfterMs)
    {
        var fleet = await Fleet.CreateAsync(3, 30);
        await fleet.RunUntilAsync(fleet.IsBalancedAsync, TimeSpan.FromMinutes(30));
        await fleet.RunUntilAsync(() => Task.FromResult(false), Options.TakerInterval!.Value + TimeSpan.FromMilliseconds(killAfterMs));
        var dead = fleet.Workers[2];
        var orphaned = dead.Coordinator.GetHeldLeases().Select(l => l.LeaseKey).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(10, orphaned.Count);
        dead.Alive = false;

        // The last renewal as the table saw it: the dead worker's counters stop moving after it.
        var lastRenewal = dead.LastRenewal;
        TimeSpan? firstTakeover = null;

        Task<bool> AllTakenOver()
        {
            var leases = fleet.Store.Snapshot();
            var taken = leases.Count(l => orphaned.Contains(l.LeaseKey) && l.LeaseOwner != dead.Id);
            if (taken > 0)
            {
                firstTakeover ??= fleet.Now;
            }

            return Task.FromResult(taken == orphaned.Count);
        }

        var scans = fleet.Store.Calls(LeaseStoreOperation.ListLeases);
        await fleet.RunUntilAsync(AllTakenOver, TimeSpan.FromMinutes(2));

        Assert.True(await AllTakenOver());
        var watchInterval = Options.FailoverTime / LeaseTaker.WatchIntervalsPerFailoverTime;
        Assert.True(firstTakeover - lastRenewal > Options.FailoverTime, $"taken over {firstTakeover - lastRenewal} after the last renewal, before the failover time");
        Assert.True(fleet.Now - lastRenewal <= Options.FailoverTime + watchInterval + (2 * Step), $"all taken over only {fleet.Now - lastRenewal} after the last renewal (failover time {Options.FailoverTime}, taker interval {Options.TakerInterval})");
        Assert.All(fleet.Workers.Take(2), w => Assert.Equal(15, w.Coordinator.GetHeldLeases().Count));

        // At most the survivors' regular runs scanned meanwhile; the expiry was found by re-reads.
        Assert.True(fleet.Store.Calls(LeaseStoreOperation.ListLeases) - scans <= 2, $"{fleet.Store.Calls(LeaseStoreOperation.ListLeases) - scans} scans");
    }

    [Theory(Timeout = TestTimeouts.Unit)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public async Task Failover_TwoSurvivorsTakeAtTheSameMoment_ALostRaceFallsBackToAnotherExpiredLeaseSoAllAreTaken(int seed)
    {
        // 12 leases, 4 each; worker-x dies. Both survivors see its 4 leases expire at once, each needs 2 (target 6) and
        // sends its takes concurrently (a take lasts 100 ms): if both chose the same two, the loser of each race must
        // try the other two instead of leaving them to the next run.
        var clock = new FakeTimeProvider();
        var (store, keys) = await InMemoryLeases.CreateAsync(12, clock, (op, _) => op == LeaseStoreOperation.TakeLease ? TimeSpan.FromMilliseconds(100) : TimeSpan.Zero);
        var a = new LeaseCoordinator(store, "worker-a", Options, clock, random: new Random(seed));
        var b = new LeaseCoordinator(store, "worker-b", Options, clock, random: new Random(seed));
        await Drive(clock, Task.WhenAll(
            InMemoryLeases.AssignAsync(store, "worker-x", keys.Take(4)),
            InMemoryLeases.AssignAsync(store, "worker-a", keys.Skip(4).Take(4)),
            InMemoryLeases.AssignAsync(store, "worker-b", keys.Skip(8))));
        await Drive(clock, a.TakeLeasesAsync());
        await Drive(clock, b.TakeLeasesAsync());
        Assert.Empty(a.LastTakePlan!.ToTake);
        Assert.Empty(b.LastTakePlan!.ToTake);

        // The survivors renew theirs (straight in the store); only worker-x's counters stay unchanged.
        clock.Advance(Options.FailoverTime + TimeSpan.FromSeconds(1));
        foreach (var key in keys.Skip(4))
        {
            Assert.NotNull(await store.TryRenewLeaseAsync((await store.GetLeaseAsync(key))!));
        }

        await Drive(clock, Task.WhenAll(a.TakeLeasesAsync(), b.TakeLeasesAsync()));

        var counts = await InMemoryLeases.OwnerCountsAsync(store);
        Assert.Equal(0, counts.GetValueOrDefault("worker-x"));
        Assert.Equal(6, counts.GetValueOrDefault("worker-a"));
        Assert.Equal(6, counts.GetValueOrDefault("worker-b"));
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task Start_TakerLoop_WatchesBetweenRunsAndTakesADeadWorkersLeaseBeforeTheNextRegularRun()
    {
        // The coordinator's own loops on the manual clock: worker-x holds one lease and never renews it.
        var clock = new FakeTimeProvider();
        var (store, keys) = await InMemoryLeases.CreateAsync(2, clock);
        await InMemoryLeases.AssignAsync(store, "worker-x", keys.Skip(1));
        var acquired = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var a = new LeaseCoordinator(store, "worker-a", Options, clock, random: new Random(1));
        a.LeaseAcquired += (_, e) => acquired.Enqueue(e.HeldLease.LeaseKey);
        await using (a)
        {
            a.Start();
            await Eventually.HoldsAsync(() => acquired.Count == 1, TimeSpan.FromSeconds(10), "the unowned lease taken at the first run");

            // Move the clock to 15 s (the dead lease expires at 10 s; the next regular run is at 20.05 s) and stop there:
            // the lease must be taken without a scan. The steps leave the loops time to re-arm their timers.
            bool TakenOver() => store.Snapshot().Single(l => l.LeaseKey == keys[1]).LeaseOwner == "worker-a";
            for (var elapsed = TimeSpan.Zero; elapsed < TimeSpan.FromSeconds(15) && !TakenOver(); elapsed += Step)
            {
                clock.Advance(Step);
                await Task.Delay(TimeSpan.FromMilliseconds(2));
            }

            await Eventually.HoldsAsync(TakenOver, TimeSpan.FromSeconds(10), "the dead worker's lease taken before the next regular run");
            Assert.Equal(1, store.Calls(LeaseStoreOperation.ListLeases));
            Assert.Contains(keys[1], acquired);
        }
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task Watch_BelowTargetAndNothingExpired_NeverSteals_StealsStayAtOnePerTakerRun()
    {
        var clock = new FakeTimeProvider();
        var (store, keys) = await InMemoryLeases.CreateAsync(6, clock);
        await InMemoryLeases.AssignAsync(store, "worker-b", keys);
        var a = new LeaseCoordinator(store, "worker-a", Options, clock, random: new Random(1));
        Assert.Single(await a.TakeLeasesAsync());
        Assert.True(a.LastTakePlan!.Stealing);
        var lastWatch = clock.GetTimestamp();

        // Until the next taker run worker-a holds 1 of a target of 3, and worker-b keeps renewing the other 5.
        for (var elapsed = TimeSpan.Zero; elapsed < Options.TakerInterval!.Value - TimeSpan.FromSeconds(1); elapsed += Step)
        {
            clock.Advance(Step);
            if (elapsed.Ticks % TimeSpan.FromSeconds(1).Ticks == 0)
            {
                await a.RenewLeasesAsync();
                foreach (var lease in store.Snapshot().Where(l => l.LeaseOwner == "worker-b"))
                {
                    await store.TryRenewLeaseAsync(lease);
                }
            }

            if (await a.NextWatchDueAsync(lastWatch) is { } due && due <= clock.GetTimestamp())
            {
                lastWatch = clock.GetTimestamp();
                Assert.Empty(await a.WatchLeasesAsync());
            }
        }

        Assert.True(store.Calls(LeaseStoreOperation.GetLeases) > 0, "no watch ran");
        Assert.Equal(1, store.Calls(LeaseStoreOperation.TakeLease) - keys.Count);
        Assert.Single(a.GetHeldLeases());
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task Balanced_ThreeWorkersNobodyDies_OneScanPerTakerIntervalAndOnlyWatchReadsOfOtherWorkersLeasesBetween()
    {
        var fleet = await Fleet.CreateAsync(3, 30);
        await fleet.RunUntilAsync(fleet.IsBalancedAsync, TimeSpan.FromMinutes(30));
        await fleet.RunUntilAsync(() => Task.FromResult(false), Options.TakerInterval!.Value + Step);
        var scans = fleet.Store.Calls(LeaseStoreOperation.ListLeases);
        var reads = fleet.Store.Calls(LeaseStoreOperation.GetLease);
        var batchReads = fleet.Store.Calls(LeaseStoreOperation.GetLeases);
        var writes = fleet.Store.WriteCalls;
        var renewals = fleet.Store.Calls(LeaseStoreOperation.RenewLease);
        var duration = TimeSpan.FromMinutes(10);

        await fleet.RunUntilAsync(() => Task.FromResult(false), duration);

        var runsPerWorker = (int)Math.Ceiling(duration / Options.TakerInterval!.Value);
        Assert.InRange(fleet.Store.Calls(LeaseStoreOperation.ListLeases) - scans, (runsPerWorker - 1) * 3, (runsPerWorker + 1) * 3);

        // Each worker re-reads the other 20 leases in one batched read per watch interval (the earliest expiry never comes
        // first while the owners renew), reads no lease on its own, and writes nothing but renewals.
        var watchInterval = Options.FailoverTime / LeaseTaker.WatchIntervalsPerFailoverTime;
        var watchesPerWorker = (int)Math.Ceiling(duration / watchInterval);
        Assert.InRange(fleet.Store.Calls(LeaseStoreOperation.GetLeases) - batchReads, 1, (long)watchesPerWorker * 3);
        Assert.Equal(reads, fleet.Store.Calls(LeaseStoreOperation.GetLease));
        Assert.Equal(fleet.Store.WriteCalls - writes, fleet.Store.Calls(LeaseStoreOperation.RenewLease) - renewals);
        Assert.True(await fleet.IsBalancedAsync());
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task Balanced_TwentyWorkersForTenMinutes_NoStealsNoLossesOnlyRenewals()
    {
        var fleet = await Fleet.CreateAsync(20, 400);
        await fleet.RunUntilAsync(fleet.IsBalancedAsync, TimeSpan.FromMinutes(30));
        await fleet.RunUntilAsync(() => Task.FromResult(false), Options.RenewalInterval!.Value + Step);
        var lost = 0;
        foreach (var worker in fleet.Workers)
        {
            worker.Coordinator.LeaseLost += (_, _) => Interlocked.Increment(ref lost);
        }

        var takes = fleet.Store.Calls(LeaseStoreOperation.TakeLease);
        await fleet.RunUntilAsync(() => Task.FromResult(false), TimeSpan.FromMinutes(10));

        Assert.Equal(0, lost);
        Assert.Equal(takes, fleet.Store.Calls(LeaseStoreOperation.TakeLease));
        Assert.True(await fleet.IsBalancedAsync());
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task TakeLeases_TakesSlowerThanTheRenewalInterval_StopsTakingSoEveryTakenLeaseIsRenewedInTime()
    {
        // 12 unowned leases at 1 s a take (the clock moves as each take is sent): taking all in one run would last
        // 12 s, beyond the failover time.
        var clock = new FakeTimeProvider();
        var (store, _) = await InMemoryLeases.CreateAsync(12, clock);
        store.Fault = (op, _) =>
        {
            if (op == LeaseStoreOperation.TakeLease)
            {
                clock.Advance(TimeSpan.FromSeconds(1));
            }

            return null;
        };
        var coordinator = new LeaseCoordinator(store, "worker-a", Options, clock, random: new Random(1));

        var run = coordinator.TakeLeasesAsync();
        var acquired = await run;
        await coordinator.RenewLeasesAsync();

        Assert.Equal(4, acquired.Count);
        Assert.All(acquired, lease => Assert.True(coordinator.IsHeld(lease.LeaseKey, lease.ConcurrencyToken), $"{lease.LeaseKey} expired before its first renewal"));
        Assert.Equal(acquired.Count, (await InMemoryLeases.OwnerCountsAsync(store)).GetValueOrDefault("worker-a"));
    }

    // Advances the manual clock in 100 ms steps until the task (waiting on it) completes.
    private static async Task Drive(FakeTimeProvider clock, Task task)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!task.IsCompleted && DateTime.UtcNow < deadline)
        {
            await Task.WhenAny(task, Task.Delay(TimeSpan.FromMilliseconds(5)));
            if (!task.IsCompleted)
            {
                clock.Advance(TimeSpan.FromMilliseconds(100));
            }
        }

        await task;
    }

    private sealed class Fleet
    {
        private readonly FakeTimeProvider clock;
        private readonly int leases;

        private Fleet(FakeTimeProvider clock, InMemoryLeaseRefresher store, List<Worker> workers, int leases)
        {
            this.clock = clock;
            Store = store;
            Workers = workers;
            this.leases = leases;
        }

        public InMemoryLeaseRefresher Store { get; }

        public List<Worker> Workers { get; }

        public TimeSpan Now => clock.GetElapsedTime(0);

        public static async Task<Fleet> CreateAsync(int workers, int leases)
        {
            var clock = new FakeTimeProvider();
            var (store, _) = await InMemoryLeases.CreateAsync(leases, clock);
            var list = new List<Worker>();
            for (var i = 0; i < workers; i++)
            {
                // Workers start within the first renewal interval, in a fixed pseudo-random order.
                var offset = TimeSpan.FromMilliseconds(((i * 7919) % 33) * 100);
                list.Add(new Worker($"worker-{i:D3}", new LeaseCoordinator(store, $"worker-{i:D3}", Options, clock, random: new Random(i)), offset));
            }

            return new Fleet(clock, store, list, leases);
        }

        public async Task<bool> IsBalancedAsync()
        {
            var counts = await InMemoryLeases.OwnerCountsAsync(Store);
            var alive = Workers.Where(w => w.Alive).ToList();
            var fair = leases / alive.Count;
            return alive.All(w => counts.GetValueOrDefault(w.Id) is var n && (n == fair || n == fair + 1))
                && counts.Where(c => !alive.Any(w => w.Id == c.Key)).Sum(c => c.Value) == 0;
        }

        /// <summary>Runs the loops in steps until <paramref name="done"/> holds (checked every step) or <paramref name="limit"/> passed.</summary>
        public async Task<TimeSpan> RunUntilAsync(Func<Task<bool>> done, TimeSpan limit)
        {
            var start = Now;
            while (Now - start < limit)
            {
                foreach (var worker in Workers.Where(w => w.Alive))
                {
                    if (Now >= worker.NextRenewal)
                    {
                        await worker.Coordinator.RenewLeasesAsync();
                        worker.LastRenewal = Now;
                        worker.NextRenewal += Options.RenewalInterval!.Value;
                    }

                    if (Now >= worker.NextTake)
                    {
                        await worker.Coordinator.TakeLeasesAsync();
                        worker.NextTake = Now + Options.TakerInterval!.Value;
                        worker.LastWatch = clock.GetTimestamp();
                    }
                    else if (await worker.Coordinator.NextWatchDueAsync(worker.LastWatch) is { } due && due <= clock.GetTimestamp())
                    {
                        worker.LastWatch = clock.GetTimestamp();
                        await worker.Coordinator.WatchLeasesAsync();
                    }
                }

                if (await done())
                {
                    break;
                }

                clock.Advance(Step);
            }

            return Now - start;
        }
    }

    private sealed class Worker(string id, LeaseCoordinator coordinator, TimeSpan start)
    {
        public string Id { get; } = id;

        public LeaseCoordinator Coordinator { get; } = coordinator;

        public bool Alive { get; set; } = true;

        public TimeSpan NextRenewal { get; set; } = start;

        public TimeSpan NextTake { get; set; } = start;

        public TimeSpan LastRenewal { get; set; }

        public long LastWatch { get; set; }
    }
}
