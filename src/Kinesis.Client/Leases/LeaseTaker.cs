using Microsoft.Extensions.Logging;

namespace Kinesis.Client.Leases;

/// <summary>
/// Takes leases toward an even spread across workers, with the rules of the KCL 2.x <c>DynamoDBLeaseTaker</c>:
/// each run scans the table, notices leases whose counter has not moved for the failover time (as observed by this
/// worker's own successive scans), takes very old leases first (if enabled), then expired or unowned leases up to the
/// target, and only when none is available steals from the single most loaded worker.
/// </summary>
/// <remarks>Not safe for concurrent use: one taker run at a time (the coordinator's loop guarantees it).</remarks>
internal sealed class LeaseTaker
{
    private readonly Dictionary<string, ObservedLease> allLeases = new(StringComparer.Ordinal);
    private readonly ILeaseRefresher refresher;
    private readonly LeaseManagementOptions options;
    private readonly TimeProvider timeProvider;
    private readonly ILogger logger;
    private readonly Random random;
    private readonly TimeSpan renewalInterval;

    public LeaseTaker(ILeaseRefresher refresher, string workerId, LeaseManagementOptions options, TimeProvider timeProvider, ILogger logger, Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(refresher);
        ArgumentException.ThrowIfNullOrEmpty(workerId);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        this.refresher = refresher;
        WorkerId = workerId;
        this.options = options;
        this.timeProvider = timeProvider;
        this.logger = logger;
        this.random = random ?? Random.Shared;
        renewalInterval = options.RenewalInterval!.Value;
    }

    public string WorkerId { get; }

    /// <summary>The outcome of the last run, for metrics and tests.</summary>
    public LeaseTakePlan? LastPlan { get; private set; }

