using System.Collections.Concurrent;
using Kinesis.Client.Leases;
using Kinesis.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Kinesis.Client.Tests.Leases;

/// <summary>Taker, renewer and checkpoint writer driven round by round on a manual clock with the default KCL timings.</summary>
[Collection(LocalAwsCollection.Name)]
public sealed class LeaseBalancingTests(LocalAwsFixture fixture)
{
    private static readonly TimeSpan RenewalInterval = new LeaseManagementOptions().RenewalInterval!.Value;
    private static readonly TimeSpan FailoverTime = LeaseManagementOptions.DefaultFailoverTime;

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task TakeLeases_ThreeWorkersSixLeases_ConvergeToTwoEach()
    {
        using var env = new LeaseTestEnvironment(fixture);
        var refresher = await env.CreateTableAsync();
        await LeaseTestEnvironment.CreateLeasesAsync(refresher, 6);
        var clock = new FakeTimeProvider();
        var workers = new[] { env.CreateCoordinator("worker-a", clock, 1), env.CreateCoordinator("worker-b", clock, 2), env.CreateCoordinator("worker-c", clock, 3) };

        var rounds = 0;
        while (!await IsBalancedAsync(refresher, workers, 2) && rounds < 10)
        {
            rounds++;
            foreach (var worker in workers)
            {
                await worker.TakeLeasesAsync();
            }

            clock.Advance(RenewalInterval);
            foreach (var worker in workers)
            {
                await worker.RenewLeasesAsync();
            }
        }

        Assert.True(await IsBalancedAsync(refresher, workers, 2), $"not balanced after {rounds} rounds");
        foreach (var worker in workers)
        {
            Assert.Equal(2, worker.GetHeldLeases().Count);
        }
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task TakeLeases_WorkerStopsRenewing_OtherWorkerTakesItsLeasesOnlyAfterFailoverTime()
    {
        using var env = new LeaseTestEnvironment(fixture);
        var refresher = await env.CreateTableAsync();
        await LeaseTestEnvironment.CreateLeasesAsync(refresher, 4);
        var clock = new FakeTimeProvider();
        var a = env.CreateCoordinator("worker-a", clock, 1);
        var b = env.CreateCoordinator("worker-b", clock, 2);
        for (var round = 0; round < 5 && !await IsBalancedAsync(refresher, [a, b], 2); round++)
        {
            await a.TakeLeasesAsync();
            await b.TakeLeasesAsync();
            clock.Advance(RenewalInterval);
            await a.RenewLeasesAsync();
            await b.RenewLeasesAsync();
        }

        Assert.True(await IsBalancedAsync(refresher, [a, b], 2));

        // worker-a stops (crashed): no more renewals. worker-b keeps renewing and running its taker.
        var stoppedAt = clock.GetUtcNow();
        TimeSpan? takenAfter = null;
        for (var step = 0; step < 10 && takenAfter is null; step++)
        {
            clock.Advance(RenewalInterval);
            await b.RenewLeasesAsync();
            await b.TakeLeasesAsync();
            if (b.GetHeldLeases().Count == 4)
            {
                takenAfter = clock.GetUtcNow() - stoppedAt;
            }
        }

        Assert.NotNull(takenAfter);
        Assert.True(takenAfter > FailoverTime, $"taken after {takenAfter}");
        Assert.All(await refresher.ListLeasesAsync(), lease => Assert.Equal("worker-b", lease.LeaseOwner));
        Assert.Empty(a.GetHeldLeases());
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task TakeLeases_NothingAvailable_StealsOneLeaseFromMostLoadedWorker()
    {
        using var env = new LeaseTestEnvironment(fixture);
        var refresher = await env.CreateTableAsync();
        var keys = await LeaseTestEnvironment.CreateLeasesAsync(refresher, 6);
        await AssignAsync(refresher, keys.Take(4), "worker-a");
        await AssignAsync(refresher, keys.Skip(4), "worker-c");
        var b = env.CreateCoordinator("worker-b", new FakeTimeProvider(), 7);

        var acquired = await b.TakeLeasesAsync();

        var stolen = Assert.Single(acquired);
        Assert.True(b.LastTakePlan!.Stealing);
        Assert.Equal(2, b.LastTakePlan.Target);
        Assert.Contains(stolen.LeaseKey, keys.Take(4));
        var leases = await refresher.ListLeasesAsync();
        Assert.Equal(3, leases.Count(l => l.LeaseOwner == "worker-a"));
        Assert.Equal(2, leases.Count(l => l.LeaseOwner == "worker-c"));
        Assert.Equal(1, leases.Single(l => l.LeaseKey == stolen.LeaseKey).OwnerSwitchesSinceCheckpoint);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task TakeLeases_MaxLeasesToStealAtOneTimeTwo_StealsTwoFromMostLoadedWorkerOnly()
    {
        var options = LeaseTestEnvironment.CreateOptions();
        options.MaxLeasesToStealAtOneTime = 2;
        using var env = new LeaseTestEnvironment(fixture, options);
        var refresher = await env.CreateTableAsync();
        var keys = await LeaseTestEnvironment.CreateLeasesAsync(refresher, 8);
        await AssignAsync(refresher, keys.Take(6), "worker-a");
        await AssignAsync(refresher, keys.Skip(6), "worker-c");
        var b = env.CreateCoordinator("worker-b", new FakeTimeProvider(), 7);

        var acquired = await b.TakeLeasesAsync();

        Assert.Equal(2, acquired.Count);
        Assert.All(acquired, lease => Assert.Contains(lease.LeaseKey, keys.Take(6)));
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task TakeLeases_UnownedLeaseAvailable_TakesItInsteadOfStealing()
    {
        var options = LeaseTestEnvironment.CreateOptions();
        options.EnablePriorityLeaseAssignment = false;
        using var env = new LeaseTestEnvironment(fixture, options);
        var refresher = await env.CreateTableAsync();
        var keys = await LeaseTestEnvironment.CreateLeasesAsync(refresher, 6);
        await AssignAsync(refresher, keys.Take(5), "worker-a");
        var b = env.CreateCoordinator("worker-b", new FakeTimeProvider(), 7);

        var acquired = await b.TakeLeasesAsync();

        Assert.Equal(keys[5], Assert.Single(acquired).LeaseKey);
        Assert.False(b.LastTakePlan!.Stealing);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task TakeLeases_MaxLeasesForWorker_CapsTakenLeases()
    {
        var options = LeaseTestEnvironment.CreateOptions();
        options.MaxLeasesForWorker = 2;
        using var env = new LeaseTestEnvironment(fixture, options);
        var refresher = await env.CreateTableAsync();
        await LeaseTestEnvironment.CreateLeasesAsync(refresher, 5);
        var a = env.CreateCoordinator("worker-a", new FakeTimeProvider(), 1);

        Assert.Equal(2, (await a.TakeLeasesAsync()).Count);
        Assert.Empty(await a.TakeLeasesAsync());
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task ReleaseAllLeases_GracefulShutdown_OtherWorkerTakesThemAtOnce()
    {
        using var env = new LeaseTestEnvironment(fixture);
        var refresher = await env.CreateTableAsync();
        await LeaseTestEnvironment.CreateLeasesAsync(refresher, 4);
        var clock = new FakeTimeProvider();
        var a = env.CreateCoordinator("worker-a", clock, 1);
        var b = env.CreateCoordinator("worker-b", clock, 2);
        var lost = new ConcurrentBag<LeaseLostEventArgs>();
        a.LeaseLost += (_, e) => lost.Add(e);
        Assert.Equal(4, (await a.TakeLeasesAsync()).Count);

        // worker-b has seen worker-a's leases as owned and live (it steals one toward the balance target of 2).
        Assert.Single(await b.TakeLeasesAsync());

        // worker-a has not renewed since, so it does not know about the steal: 3 of its 4 evictions succeed.
        Assert.Equal(3, await a.ReleaseAllLeasesAsync());
        var acquired = await b.TakeLeasesAsync();

        Assert.Equal(3, acquired.Count);
        Assert.Equal(4, b.GetHeldLeases().Count);
        Assert.Empty(a.GetHeldLeases());
        Assert.Equal(3, lost.Count(e => e.Reason == LeaseLostReason.Released));
        Assert.Equal(1, lost.Count(e => e.Reason == LeaseLostReason.UpdateRejected));
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task RenewLeases_LeaseStolen_RaisesLeaseLostAndCheckpointThrowsLeaseLost()
    {
        using var env = new LeaseTestEnvironment(fixture);
        var refresher = await env.CreateTableAsync();
        var keys = await LeaseTestEnvironment.CreateLeasesAsync(refresher, 1);
        var clock = new FakeTimeProvider();
        var a = env.CreateCoordinator("worker-a", clock, 1);
        var lost = new ConcurrentBag<LeaseLostEventArgs>();
        a.LeaseLost += (_, e) => lost.Add(e);
        var held = Assert.Single(await a.TakeLeasesAsync());
        Assert.NotNull(await refresher.TryTakeLeaseAsync(held.Lease, "worker-b"));

        clock.Advance(RenewalInterval);
        await a.RenewLeasesAsync();

        Assert.Equal(LeaseLostReason.RenewalRejected, Assert.Single(lost).Reason);
        Assert.False(a.IsHeld(keys[0], held.ConcurrencyToken));
        var error = await Assert.ThrowsAsync<LeaseLostException>(() => a.CheckpointWriter.CheckpointAsync(keys[0], held.ConcurrencyToken, ExtendedSequenceNumber.Latest));
        Assert.Equal(keys[0], error.LeaseKey);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task Checkpoint_LeaseStolenSinceLastRenewal_ThrowsLeaseLostAndRaisesLeaseLost()
    {
        using var env = new LeaseTestEnvironment(fixture);
        var refresher = await env.CreateTableAsync();
        var keys = await LeaseTestEnvironment.CreateLeasesAsync(refresher, 1);
        var a = env.CreateCoordinator("worker-a", new FakeTimeProvider(), 1);
        var lost = new ConcurrentBag<LeaseLostEventArgs>();
        a.LeaseLost += (_, e) => lost.Add(e);
        var held = Assert.Single(await a.TakeLeasesAsync());
        Assert.NotNull(await refresher.TryTakeLeaseAsync(held.Lease, "worker-b"));

        await Assert.ThrowsAsync<LeaseLostException>(() => a.CheckpointWriter.CheckpointAsync(keys[0], held.ConcurrencyToken, ExtendedSequenceNumber.Latest));

        Assert.Equal(LeaseLostReason.UpdateRejected, Assert.Single(lost).Reason);
        Assert.Equal(ExtendedSequenceNumber.TrimHorizon, (await refresher.GetLeaseAsync(keys[0]))!.Checkpoint);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task Checkpoint_HeldLease_WritesCheckpointAndCountsAsRenewal()
    {
        using var env = new LeaseTestEnvironment(fixture);
        var refresher = await env.CreateTableAsync();
        var keys = await LeaseTestEnvironment.CreateLeasesAsync(refresher, 1);
        var clock = new FakeTimeProvider();
        var a = env.CreateCoordinator("worker-a", clock, 1);
        var held = Assert.Single(await a.TakeLeasesAsync());
        var counterAtTake = held.Lease.LeaseCounter;
        var position = new ExtendedSequenceNumber("49590338271490256608559692538361571095921575989136588898", 1);

        clock.Advance(FailoverTime - TimeSpan.FromSeconds(1));
        await a.CheckpointWriter.PrepareCheckpointAsync(keys[0], held.ConcurrencyToken, position, new byte[] { 4, 2 });
        await a.CheckpointWriter.CheckpointAsync(keys[0], held.ConcurrencyToken, position);
        clock.Advance(TimeSpan.FromSeconds(2));

        Assert.True(a.IsHeld(keys[0], held.ConcurrencyToken));
        var stored = await refresher.GetLeaseAsync(keys[0]);
        Assert.Equal(position, stored!.Checkpoint);
        Assert.Null(stored.PendingCheckpoint);
        Assert.Equal(counterAtTake + 2, stored.LeaseCounter);
        await Assert.ThrowsAsync<LeaseLostException>(() => a.CheckpointWriter.CheckpointAsync(keys[0], Guid.NewGuid(), position));
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task MarkShardEnd_HeldLease_WritesShardEndAndChildShards()
    {
        using var env = new LeaseTestEnvironment(fixture);
        var refresher = await env.CreateTableAsync();
        var keys = await LeaseTestEnvironment.CreateLeasesAsync(refresher, 1);
        var a = env.CreateCoordinator("worker-a", new FakeTimeProvider(), 1);
        var held = Assert.Single(await a.TakeLeasesAsync());

        await a.CheckpointWriter.MarkShardEndAsync(keys[0], held.ConcurrencyToken, ["shardId-000000000008", "shardId-000000000009"]);

        var stored = await refresher.GetLeaseAsync(keys[0]);
        Assert.True(stored!.Checkpoint!.IsShardEnd);
        Assert.Equal(["shardId-000000000008", "shardId-000000000009"], stored.ChildShardIds.Order(StringComparer.Ordinal));
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task RenewLeases_DynamoDbUnreachableBeyondFailoverTime_LeaseLostLocally()
    {
        using var env = new LeaseTestEnvironment(fixture);
        var refresher = await env.CreateTableAsync();
        await LeaseTestEnvironment.CreateLeasesAsync(refresher, 2);
        var clock = new FakeTimeProvider();
        var logs = new FakeLogCollector();
        using var loggerFactory = new LoggerFactory([new FakeLoggerProvider(logs)]);
        var a = env.CreateCoordinator("worker-a", clock, 1, loggerFactory);
        var lost = new ConcurrentBag<LeaseLostEventArgs>();
        a.LeaseLost += (_, e) => lost.Add(e);
        Assert.Equal(2, (await a.TakeLeasesAsync()).Count);
        env.Handler.FailEverything = true;

        clock.Advance(RenewalInterval);
        await a.RenewLeasesAsync();
        Assert.Equal(2, a.GetHeldLeases().Count);
        Assert.Contains(logs.GetSnapshot(), r => r.Id.Id == 2011);

        clock.Advance(FailoverTime - RenewalInterval + TimeSpan.FromMilliseconds(1));
        Assert.Empty(a.GetHeldLeases());
        await a.RenewLeasesAsync();

        Assert.Equal(2, lost.Count(e => e.Reason == LeaseLostReason.LocallyExpired));
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task RenewLeases_RenewalHangsPastFailoverTime_AbandonsItAndLosesLeaseLocally()
    {
        using var env = new LeaseTestEnvironment(fixture);
        var refresher = await env.CreateTableAsync();
        await LeaseTestEnvironment.CreateLeasesAsync(refresher, 1);
        var clock = new FakeTimeProvider();
        var a = env.CreateCoordinator("worker-a", clock, 1);
        var lost = new ConcurrentBag<LeaseLostEventArgs>();
        a.LeaseLost += (_, e) => lost.Add(e);
        Assert.Single(await a.TakeLeasesAsync());
        var neverReleased = new TaskCompletionSource();
        env.Handler.HoldUpdates = neverReleased.Task;
        env.Handler.ResetCounts();

        clock.Advance(RenewalInterval);
        var renewal = a.RenewLeasesAsync();
        await Eventually.HoldsAsync(() => env.Handler.Count("UpdateItem") == 1, TimeSpan.FromSeconds(20), "renewal sent");
        clock.Advance(FailoverTime);
        await renewal;

        Assert.Equal(LeaseLostReason.LocallyExpired, Assert.Single(lost).Reason);
        Assert.Empty(a.GetHeldLeases());
    }

    private static async Task AssignAsync(DynamoDbLeaseRefresher refresher, IEnumerable<string> keys, string owner)
    {
        foreach (var key in keys)
        {
            var lease = await refresher.GetLeaseAsync(key);
            Assert.NotNull(await refresher.TryTakeLeaseAsync(lease!, owner));
        }
    }

    private static async Task<bool> IsBalancedAsync(DynamoDbLeaseRefresher refresher, IReadOnlyList<LeaseCoordinator> workers, int each)
    {
        var leases = await refresher.ListLeasesAsync();
        return workers.All(w => leases.Count(l => l.LeaseOwner == w.WorkerId) == each);
    }
}
