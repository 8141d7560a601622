using Kinesis.Client;
using Kinesis.Client.Leases;

namespace Kinesis.Benchmarks.Leases;

/// <summary>
/// A fleet of workers running the real <see cref="LeaseCoordinator"/> (taker + renewer) on one
/// <see cref="InMemoryLeaseRefresher"/> and a <see cref="SimulationClock"/>. Each worker renews at a fixed rate every
/// renewal interval and runs its taker a taker interval after the previous run ended, as the coordinator's loops do.
/// Scans, reads and takes take simulated time (so concurrent takers race as against DynamoDB); renewals are instant
/// (they run through Parallel.ForEachAsync, which the simulation awaits before moving time on).
/// </summary>
internal sealed class LeaseSimulation
{
    private static readonly TimeSpan SampleInterval = TimeSpan.FromSeconds(1);

    private readonly LeaseSimulationSettings settings;
    private readonly LeaseManagementOptions options;
    private readonly SimulationClock clock = new();
    private readonly InMemoryLeaseRefresher store;
    private readonly List<Task> blocking = [];
    private readonly List<SimulatedWorker> workers = [];
    private readonly Random random;
    private int nextWorker;
    private int escapedContinuations;
    private long steals;
    private long takerErrors;
    private long ownerlessLeaseSeconds;
    private int peakLeasesOnOneWorker;
    private TimeSpan? balancedAt;
    private readonly Dictionary<LeaseLostReason, long> losses = [];

    public LeaseSimulation(LeaseSimulationSettings settings)
    {
        this.settings = settings;
        options = new LeaseManagementOptions
        {
            MaxLeasesToStealAtOneTime = settings.MaxLeasesToStealAtOneTime,
            EnablePriorityLeaseAssignment = settings.PriorityLeaseAssignment,
        };
        random = new Random(settings.Seed);
        store = new InMemoryLeaseRefresher(clock, tableExists: true) { Latency = Latency };
    }

    public TimeSpan Now => clock.Elapsed;

    /// <summary>Creates the unowned leases at once (no simulated time).</summary>
    public void CreateLeases()
    {
        var lease = (int i) => Lease.CreateNew($"shardId-{i:D12}", ExtendedSequenceNumber.TrimHorizon);
        for (var i = 0; i < settings.Shards; i++)
        {
            if (!store.CreateLeaseIfNotExistsAsync(lease(i)).IsCompletedSuccessfully)
            {
                throw new InvalidOperationException("Lease creation has no simulated latency and completes at once.");
            }
        }

        clock.At(Now + SampleInterval, Sample);
    }

    /// <summary>Starts <paramref name="count"/> new workers (new worker ids), each at a random moment within <see cref="LeaseSimulationSettings.StartSpread"/> from now.</summary>
    public void StartWorkers(int count)
    {
        for (var i = 0; i < count; i++)
        {
            var index = nextWorker++;
            var worker = new SimulatedWorker($"worker-{index:D4}", new LeaseCoordinator(store, $"worker-{index:D4}", options, clock, random: new Random(settings.Seed + index)));
            worker.Coordinator.LeaseLost += (_, e) => CountLoss(e.Reason);
            workers.Add(worker);
            var start = Now + (settings.StartSpread * random.NextDouble());
            clock.At(start, () => Renew(worker));
            clock.At(start, () => Take(worker));
        }
    }

    /// <summary>Kills <paramref name="count"/> random live workers like kill -9: no release, in-flight calls abandoned.</summary>
    public void KillWorkers(int count)
    {
        var alive = workers.Where(w => w.Alive).OrderBy(_ => random.Next()).Take(count).ToList();
        foreach (var worker in alive)
        {
            worker.Alive = false;
            worker.Stop.Cancel();
        }
    }

    /// <summary>Runs until <paramref name="until"/> (simulated).</summary>
    public async Task RunUntilAsync(TimeSpan until)
    {
        while (true)
        {
            ScopedThread = Environment.CurrentManagedThreadId;
            if (!clock.TryFireNext(until))
            {
                return;
            }

            if (blocking.Count > 0)
            {
                await Task.WhenAll(blocking).ConfigureAwait(false);
                blocking.Clear();
            }
        }
    }

    /// <summary>Runs until the live workers are balanced (or <paramref name="limit"/> passed).</summary>
    /// <returns>Simulated time from now to balance, or <see langword="null"/> when not balanced within the limit.</returns>
    public async Task<TimeSpan?> RunUntilBalancedAsync(TimeSpan limit)
    {
        var start = Now;
        balancedAt = null;
        var end = start + limit;
        while (balancedAt is null && Now < end)
        {
            await RunUntilAsync(Now + SampleInterval > end ? end : Now + SampleInterval).ConfigureAwait(false);
        }

        return balancedAt - start;
    }