    /// <summary>Scans the table and takes leases. Failed conditional takes (another worker was faster) are normal and skipped.</summary>
    /// <returns>The leases taken, owned by this worker, and the timestamp taken before the takes were sent.</returns>
    /// <exception cref="Exception">The scan failed after retries (the caller logs it and tries again next run).</exception>
    public async Task<(IReadOnlyList<Lease> Taken, long TakenTimestamp)> TakeLeasesAsync(CancellationToken cancellationToken = default)
    {
        var scanStart = timeProvider.GetTimestamp();
        var scanned = await refresher.ListLeasesAsync(cancellationToken).ConfigureAwait(false);

        // Stamp changes with the time the scan ended: the renewal we observe happened no later than that, so
        // expiry measured from here is never earlier than the owner's own.
        var scanTime = timeProvider.GetTimestamp();
        var scanDuration = timeProvider.GetElapsedTime(scanStart, scanTime);
        UpdateAllLeases(scanned, scanTime);

        var plan = ComputeLeasesToTake(scanTime);
        if (plan.TotalLeases > 0 && plan.Workers > 0)
        {
            var fairShare = (plan.TotalLeases / plan.Workers) + (plan.TotalLeases % plan.Workers == 0 ? 0 : 1);
            plan = plan with { Spillover = Math.Max(0, fairShare - options.MaxLeasesForWorker) };
        }

        LastPlan = plan;
        if (plan.ToTake.Count == 0)
        {
            return ([], scanTime);
        }

        LeaseLog.TakePlan(logger, WorkerId, plan.TotalLeases, plan.AvailableLeases, plan.Workers, plan.Target, plan.MyLeases, plan.ToTake.Count, plan.Stealing ? plan.ToTake.Count : 0);
        var toTake = plan.ToTake;
        if (plan.Stealing && scanDuration > renewalInterval / 2)
        {
            toTake = await RefreshStaleAsync(toTake, cancellationToken).ConfigureAwait(false);
        }

        var takenTimestamp = timeProvider.GetTimestamp();
        var taken = new List<Lease>(toTake.Count);
        foreach (var lease in toTake)
        {
            // The renewer counts every lease taken here as renewed at takenTimestamp. Past one renewal interval the
            // next take would start its life close to expiry (a cold start offers thousands of leases at ~10 ms a
            // take), so the rest is left to the next run.
            if (timeProvider.GetElapsedTime(takenTimestamp) > renewalInterval)
            {
                break;
            }

            Lease? result;
            try
            {
                result = await refresher.TryTakeLeaseAsync(lease, WorkerId, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LeaseLog.TakeFailed(logger, WorkerId, lease.LeaseKey, ex);
                continue;
            }

            if (result is not null)
            {
                if (plan.Stealing)
                {
                    LeaseLog.LeaseStolen(logger, WorkerId, result.LeaseKey, lease.LeaseOwner);
                }

                taken.Add(result);
                allLeases[result.LeaseKey] = new ObservedLease(result, timeProvider.GetTimestamp());
            }
        }

        return (taken, takenTimestamp);
    }

    private void UpdateAllLeases(IReadOnlyList<Lease> scanned, long scanTime)
    {
        var notSeen = new HashSet<string>(allLeases.Keys, StringComparer.Ordinal);
        foreach (var lease in scanned)
        {
            notSeen.Remove(lease.LeaseKey);
            long? lastIncrement;
            if (allLeases.TryGetValue(lease.LeaseKey, out var old))
            {
                lastIncrement = old.Lease.LeaseCounter == lease.LeaseCounter ? old.LastCounterIncrement : scanTime;
            }
            else
            {
                // A new unowned lease was never renewed (counts as very old); a new owned one as renewed now.
                lastIncrement = lease.LeaseOwner is null ? null : scanTime;
            }

            allLeases[lease.LeaseKey] = new ObservedLease(lease, lastIncrement);
        }

        foreach (var key in notSeen)
        {
            allLeases.Remove(key);
        }
    }

    private LeaseTakePlan ComputeLeasesToTake(long now)
    {
        var available = new List<Lease>();
        var leaseCounts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var observed in allLeases.Values)
        {
            var owner = observed.Lease.LeaseOwner;
            if (owner is null || IsOlderThan(observed, now, options.FailoverTime))
            {
                available.Add(observed.Lease);
            }
            else
            {
                leaseCounts[owner] = leaseCounts.GetValueOrDefault(owner) + 1;
            }
        }

        leaseCounts.TryAdd(WorkerId, 0);
        var numLeases = allLeases.Count;
        var numWorkers = leaseCounts.Count;
        var myCount = leaseCounts[WorkerId];
        if (numLeases == 0)
        {
            return new LeaseTakePlan([], 0, 0, numWorkers, 0, myCount, false);
        }

        int target;
        if (numWorkers >= numLeases)
        {
            target = 1;
        }
        else
        {
            target = (numLeases / numWorkers) + (numLeases % numWorkers == 0 ? 0 : 1);
            if (target > options.MaxLeasesForWorker)
            {
                LeaseLog.LeaseSpillover(logger, WorkerId, target, options.MaxLeasesForWorker, target - options.MaxLeasesForWorker);
                target = options.MaxLeasesForWorker;
            }
        }

        if (options.EnablePriorityLeaseAssignment)
        {
            var veryOld = new List<Lease>();
            var veryOldAge = options.FailoverTime * options.VeryOldLeaseMultiplier;
            foreach (var observed in allLeases.Values)
            {
                if (IsOlderThan(observed, now, veryOldAge))
                {
                    veryOld.Add(observed.Lease);
                }
            }

            if (veryOld.Count > 0)
            {
                // Very old leases are taken ignoring the target, within the per-worker maximum.
                Shuffle(veryOld);
                var count = Math.Max(0, Math.Min(options.MaxLeasesForWorker - myCount, veryOld.Count));
                return new LeaseTakePlan(veryOld.GetRange(0, count), numLeases, available.Count, numWorkers, target, myCount, false);
            }
        }

        var needed = target - myCount;
        if (needed <= 0)
        {
            return new LeaseTakePlan([], numLeases, available.Count, numWorkers, target, myCount, false);
        }

        if (available.Count > 0)
        {
            Shuffle(available);
            return new LeaseTakePlan(available.GetRange(0, Math.Min(needed, available.Count)), numLeases, available.Count, numWorkers, target, myCount, false);
        }

        var toSteal = ChooseLeasesToSteal(leaseCounts, needed, target);
        return new LeaseTakePlan(toSteal, numLeases, 0, numWorkers, target, myCount, toSteal.Count > 0);
    }

