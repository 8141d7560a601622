using System.Collections.Concurrent;
using Kinesis.Client.Leases;
using Kinesis.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Kinesis.Client.Tests.Leases;

[Collection(LocalAwsCollection.Name)]
public sealed class LeaseCoordinatorTests(LocalAwsFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task Start_Loops_AcquireRenewAndSurviveFailures()
    {
        // The loops on the real clock with short timings: failover 2 s, renewal every ~0.6 s, taker every 0.3 s.
        var options = LeaseTestEnvironment.CreateOptions();
        options.FailoverTime = TimeSpan.FromSeconds(2);
        options.TakerInterval = TimeSpan.FromMilliseconds(300);
        using var env = new LeaseTestEnvironment(fixture, options);
        var logs = new FakeLogCollector();
        using var loggerFactory = new LoggerFactory([new FakeLoggerProvider(logs)]);
        var coordinator = new LeaseCoordinator(env.CreateRefresher(), "worker-a", options, TimeProvider.System, loggerFactory);
        await coordinator.InitializeAsync();
        await LeaseTestEnvironment.CreateLeasesAsync(coordinator.Refresher, 2);
        var acquired = new ConcurrentBag<string>();
        var lost = new ConcurrentBag<LeaseLostEventArgs>();
        coordinator.LeaseAcquired += (_, e) => acquired.Add(e.HeldLease.LeaseKey);
        coordinator.LeaseLost += (_, e) => lost.Add(e);
        coordinator.LeaseAcquired += (_, _) => throw new InvalidOperationException("a faulty handler");

        await using (coordinator)
        {
            coordinator.Start();
            await Eventually.HoldsAsync(() => acquired.Count == 2, Deadline, "both leases acquired");
            var counter = (await coordinator.Refresher.GetLeaseAsync("shardId-000000000000"))!.LeaseCounter;
            await Eventually.HoldsAsync(
                async () => (await coordinator.Refresher.GetLeaseAsync("shardId-000000000000"))!.LeaseCounter >= counter + 2,
                Deadline,
                "renewals move the counter");

            // Every scan fails for a while: the taker loop logs (2031) and keeps running.
            env.Handler.InjectFaults("Scan", 1_000);
            await Eventually.HoldsAsync(() => logs.GetSnapshot().Any(r => r.Id.Id == 2031), Deadline, "taker loop failure logged");
            env.Handler.InjectFaults("Scan", 0);
            await LeaseTestEnvironment.CreateLeasesAsync(coordinator.Refresher, 3);
            await Eventually.HoldsAsync(() => acquired.Count == 3, Deadline, "the new lease acquired after the failures");

            Assert.Contains(logs.GetSnapshot(), r => r.Id.Id == 2015);
            Assert.Empty(lost);
            Assert.Equal(3, coordinator.GetHeldLeases().Count);
            Assert.Equal(3, await coordinator.ReleaseAllLeasesAsync());
        }

        Assert.All(await coordinator.Refresher.ListLeasesAsync(), lease => Assert.Null(lease.LeaseOwner));
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task RenewLeasesAsync_LateThenStolen_LogsTakenRenewedLateStolenAndLostWithTheirEventIds()
    {
        using var env = new LeaseTestEnvironment(fixture);
        var clock = new FakeTimeProvider();
        var logsA = new FakeLogCollector();
        var logsB = new FakeLogCollector();
        using var loggerFactoryA = new LoggerFactory([new FakeLoggerProvider(logsA)]);
        using var loggerFactoryB = new LoggerFactory([new FakeLoggerProvider(logsB)]);
        await using var a = new LeaseCoordinator(env.CreateRefresher(), "worker-a", env.Options, clock, loggerFactoryA, new Random(1));
        await using var b = new LeaseCoordinator(env.CreateRefresher(), "worker-b", env.Options, clock, loggerFactoryB, new Random(2));
        await a.InitializeAsync();
        await LeaseTestEnvironment.CreateLeasesAsync(a.Refresher, 2);
        Assert.Equal(2, (await a.TakeLeasesAsync()).Count);
        Assert.True(logsA.GetSnapshot().Any(r => r.Id.Id == 2012), "lease taken");

        clock.Advance(env.Options.RenewalInterval!.Value);
        await a.RenewLeasesAsync();
        Assert.False(logsA.GetSnapshot().Any(r => r.Id.Id == 2017), "a renewal on time is not late");

        // Two renewals missed, still inside the failover time: renewed, but late.
        clock.Advance(env.Options.RenewalInterval.Value * 2.5);
        await a.RenewLeasesAsync();
        Assert.Equal(2, a.GetHeldLeases().Count);
        Assert.Contains(logsA.GetSnapshot(), e => e.Id.Id == 2017 && e.Level == LogLevel.Warning);

        var stolen = Assert.Single(await b.TakeLeasesAsync());
        Assert.Contains(logsB.GetSnapshot(), e => e.Id.Id == 2016 && e.Message.Contains("worker-a", StringComparison.Ordinal) && e.Message.Contains(stolen.LeaseKey, StringComparison.Ordinal));
        await a.RenewLeasesAsync();
        Assert.Contains(logsA.GetSnapshot(), e => e.Id.Id == 2010 && e.Message.Contains(stolen.LeaseKey, StringComparison.Ordinal) && e.Message.Contains("RenewalRejected", StringComparison.Ordinal));
    }

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task Start_ThreeWorkersOnRealClock_BalanceThenSurvivorsTakeOverStoppedWorker()
    {
        var options = LeaseTestEnvironment.CreateOptions();
        options.FailoverTime = TimeSpan.FromSeconds(3);
        options.TakerInterval = TimeSpan.FromMilliseconds(300);
        using var env = new LeaseTestEnvironment(fixture, options);
        var refresher = await env.CreateTableAsync();
        await LeaseTestEnvironment.CreateLeasesAsync(refresher, 6);
        var workers = new[] { "worker-a", "worker-b", "worker-c" }
            .Select((id, i) => env.CreateCoordinator(id, TimeProvider.System, i))
            .ToArray();

        foreach (var worker in workers)
        {
            worker.Start();
        }

        try
        {
            await Eventually.HoldsAsync(async () => await OwnedCountsAsync(refresher) is [2, 2, 2], TimeSpan.FromSeconds(90), "2 leases per worker");

            // worker-c crashes: its loops stop without releasing; the others take its leases after the failover time.
            await workers[2].StopAsync();
            await Eventually.HoldsAsync(
                async () => await OwnedCountsAsync(refresher) is [3, 3] && workers[0].GetHeldLeases().Count == 3 && workers[1].GetHeldLeases().Count == 3,
                TimeSpan.FromSeconds(90),
                "3 leases per surviving worker");
        }
        finally
        {
            foreach (var worker in workers)
            {
                await worker.DisposeAsync();
            }
        }
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task SteadyState_DefaultTimings_MeasuresLeaseTableCallsPerLeasePerMinute()
    {
        // Two workers share four leases; the clock is driven through one minute with the default KCL schedule:
        // each worker renews every RenewalInterval (fixed rate) and runs its taker every TakerInterval.
        using var env = new LeaseTestEnvironment(fixture);
        var refresher = await env.CreateTableAsync();
        const int leaseCount = 4;
        await LeaseTestEnvironment.CreateLeasesAsync(refresher, leaseCount);
        var clock = new FakeTimeProvider();
        var workers = new[] { env.CreateCoordinator("worker-a", clock, 1), env.CreateCoordinator("worker-b", clock, 2) };
        var renewal = env.Options.RenewalInterval!.Value;
        var taker = env.Options.TakerInterval!.Value;
        for (var round = 0; round < 6; round++)
        {
            foreach (var worker in workers)
            {
                await worker.TakeLeasesAsync();
            }

            clock.Advance(renewal);
            foreach (var worker in workers)
            {
                await worker.RenewLeasesAsync();
            }
        }

        Assert.All(workers, w => Assert.Equal(2, w.GetHeldLeases().Count));
        env.Handler.ResetCounts();
        var start = clock.GetUtcNow();
        var end = start + TimeSpan.FromMinutes(1);
        var nextRenewal = start + renewal;
        var nextTake = start + taker;
        var renewalRounds = 0;
        while (true)
        {
            var next = nextRenewal < nextTake ? nextRenewal : nextTake;
            if (next > end)
            {
                break;
            }

            clock.Advance(next - clock.GetUtcNow());
            if (next == nextRenewal)
            {
                renewalRounds++;
                foreach (var worker in workers)
                {
                    await worker.RenewLeasesAsync();
                }

                nextRenewal += renewal;
            }
            else
            {
                foreach (var worker in workers)
                {
                    Assert.Empty(await worker.TakeLeasesAsync());
                }

                nextTake += taker;
            }
        }

        var updates = env.Handler.Count("UpdateItem");
        var scans = env.Handler.Count("Scan");
        output.WriteLine($"Default timings: renewal {renewal.TotalMilliseconds} ms, taker {taker.TotalMilliseconds} ms, failover {env.Options.FailoverTime.TotalSeconds} s.");
        output.WriteLine($"One minute, {workers.Length} workers, {leaseCount} leases: {updates} UpdateItem (writes), {scans} Scan, {env.Handler.Count("GetItem")} GetItem, {env.Handler.Count("PutItem")} PutItem.");
        output.WriteLine($"Writes per lease per minute: {(double)updates / leaseCount:F2}; scans per worker per minute: {(double)scans / workers.Length:F2}.");
        Assert.Equal(renewalRounds * leaseCount, updates);
        Assert.All(await refresher.ListLeasesAsync(), lease => Assert.NotNull(lease.LeaseOwner));
    }

    private static async Task<int[]> OwnedCountsAsync(DynamoDbLeaseRefresher refresher)
    {
        var leases = await refresher.ListLeasesAsync();
        return [.. leases.Where(l => l.LeaseOwner is not null).GroupBy(l => l.LeaseOwner).Select(g => g.Count()).Order()];
    }
}
