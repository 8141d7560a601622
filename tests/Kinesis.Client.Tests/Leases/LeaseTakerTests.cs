using Kinesis.Client.Leases;
using Kinesis.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Kinesis.Client.Tests.Leases;

/// <summary>Every decision of the taker (KCL 2.x rules), on the in-memory store and a manual clock.</summary>
public sealed class LeaseTakerTests
{
    private static readonly TimeSpan FailoverTime = LeaseManagementOptions.DefaultFailoverTime;
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task TakeLeases_NewUnownedLeases_PriorityTakesAllOfThemIgnoringTheTarget()
    {
        var clock = new FakeTimeProvider();
        var (store, keys) = await InMemoryLeases.CreateAsync(16, clock);
        await InMemoryLeases.AssignAsync(store, "worker-b", keys.Take(4));

        var (taken, _) = await CreateTaker(store, "worker-a", clock).TakeLeasesAsync();

        Assert.Equal(12, taken.Count);
        Assert.All(taken, lease => Assert.Equal("worker-a", lease.LeaseOwner));
        Assert.Equal(keys.Skip(4), taken.Select(l => l.LeaseKey).Order(StringComparer.Ordinal));
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task TakeLeases_PriorityDisabled_TakesUnownedLeasesUpToTheTarget()
    {
        var clock = new FakeTimeProvider();
        var (store, keys) = await InMemoryLeases.CreateAsync(16, clock);
        await InMemoryLeases.AssignAsync(store, "worker-b", keys.Take(4));
        var taker = CreateTaker(store, "worker-a", clock, new LeaseManagementOptions { EnablePriorityLeaseAssignment = false });

        var (taken, _) = await taker.TakeLeasesAsync();

        Assert.Equal(8, taken.Count);
        Assert.Equal(8, taker.LastPlan!.Target);
        Assert.False(taker.LastPlan.Stealing);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task TakeLeases_OwnerStopsRenewing_TakenOnlyOnceItsCounterStoodStillLongerThanFailoverTime()
    {
        var clock = new FakeTimeProvider();
        var (store, keys) = await InMemoryLeases.CreateAsync(1, clock);
        await InMemoryLeases.AssignAsync(store, "worker-b", keys);
        var taker = CreateTaker(store, "worker-a", clock);

        // The first scan counts the owned lease as renewed now; expiry runs from there, as observed by this taker.
        Assert.Empty((await taker.TakeLeasesAsync()).Taken);
        clock.Advance(FailoverTime);
        Assert.Empty((await taker.TakeLeasesAsync()).Taken);
        clock.Advance(Tick);
        var (taken, _) = await taker.TakeLeasesAsync();

        var lease = Assert.Single(taken);
        Assert.Equal("worker-a", lease.LeaseOwner);
        Assert.Equal(1, lease.OwnerSwitchesSinceCheckpoint);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task TakeLeases_OwnerKeepsRenewing_NeverExpires()
    {
        var clock = new FakeTimeProvider();
        var (store, keys) = await InMemoryLeases.CreateAsync(1, clock);
        var held = (await InMemoryLeases.AssignAsync(store, "worker-b", keys))[0];
        var taker = CreateTaker(store, "worker-a", clock);

        for (var i = 0; i < 10; i++)
        {
            Assert.Empty((await taker.TakeLeasesAsync()).Taken);
            clock.Advance(FailoverTime - Tick);
            held = await store.TryRenewLeaseAsync(held) ?? throw new InvalidOperationException("renewal failed");
            clock.Advance(Tick * 2);
        }

        Assert.Equal("worker-b", (await store.GetLeaseAsync(keys[0]))!.LeaseOwner);
    }

    [Theory(Timeout = TestTimeouts.Unit)]
    [InlineData(1, 1)]
    [InlineData(5, 3)]
    public async Task TakeLeases_NothingAvailable_StealsFromTheMostLoadedWorkerOnly(int maxLeasesToSteal, int expectedStolen)
    {
        var clock = new FakeTimeProvider();
        var (store, keys) = await InMemoryLeases.CreateAsync(9, clock);
        await InMemoryLeases.AssignAsync(store, "worker-b", keys.Take(6));
        await InMemoryLeases.AssignAsync(store, "worker-c", keys.Skip(6));
        var taker = CreateTaker(store, "worker-a", clock, new LeaseManagementOptions { MaxLeasesToStealAtOneTime = maxLeasesToSteal });

        var (taken, _) = await taker.TakeLeasesAsync();

        Assert.Equal(expectedStolen, taken.Count);
        Assert.All(taken, lease => Assert.Contains(lease.LeaseKey, keys.Take(6)));
        Assert.True(taker.LastPlan!.Stealing);
        Assert.Equal(3, taker.LastPlan.Target);
        var counts = await InMemoryLeases.OwnerCountsAsync(store);
        Assert.Equal(3, counts["worker-c"]);
        Assert.Equal(6 - expectedStolen, counts["worker-b"]);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task TakeLeases_MostLoadedAtTargetAndOneLeaseNeeded_DoesNotSteal()
    {
        var clock = new FakeTimeProvider();
        var (store, keys) = await InMemoryLeases.CreateAsync(7, clock);
        await InMemoryLeases.AssignAsync(store, "worker-b", keys.Take(2));
        await InMemoryLeases.AssignAsync(store, "worker-c", keys.Skip(2).Take(2));
        await InMemoryLeases.AssignAsync(store, "worker-d", keys.Skip(4).Take(2));
        await InMemoryLeases.AssignAsync(store, "worker-a", keys.Skip(6));
        var taker = CreateTaker(store, "worker-a", clock);

        var (taken, _) = await taker.TakeLeasesAsync();

        // Within one of the target everywhere: stealing would only move the imbalance around.
        Assert.Empty(taken);
        Assert.Equal(2, taker.LastPlan!.Target);
        Assert.Equal(1, taker.LastPlan.MyLeases);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task TakeLeases_MostLoadedAtTargetAndTwoLeasesNeeded_StealsOne()
    {
        var clock = new FakeTimeProvider();
        var (store, keys) = await InMemoryLeases.CreateAsync(4, clock);
        await InMemoryLeases.AssignAsync(store, "worker-b", keys.Take(2));
        await InMemoryLeases.AssignAsync(store, "worker-c", keys.Skip(2));
        var taker = CreateTaker(store, "worker-a", clock);

        var (taken, _) = await taker.TakeLeasesAsync();

        Assert.Single(taken);
        Assert.True(taker.LastPlan!.Stealing);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task TakeLeases_UnownedLeaseAvailable_TakesItInsteadOfStealing()
    {
        var clock = new FakeTimeProvider();
        var (store, keys) = await InMemoryLeases.CreateAsync(7, clock);
        await InMemoryLeases.AssignAsync(store, "worker-b", keys.Take(6));
        var taker = CreateTaker(store, "worker-a", clock, new LeaseManagementOptions { EnablePriorityLeaseAssignment = false });

        var (taken, _) = await taker.TakeLeasesAsync();

        Assert.Equal(keys[6], Assert.Single(taken).LeaseKey);
        Assert.False(taker.LastPlan!.Stealing);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task TakeLeases_MaxLeasesForWorker_CapsTakenAndReportsSpillover()
    {
        var clock = new FakeTimeProvider();
        var (store, _) = await InMemoryLeases.CreateAsync(10, clock);
        var taker = CreateTaker(store, "worker-a", clock, new LeaseManagementOptions { MaxLeasesForWorker = 3 });

        var (taken, _) = await taker.TakeLeasesAsync();

        Assert.Equal(3, taken.Count);
        Assert.Equal(7, taker.LastPlan!.Spillover);
        Assert.Equal(3, taker.LastPlan.Target);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task TakeLeases_TwoTakersScanTheSameTable_EachLeaseGoesToExactlyOne()
    {
        var clock = new FakeTimeProvider();
        var (store, keys) = await InMemoryLeases.CreateAsync(20, clock, (op, _) => op == LeaseStoreOperation.ListLeases ? TimeSpan.FromSeconds(1) : TimeSpan.Zero);
        var a = CreateTaker(store, "worker-a", clock, seed: 1);
        var b = CreateTaker(store, "worker-b", clock, seed: 2);

        var runA = a.TakeLeasesAsync();
        var runB = b.TakeLeasesAsync();
        clock.Advance(TimeSpan.FromSeconds(1));
        var takenA = (await runA).Taken;
        var takenB = (await runB).Taken;

        // Both saw 20 unowned leases and tried all of them; the conditional take lets exactly one win each.
        Assert.Equal(keys, takenA.Concat(takenB).Select(l => l.LeaseKey).Order(StringComparer.Ordinal));
        Assert.Equal(40, store.Calls(LeaseStoreOperation.TakeLease));
        Assert.Equal(20, store.ConditionFailures(LeaseStoreOperation.TakeLease));
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task TakeLeases_OneTakeThrows_TakesTheOthersAndDoesNotThrow()
    {
        var clock = new FakeTimeProvider();
        var (store, keys) = await InMemoryLeases.CreateAsync(3, clock);
        store.Fault = (op, key) => op == LeaseStoreOperation.TakeLease && key == keys[1] ? new TimeoutException("injected") : null;

        var (taken, _) = await CreateTaker(store, "worker-a", clock).TakeLeasesAsync();

        Assert.Equal([keys[0], keys[2]], taken.Select(l => l.LeaseKey).Order(StringComparer.Ordinal));
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task TakeLeases_ScanFails_Throws()
    {
        var clock = new FakeTimeProvider();
        var (store, _) = await InMemoryLeases.CreateAsync(3, clock);
        store.Fault = (op, _) => op == LeaseStoreOperation.ListLeases ? new TimeoutException("injected") : null;

        await Assert.ThrowsAsync<TimeoutException>(() => CreateTaker(store, "worker-a", clock).TakeLeasesAsync());
        Assert.Equal(0, store.Calls(LeaseStoreOperation.TakeLease));
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task TakeLeases_SlowScanWhileStealing_ReReadsTheVictimSoTheStealSucceeds()
    {
        var clock = new FakeTimeProvider();
        var scanTime = new LeaseManagementOptions().RenewalInterval!.Value;
        var (store, keys) = await InMemoryLeases.CreateAsync(2, clock, (op, _) => op == LeaseStoreOperation.ListLeases ? scanTime : TimeSpan.Zero);
        var held = await InMemoryLeases.AssignAsync(store, "worker-b", keys);

        var run = CreateTaker(store, "worker-a", clock).TakeLeasesAsync();

        // The owner renews while the scan is under way, so the scanned counters are stale by the time of the take.
        foreach (var lease in held)
        {
            Assert.NotNull(await store.TryRenewLeaseAsync(lease));
        }

        clock.Advance(scanTime);
        var (taken, _) = await run;

        Assert.Equal("worker-a", Assert.Single(taken).LeaseOwner);
        Assert.Equal(1, store.Calls(LeaseStoreOperation.GetLease) - keys.Count);
        Assert.Equal(0, store.ConditionFailures(LeaseStoreOperation.TakeLease));
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task TakeLeases_LeaseDeletedSinceSeen_ForgottenAndNotCounted()
    {
        var clock = new FakeTimeProvider();
        var (store, keys) = await InMemoryLeases.CreateAsync(4, clock);
        var taker = CreateTaker(store, "worker-a", clock);
        Assert.Equal(4, (await taker.TakeLeasesAsync()).Taken.Count);

        await store.DeleteLeaseAsync(keys[0]);
        await taker.TakeLeasesAsync();

        Assert.Equal(3, taker.LastPlan!.TotalLeases);
    }

    [Theory(Timeout = TestTimeouts.Unit)]
    [InlineData(true)]
    [InlineData(false)]
    public async Task TakeLeases_LeaseOfTheOtherKindInTheTable_NeverTakenNorCountedAndWarnedOncePerKey(bool multiStream)
    {
        // A multi-stream worker cannot process a single-stream lease (no stream identity), nor a single-stream worker a
        // multi-stream one (its key is no shard id): taken, it would be renewed for ever and never read.
        var clock = new FakeTimeProvider();
        var store = new InMemoryLeaseRefresher(clock, tableExists: true);
        var stream = new StreamIdentifier("123456789012", "orders", 1700000000);
        var single = Lease.CreateNew("shardId-000000000000", ExtendedSequenceNumber.TrimHorizon);
        var multi = Lease.CreateNew("shardId-000000000001", ExtendedSequenceNumber.TrimHorizon).InStream(stream);
        Assert.True(await store.CreateLeaseIfNotExistsAsync(single));
        Assert.True(await store.CreateLeaseIfNotExistsAsync(multi));
        var (mine, other) = multiStream ? (multi, single) : (single, multi);
        var logs = new FakeLogCollector();
        var taker = new LeaseTaker(store, "worker-a", new LeaseManagementOptions(), clock, new FakeLogger(logs), new Random(7), multiStream);

        var (taken, _) = await taker.TakeLeasesAsync();
        var (takenLater, _) = await taker.TakeLeasesAsync();

        Assert.Equal(mine.LeaseKey, Assert.Single(taken).LeaseKey);
        Assert.Empty(takenLater);
        Assert.Null((await store.GetLeaseAsync(other.LeaseKey))!.LeaseOwner);
        Assert.Equal(1, taker.LastPlan!.TotalLeases);
        var warning = Assert.Single(logs.GetSnapshot(), r => r.Id.Id == 2025);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains(other.LeaseKey, warning.Message, StringComparison.Ordinal);
        Assert.Contains("ApplicationName", warning.Message, StringComparison.Ordinal);
    }

    private static LeaseTaker CreateTaker(ILeaseRefresher store, string workerId, TimeProvider clock, LeaseManagementOptions? options = null, int seed = 7) =>
        new(store, workerId, options ?? new LeaseManagementOptions(), clock, NullLogger.Instance, new Random(seed));
}