    private List<Lease> ChooseLeasesToSteal(Dictionary<string, int> leaseCounts, int needed, int target)
    {
        string? mostLoaded = null;
        var mostLoadedCount = -1;
        foreach (var (worker, count) in leaseCounts)
        {
            if (count > mostLoadedCount)
            {
                mostLoaded = worker;
                mostLoadedCount = count;
            }
        }

        var numToSteal = 0;
        if (mostLoadedCount >= target && needed > 0)
        {
            numToSteal = Math.Min(needed, mostLoadedCount - target);

            // A worker at the target still gives one up to a worker that needs more than one.
            if (needed > 1 && numToSteal == 0)
            {
                numToSteal = 1;
            }

            numToSteal = Math.Min(numToSteal, options.MaxLeasesToStealAtOneTime);
        }

        if (numToSteal <= 0)
        {
            return [];
        }

        var candidates = new List<Lease>();
        foreach (var observed in allLeases.Values)
        {
            if (string.Equals(observed.Lease.LeaseOwner, mostLoaded, StringComparison.Ordinal))
            {
                candidates.Add(observed.Lease);
            }
        }

        Shuffle(candidates);
        return candidates.GetRange(0, Math.Min(numToSteal, candidates.Count));
    }

    // A slow scan may hold stale counters for the leases to steal; re-read them so the conditional take can succeed.
    private async Task<IReadOnlyList<Lease>> RefreshStaleAsync(IReadOnlyList<Lease> leases, CancellationToken cancellationToken)
    {
        var refreshed = new List<Lease>(leases.Count);
        foreach (var lease in leases)
        {
            try
            {
                refreshed.Add(await refresher.GetLeaseAsync(lease.LeaseKey, cancellationToken).ConfigureAwait(false) ?? lease);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LeaseLog.StealRefreshFailed(logger, WorkerId, lease.LeaseKey, ex);
                refreshed.Add(lease);
            }
        }

        return refreshed;
    }

    private bool IsOlderThan(ObservedLease observed, long now, TimeSpan age) =>
        observed.LastCounterIncrement is not { } last || timeProvider.GetElapsedTime(last, now) > age;

    private void Shuffle(List<Lease> leases)
    {
        for (var i = leases.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (leases[i], leases[j]) = (leases[j], leases[i]);
        }
    }

    /// <summary>A scanned lease and the timestamp its counter was last seen to change (<see langword="null"/>: never).</summary>
    private readonly record struct ObservedLease(Lease Lease, long? LastCounterIncrement);
}

/// <summary>What one taker run decided.</summary>
/// <param name="ToTake">The leases to take (or steal).</param>
/// <param name="TotalLeases">Leases in the table.</param>
/// <param name="AvailableLeases">Unowned or expired leases.</param>
/// <param name="Workers">Distinct owners of non-expired leases, plus this worker.</param>
/// <param name="Target">Leases per worker aimed at.</param>
/// <param name="MyLeases">Non-expired leases this worker owned at the scan.</param>
/// <param name="Stealing">Whether <paramref name="ToTake"/> are stolen from the most loaded worker.</param>
internal sealed record LeaseTakePlan(IReadOnlyList<Lease> ToTake, int TotalLeases, int AvailableLeases, int Workers, int Target, int MyLeases, bool Stealing)
{
    /// <summary>Leases above <see cref="LeaseManagementOptions.MaxLeasesForWorker"/> that the fair share would have given this worker.</summary>
    public int Spillover { get; init; }
}
