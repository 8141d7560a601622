using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Kinesis.Client.Leases;

/// <summary>
/// Keeps this worker's leases alive (KCL 2.x renewer). <see cref="RenewAllAsync"/> renews every held lease in
/// parallel with a conditional counter increment. A rejected renewal loses the lease at once; a lease that has not
/// been renewed within the failover time is lost locally, even when DynamoDB could not be reached, so a worker never
/// keeps processing a shard beyond its failover window. Losses are reported through <see cref="LeaseLost"/>.
/// </summary>
/// <remarks>Safe for concurrent use; writes to one lease are serialized.</remarks>
internal sealed class LeaseRenewer
{
    private readonly ConcurrentDictionary<string, HeldLease> held = new(StringComparer.Ordinal);
    private readonly ILeaseRefresher refresher;
    private readonly TimeProvider timeProvider;
    private readonly TimeSpan failoverTime;
    private readonly TimeSpan renewalInterval;
    private readonly int maxConcurrentRenewals;
    private readonly ILogger logger;

    public LeaseRenewer(ILeaseRefresher refresher, string workerId, LeaseManagementOptions options, TimeProvider timeProvider, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(refresher);
        ArgumentException.ThrowIfNullOrEmpty(workerId);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        this.refresher = refresher;
        WorkerId = workerId;
        failoverTime = options.FailoverTime;
        renewalInterval = options.RenewalInterval.Value;
        maxConcurrentRenewals = options.MaxConcurrentRenewals;
        this.timeProvider = timeProvider;
        this.logger = logger;
    }

    /// <summary>Raised (on the thread that noticed) when a lease is lost or released. A handler exception is logged and ignored.</summary>
    public event EventHandler<LeaseLostEventArgs>? LeaseLost;

    public string WorkerId { get; }

    /// <summary>The leases held and not expired locally, in no particular order.</summary>
    public IReadOnlyList<HeldLease> GetHeldLeases()
    {
        var now = timeProvider.GetTimestamp();
        var result = new List<HeldLease>(held.Count);
        foreach (var lease in held.Values)
        {
            if (!IsExpired(lease, now))
            {
                result.Add(lease);
            }
        }

        return result;
    }

    /// <summary>Whether the acquisition identified by <paramref name="concurrencyToken"/> still holds the lease and it has not expired locally.</summary>
    public bool IsHeld(string leaseKey, Guid concurrencyToken) =>
        held.TryGetValue(leaseKey, out var lease) && lease.ConcurrencyToken == concurrencyToken && !IsExpired(lease, timeProvider.GetTimestamp());

    /// <summary>Starts renewing leases the taker just took, as of <paramref name="takenTimestamp"/> (taken before the take was sent).</summary>
    /// <returns>The new acquisitions.</returns>
    public IReadOnlyList<HeldLease> AddLeases(IEnumerable<Lease> leases, long takenTimestamp)
    {
        ArgumentNullException.ThrowIfNull(leases);
        var added = new List<HeldLease>();
        foreach (var lease in leases)
        {
            if (!string.Equals(lease.LeaseOwner, WorkerId, StringComparison.Ordinal))
            {
                throw new ArgumentException($"Lease '{lease.LeaseKey}' is owned by '{lease.LeaseOwner}', not by this worker '{WorkerId}'.", nameof(leases));
            }

            var acquisition = new HeldLease(lease, takenTimestamp);
            HeldLease? previous = null;
            held.AddOrUpdate(lease.LeaseKey, acquisition, (_, old) =>
            {
                previous = old;
                return acquisition;
            });
            if (previous is not null)
            {
                RaiseLost(previous, LeaseLostReason.Reacquired);
            }

            added.Add(acquisition);
        }

        return added;
    }

    /// <summary>Renews every held lease, <see cref="LeaseManagementOptions.MaxConcurrentRenewals"/> at a time; never throws except for cancellation.</summary>
    public async Task RenewAllAsync(CancellationToken cancellationToken = default)
    {
        var leases = held.Values.ToArray();
        if (leases.Length <= maxConcurrentRenewals)
        {
            // All at once, each started on this thread and running until its request is sent: the renewer's one wake-up
            // starts the round, instead of a thread-pool work item (and possibly a thread woken) per lease.
            var renewals = new Task[leases.Length];
            for (var i = 0; i < leases.Length; i++)
            {
                renewals[i] = RenewAsync(leases[i], cancellationToken);
            }

            await Task.WhenAll(renewals).ConfigureAwait(false);
            return;
        }

        var parallel = new ParallelOptions { MaxDegreeOfParallelism = maxConcurrentRenewals, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(leases, parallel, (lease, ct) => new ValueTask(RenewAsync(lease, ct))).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs a conditional write on a held lease under its lock, for the checkpointer: the write receives the current
    /// lease and returns the updated one, or <see langword="null"/> when its condition failed. A successful write
    /// counts as a renewal.
    /// </summary>
    /// <exception cref="LeaseLostException">The acquisition no longer holds the lease, it expired locally, or the write's condition failed.</exception>
    public async Task<Lease> UpdateLeaseAsync(string leaseKey, Guid concurrencyToken, Func<Lease, CancellationToken, Task<Lease?>> write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        if (!held.TryGetValue(leaseKey, out var lease) || lease.ConcurrencyToken != concurrencyToken)
        {
            throw NotHeld(leaseKey);
        }

        await lease.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!IsCurrent(lease))
            {
                throw NotHeld(leaseKey);
            }

            var start = timeProvider.GetTimestamp();
            if (IsExpired(lease, start))
            {
                Lose(lease, LeaseLostReason.LocallyExpired);
                throw NotHeld(leaseKey);
            }

            var updated = await write(lease.Lease, cancellationToken).ConfigureAwait(false);
            if (updated is null)
            {
                Lose(lease, LeaseLostReason.UpdateRejected);
                throw new LeaseLostException(leaseKey, $"Lease '{leaseKey}' was changed by another worker; this worker '{WorkerId}' no longer holds it.");
            }

            lease.Lease = updated;
            lease.LastRenewalTimestamp = start;
            return updated;
        }
        finally
        {
            lease.Gate.Release();
        }
    }