    public LeaseSimulationCounters Counters() => new(
        Now,
        store.WriteCalls,
        store.Calls(LeaseStoreOperation.RenewLease),
        store.Calls(LeaseStoreOperation.TakeLease),
        store.ConditionFailures(LeaseStoreOperation.TakeLease),
        store.Calls(LeaseStoreOperation.ListLeases),
        store.Calls(LeaseStoreOperation.GetLease) + store.Calls(LeaseStoreOperation.GetLeases),
        Interlocked.Read(ref steals),
        Interlocked.Read(ref ownerlessLeaseSeconds),
        LossCount(LeaseLostReason.RenewalRejected),
        LossCount(LeaseLostReason.LocallyExpired),
        Interlocked.Read(ref takerErrors),
        Interlocked.Exchange(ref peakLeasesOnOneWorker, 0));

    /// <summary>Taker continuations that did not run inline on the simulation thread (0 for a faithful run).</summary>
    public int EscapedContinuations => escapedContinuations;

    private int ScopedThread { get; set; }

    private TimeSpan Latency(LeaseStoreOperation operation, int items) => operation switch
    {
        LeaseStoreOperation.ListLeases => settings.ScanBaseLatency + (settings.ScanLatencyPerThousandItems * (items / 1000.0)),
        LeaseStoreOperation.GetLease or LeaseStoreOperation.GetLeases => settings.ReadLatency,
        LeaseStoreOperation.TakeLease => settings.WriteLatency,
        _ => TimeSpan.Zero,
    };

    private void Renew(SimulatedWorker worker)
    {
        if (!worker.Alive)
        {
            return;
        }

        blocking.Add(RenewAsync(worker));
        clock.At(Now + options.RenewalInterval!.Value, () => Renew(worker));
    }

    private static async Task RenewAsync(SimulatedWorker worker)
    {
        try
        {
            await worker.Coordinator.RenewLeasesAsync(worker.Stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (worker.Stop.IsCancellationRequested)
        {
        }
    }

    private void Take(SimulatedWorker worker)
    {
        if (worker.Alive)
        {
            _ = TakeAsync(worker);
        }
    }

    private async Task TakeAsync(SimulatedWorker worker)
    {
        try
        {
            var acquired = await worker.Coordinator.TakeLeasesAsync(worker.Stop.Token).ConfigureAwait(false);
            if (worker.Coordinator.LastTakePlan is { Stealing: true })
            {
                Interlocked.Add(ref steals, acquired.Count);
            }
        }
        catch (OperationCanceledException) when (worker.Stop.IsCancellationRequested)
        {
            return;
        }
        catch (Exception)
        {
            Interlocked.Increment(ref takerErrors);
        }

        if (Environment.CurrentManagedThreadId != ScopedThread)
        {
            Interlocked.Increment(ref escapedContinuations);
        }

        if (worker.Alive)
        {
            clock.At(Now + options.TakerInterval!.Value, () => Take(worker));
        }
    }

    private void Sample()
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var lease in store.Snapshot())
        {
            var owner = lease.LeaseOwner ?? string.Empty;
            counts[owner] = counts.GetValueOrDefault(owner) + 1;
        }

        var alive = 0;
        var ownedByLive = 0;
        var peak = 0;
        var min = int.MaxValue;
        foreach (var worker in workers)
        {
            if (worker.Alive)
            {
                alive++;
                var n = counts.GetValueOrDefault(worker.Id);
                ownedByLive += n;
                peak = Math.Max(peak, n);
                min = Math.Min(min, n);
            }
        }

        var ownerless = settings.Shards - ownedByLive;
        Interlocked.Add(ref ownerlessLeaseSeconds, ownerless);
        peakLeasesOnOneWorker = Math.Max(peakLeasesOnOneWorker, peak);
        if (alive > 0 && ownerless == 0 && min >= settings.Shards / alive && peak <= (settings.Shards + alive - 1) / alive)
        {
            balancedAt ??= Now;
        }

        clock.At(Now + SampleInterval, Sample);
    }

    private void CountLoss(LeaseLostReason reason)
    {
        lock (losses)
        {
            losses[reason] = losses.GetValueOrDefault(reason) + 1;
        }
    }

    private long LossCount(LeaseLostReason reason)
    {
        lock (losses)
        {
            return losses.GetValueOrDefault(reason);
        }
    }

    private sealed class SimulatedWorker(string id, LeaseCoordinator coordinator)
    {
        public string Id { get; } = id;

        public LeaseCoordinator Coordinator { get; } = coordinator;

        public CancellationTokenSource Stop { get; } = new();

        public bool Alive { get; set; } = true;
    }
}
