using Microsoft.Extensions.Logging;

namespace Kinesis.Client.Leases;

/// <summary>
/// Takes leases toward an even spread across workers, with the rules of the KCL 2.x <c>DynamoDBLeaseTaker</c>:
/// each run scans the table, notices leases whose counter has not moved for the failover time (as observed by this
/// worker's own successive scans), takes very old leases first (if enabled), then expired or unowned leases up to the
/// target, and only when none is available steals from the single most loaded worker.
/// Between runs, <see cref="WatchAsync"/> re-reads the leases other workers hold (no scan) every
/// <see cref="WatchInterval"/>, so the last change of a dead worker's counter is seen within one watch interval and its
/// leases are taken right after they expire by the same rule, instead of at the next regular run.
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
    private readonly List<string> watched = [];
    private readonly bool multiStream;
    private readonly HashSet<string> otherKindReported = new(StringComparer.Ordinal);

    // multiStream: whether this worker reads leases of a multi-stream application (they carry a stream identity). Leases of
    // the other kind in the table are never taken, counted or watched, and each is logged once: taken, they would be
    // renewed but never processed.
    public LeaseTaker(ILeaseRefresher refresher, string workerId, LeaseManagementOptions options, TimeProvider timeProvider, ILogger logger, Random? random = null, bool multiStream = false)
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
        this.multiStream = multiStream;
        renewalInterval = options.RenewalInterval.Value;
        WatchInterval = options.FailoverTime / WatchIntervalsPerFailoverTime;
    }

    /// <summary>
    /// How many watch reads fit in one failover time: with the default 10 s, a dead worker's last renewal is seen
    /// within 1 s, so its leases are taken within about 1 s of their expiry.
    /// </summary>
    public const int WatchIntervalsPerFailoverTime = 10;

    // How long after a watched lease's expiry its watch is scheduled: strictly after it (as IsOlderThan requires), and
    // at least a timer's resolution, so the loop never waits for less than a millisecond.
    private static readonly TimeSpan WatchAfterExpiry = TimeSpan.FromMilliseconds(1);

    /// <summary>The pause between two watch reads: <see cref="LeaseManagementOptions.FailoverTime"/> / <see cref="WatchIntervalsPerFailoverTime"/>.</summary>
    public TimeSpan WatchInterval { get; }

    /// <summary>How many leases of other workers <see cref="WatchAsync"/> re-reads (chosen at the last regular run).</summary>
    public int WatchedCount => watched.Count;

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

        ChooseWatched();
        return await TakePlannedAsync(ComputeLeasesToTake(scanTime, watching: false), scanDuration, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Re-reads the leases of other workers chosen at the last regular run (one batched read, no scan) and takes those
    /// that have now expired by the same rule as the regular run (counter unchanged for the failover time since this
    /// worker first saw it), within the same target; never steals. Does nothing when no watched lease expired.
    /// </summary>
    /// <returns>The leases taken, owned by this worker, and the timestamp taken before the takes were sent.</returns>
    public async Task<(IReadOnlyList<Lease> Taken, long TakenTimestamp)> WatchAsync(CancellationToken cancellationToken = default)
    {
        var anyAvailable = false;
        if (watched.Count == 0)
        {
            return ([], timeProvider.GetTimestamp());
        }

        // One batched read for all watched leases: up to MaxWatchedLeases single reads every watch interval would be most
        // of an idle worker's cost.
        IReadOnlyDictionary<string, Lease?> read;
        try
        {
            read = await refresher.GetLeasesAsync(watched, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LeaseLog.WatchReadFailed(logger, WorkerId, watched.Count, ex);
            return ([], timeProvider.GetTimestamp());
        }

        var readTime = timeProvider.GetTimestamp();
        foreach (var key in watched)
        {
            if (!read.TryGetValue(key, out var lease))
            {
                // Left unread by the store (throttled): read again at the next watch or taker run.
                continue;
            }

            if (lease is null)
            {
                allLeases.Remove(key);
                continue;
            }

            var lastIncrement = allLeases.TryGetValue(key, out var old) && old.Lease.LeaseCounter == lease.LeaseCounter ? old.LastCounterIncrement : readTime;
            var observed = new ObservedLease(lease, lastIncrement);
            allLeases[key] = observed;
            anyAvailable |= lease.LeaseOwner is null || IsOlderThan(observed, readTime, options.FailoverTime);
        }

        if (!anyAvailable)
        {
            return ([], timeProvider.GetTimestamp());
        }

        var now = timeProvider.GetTimestamp();
        ChooseWatched();
        return await TakePlannedAsync(ComputeLeasesToTake(now, watching: true), TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// When the next watch read is due: one <see cref="WatchInterval"/> after <paramref name="lastWatch"/>, or just after
    /// the earliest expiry of a watched lease if that comes first; <see langword="null"/> when nothing is watched.
    /// </summary>
    public long? NextWatchDue(long lastWatch)
    {
        if (watched.Count == 0)
        {
            return null;
        }

        var frequency = timeProvider.TimestampFrequency;
        var due = lastWatch + (long)(WatchInterval.TotalSeconds * frequency);
        foreach (var key in watched)
        {
            if (allLeases.TryGetValue(key, out var observed) && observed.LastCounterIncrement is { } last)
            {
                // An expiry already passed (a lease left to other workers, beyond this worker's share) is read again at
                // the watch interval.
                var expiry = last + (long)((options.FailoverTime + WatchAfterExpiry).TotalSeconds * frequency);
                if (expiry > lastWatch)
                {
                    due = Math.Min(due, expiry);
                }
            }
        }

        return due;
    }

    private async Task<(IReadOnlyList<Lease> Taken, long TakenTimestamp)> TakePlannedAsync(LeaseTakePlan plan, TimeSpan scanDuration, CancellationToken cancellationToken)
    {
        if (plan.TotalLeases > 0 && plan.Workers > 0)
        {
            var fairShare = (plan.TotalLeases / plan.Workers) + (plan.TotalLeases % plan.Workers == 0 ? 0 : 1);
            plan = plan with { Spillover = Math.Max(0, fairShare - options.MaxLeasesForWorker) };
        }

        LastPlan = plan;
        if (plan.ToTake.Count == 0)
        {
            return ([], timeProvider.GetTimestamp());
        }

        LeaseLog.TakePlan(logger, WorkerId, plan.TotalLeases, plan.AvailableLeases, plan.Workers, plan.Target, plan.MyLeases, plan.ToTake.Count, plan.Stealing ? plan.ToTake.Count : 0);
        var toTake = plan.ToTake;
        if (plan.Stealing && scanDuration > renewalInterval / 2)
        {
            toTake = await RefreshStaleAsync(toTake, cancellationToken).ConfigureAwait(false);
        }

        var takenTimestamp = timeProvider.GetTimestamp();
        var taken = new List<Lease>(toTake.Count);
        var queue = new Queue<Lease>(toTake);
        var spares = new Queue<Lease>(plan.Spares);
        while (queue.TryDequeue(out var lease))
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
            else if (spares.TryDequeue(out var spare))
            {
                // Another worker that saw the same expiry took this one first: try another available lease instead,
                // so workers noticing a failover at the same moment share the dead worker's leases instead of all
                // racing for the same few and leaving the rest to the next run.
                queue.Enqueue(spare);
            }
        }

        return (taken, takenTimestamp);
    }

    // The leases of other workers to re-read between regular runs (a random subset of at most MaxWatchedLeases; none when 0).
    private void ChooseWatched()
    {
        watched.Clear();
        foreach (var (key, observed) in allLeases)
        {
            var owner = observed.Lease.LeaseOwner;
            if (owner is not null && !string.Equals(owner, WorkerId, StringComparison.Ordinal))
            {
                watched.Add(key);
            }
        }

        if (watched.Count > options.MaxWatchedLeases)
        {
            for (var i = watched.Count - 1; i > 0; i--)
            {
                var j = random.Next(i + 1);
                (watched[i], watched[j]) = (watched[j], watched[i]);
            }

            watched.RemoveRange(options.MaxWatchedLeases, watched.Count - options.MaxWatchedLeases);
        }
    }

    private void UpdateAllLeases(IReadOnlyList<Lease> scanned, long scanTime)
    {
        var notSeen = new HashSet<string>(allLeases.Keys, StringComparer.Ordinal);
        foreach (var lease in scanned)
        {
            if ((lease.StreamIdentifier is not null) != multiStream)
            {
                if (otherKindReported.Add(lease.LeaseKey))
                {
                    LeaseLog.OtherKindOfLease(logger, WorkerId, lease.LeaseKey, multiStream ? "multi-stream" : "single-stream", multiStream ? "single-stream" : "multi-stream");
                }

                continue;
            }

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

    private LeaseTakePlan ComputeLeasesToTake(long now, bool watching)
    {
        var available = new List<Lease>();
        var leaseCounts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var observed in allLeases.Values)
        {
            var owner = observed.Lease.LeaseOwner;

            // A watch does not re-read this worker's own leases, so their observation is as old as the last scan; the
            // renewer keeps them (or drops them, and the next scan shows it).
            var own = watching && string.Equals(owner, WorkerId, StringComparison.Ordinal);
            if (owner is null || (!own && IsOlderThan(observed, now, options.FailoverTime)))
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
                if (IsOlderThan(observed, now, veryOldAge) && !(watching && string.Equals(observed.Lease.LeaseOwner, WorkerId, StringComparison.Ordinal)))
                {
                    veryOld.Add(observed.Lease);
                }
            }

            if (veryOld.Count > 0)
            {
                // Very old leases are taken ignoring the target, within the per-worker maximum.
                Shuffle(veryOld);
                var count = Math.Max(0, Math.Min(options.MaxLeasesForWorker - myCount, veryOld.Count));
                return new LeaseTakePlan(veryOld.GetRange(0, count), numLeases, available.Count, numWorkers, target, myCount, false) { Spares = veryOld.GetRange(count, veryOld.Count - count) };
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
            var count = Math.Min(needed, available.Count);
            return new LeaseTakePlan(available.GetRange(0, count), numLeases, available.Count, numWorkers, target, myCount, false) { Spares = available.GetRange(count, available.Count - count) };
        }

        if (watching)
        {
            return new LeaseTakePlan([], numLeases, 0, numWorkers, target, myCount, false);
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