    /// <summary>Releases one held lease: clears its owner in the table (so another worker can take it at once) and stops renewing it.</summary>
    /// <returns>Whether the table was updated; <see langword="false"/> when the lease was not held or had already changed.</returns>
    public async Task<bool> ReleaseLeaseAsync(string leaseKey, CancellationToken cancellationToken = default)
    {
        if (!held.TryGetValue(leaseKey, out var lease))
        {
            return false;
        }

        await lease.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!IsCurrent(lease))
            {
                return false;
            }

            Lease? evicted = null;
            LeaseLostReason reason;
            try
            {
                evicted = await refresher.TryEvictLeaseAsync(lease.Lease, cancellationToken).ConfigureAwait(false);
                reason = evicted is null ? LeaseLostReason.UpdateRejected : LeaseLostReason.Released;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // Given up locally all the same; other workers take the lease after the failover time.
                LeaseLog.ReleaseFailed(logger, WorkerId, leaseKey, ex);
                reason = LeaseLostReason.Released;
            }

            Lose(lease, reason);
            if (evicted is not null)
            {
                LeaseLog.LeaseReleased(logger, WorkerId, leaseKey);
            }

            return evicted is not null;
        }
        finally
        {
            lease.Gate.Release();
        }
    }

    /// <summary>Releases every held lease in parallel.</summary>
    /// <returns>How many leases were released in the table.</returns>
    public async Task<int> ReleaseAllAsync(CancellationToken cancellationToken = default)
    {
        var keys = held.Keys.ToArray();
        var releases = new Task<bool>[keys.Length];
        for (var i = 0; i < keys.Length; i++)
        {
            releases[i] = ReleaseLeaseAsync(keys[i], cancellationToken);
        }

        var results = await Task.WhenAll(releases).ConfigureAwait(false);
        return results.Count(released => released);
    }

    /// <summary>Stops renewing a lease without writing to the table (it expires for others after the failover time).</summary>
    public bool DropLease(string leaseKey)
    {
        if (!held.TryGetValue(leaseKey, out var lease))
        {
            return false;
        }

        return Lose(lease, LeaseLostReason.Dropped);
    }

    private async Task RenewAsync(HeldLease lease, CancellationToken cancellationToken)
    {
        await lease.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!IsCurrent(lease))
            {
                return;
            }

            var start = timeProvider.GetTimestamp();
            var elapsed = timeProvider.GetElapsedTime(lease.LastRenewalTimestamp, start);
            if (elapsed > failoverTime)
            {
                Lose(lease, LeaseLostReason.LocallyExpired);
                return;
            }

            // The renewal (with its retries) must not outlive the lease: past the failover time another worker may
            // legitimately hold it, so a late success would be meaningless.
            using var deadline = new CancellationTokenSource(failoverTime - elapsed, timeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
            Lease? renewed;
            try
            {
                renewed = await refresher.TryRenewLeaseAsync(lease.Lease, linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                Lose(lease, LeaseLostReason.LocallyExpired);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LeaseLog.RenewFailed(logger, WorkerId, lease.LeaseKey, ex);
                if (IsExpired(lease, timeProvider.GetTimestamp()))
                {
                    Lose(lease, LeaseLostReason.LocallyExpired);
                }

                return;
            }

            if (renewed is null)
            {
                Lose(lease, LeaseLostReason.RenewalRejected);
                return;
            }

            var sinceLastRenewal = timeProvider.GetElapsedTime(lease.LastRenewalTimestamp);
            lease.Lease = renewed;
            lease.LastRenewalTimestamp = start;
            if (sinceLastRenewal > 2 * renewalInterval)
            {
                // At least one renewal was missed (a slow or failing lease table, a starved thread pool): the lease came
                // close to expiring for the other workers, which take it once its counter stood still for the failover time.
                LeaseLog.RenewedLate(logger, WorkerId, lease.LeaseKey, sinceLastRenewal, renewalInterval, failoverTime);
            }
        }
        finally
        {
            lease.Gate.Release();
        }
    }

    private bool IsExpired(HeldLease lease, long now) => timeProvider.GetElapsedTime(lease.LastRenewalTimestamp, now) > failoverTime;

    private bool IsCurrent(HeldLease lease) => held.TryGetValue(lease.LeaseKey, out var current) && ReferenceEquals(current, lease);

    private bool Lose(HeldLease lease, LeaseLostReason reason)
    {
        if (!held.TryRemove(new KeyValuePair<string, HeldLease>(lease.LeaseKey, lease)))
        {
            return false;
        }

        if (reason != LeaseLostReason.Released)
        {
            LeaseLog.LeaseLost(logger, WorkerId, lease.LeaseKey, reason);
        }

        RaiseLost(lease, reason);
        return true;
    }

    private void RaiseLost(HeldLease lease, LeaseLostReason reason)
    {
        try
        {
            LeaseLost?.Invoke(this, new LeaseLostEventArgs(lease, reason));
        }
        catch (Exception ex)
        {
            LeaseLog.EventHandlerFailed(logger, nameof(LeaseLost), lease.LeaseKey, ex);
        }
    }

    private LeaseLostException NotHeld(string leaseKey) =>
        new(leaseKey, $"Worker '{WorkerId}' does not hold lease '{leaseKey}' (lost, expired, released, or acquired again since).");
}
