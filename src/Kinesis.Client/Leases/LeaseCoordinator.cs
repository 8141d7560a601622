using Kinesis.Core.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kinesis.Client.Leases;

/// <summary>
/// Runs this worker's lease renewer and taker loops and reports lease changes. The renewer runs every
/// <see cref="LeaseManagementOptions.RenewalInterval"/> (at a fixed rate); the taker runs at once, then with a pause of
/// <see cref="LeaseManagementOptions.TakerInterval"/> after each run; in between, the taker re-reads the leases of other
/// workers every <see cref="LeaseManagementOptions.FailoverTime"/> / 10 (and just after the earliest expiry) and takes
/// the ones that expired at once, so a dead worker's leases move within about FailoverTime + 1 s of its last renewal
/// instead of up to twice the failover time later. A loop iteration that fails is logged (event ids 2030/2031) and
/// the loop continues.
/// </summary>
/// <remarks>
/// <see cref="LeaseAcquired"/> and <see cref="LeaseLost"/> are raised on the loop (or caller) thread that noticed the
/// change, one at a time per loop; handlers must be quick (hand the work to the scheduler) and an exception they throw
/// is logged and ignored. Safe for concurrent use.
/// </remarks>
internal sealed class LeaseCoordinator : IAsyncDisposable
{
    private readonly ILeaseRefresher refresher;
    private readonly LeaseRenewer renewer;
    private readonly LeaseTaker taker;
    private readonly LeaseManagementOptions options;
    private readonly TimeProvider timeProvider;
    private readonly ILogger logger;
    private readonly ConsumerMetrics? metrics;
    private static readonly TimeSpan MinimumWait = TimeSpan.FromMilliseconds(1);
    private readonly SemaphoreSlim takerGate = new(1, 1);
    private readonly object stateLock = new();
    private CancellationTokenSource? renewerStop;
    private CancellationTokenSource? takerStop;
    private Task renewerLoop = Task.CompletedTask;
    private Task takerLoop = Task.CompletedTask;
    private int lostSinceLastRenewal;

    public LeaseCoordinator(
        ILeaseRefresher refresher,
        string workerId,
        LeaseManagementOptions options,
        TimeProvider timeProvider,
        ILoggerFactory? loggerFactory = null,
        Random? random = null,
        ConsumerMetrics? metrics = null,
        bool multiStream = false)
    {
        ArgumentNullException.ThrowIfNull(refresher);
        ArgumentException.ThrowIfNullOrEmpty(workerId);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        options.Validate();
        this.refresher = refresher;
        this.options = options;
        this.timeProvider = timeProvider;
        this.metrics = metrics;
        logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<LeaseCoordinator>();
        WorkerId = workerId;
        renewer = new LeaseRenewer(refresher, workerId, options, timeProvider, logger);
        taker = new LeaseTaker(refresher, workerId, options, timeProvider, logger, random, multiStream);
        renewer.LeaseLost += (_, e) =>
        {
            if (e.Reason is LeaseLostReason.RenewalRejected or LeaseLostReason.LocallyExpired or LeaseLostReason.UpdateRejected)
            {
                Interlocked.Increment(ref lostSinceLastRenewal);
            }

            Raise(LeaseLost, nameof(LeaseLost), e.HeldLease.LeaseKey, e);
        };
        CheckpointWriter = new LeaseCheckpointWriter(renewer, refresher);
    }

    /// <summary>Raised after this worker took a lease; start a shard consumer with the lease's concurrency token.</summary>
    public event EventHandler<LeaseAcquiredEventArgs>? LeaseAcquired;

    /// <summary>Raised when a lease is lost, expired locally, released or dropped; stop the shard's consumer.</summary>
    public event EventHandler<LeaseLostEventArgs>? LeaseLost;

    public string WorkerId { get; }

    public ILeaseRefresher Refresher => refresher;

    public LeaseCheckpointWriter CheckpointWriter { get; }

    /// <summary>The outcome of the last taker run.</summary>
    public LeaseTakePlan? LastTakePlan => taker.LastPlan;

    /// <summary>Creates the lease table when it is absent and waits until it is ACTIVE.</summary>
    public Task InitializeAsync(CancellationToken cancellationToken = default) => refresher.CreateTableIfNotExistsAsync(cancellationToken);

    /// <summary>Starts the renewer and taker loops; does nothing when they run already.</summary>
    public void Start()
    {
        lock (stateLock)
        {
            if (renewerStop is null)
            {
                renewerStop = new CancellationTokenSource();
                renewerLoop = RunRenewerLoopAsync(renewerStop.Token);
            }

            if (takerStop is null)
            {
                takerStop = new CancellationTokenSource();
                takerLoop = RunTakerLoopAsync(takerStop.Token);
            }
        }
    }

    /// <summary>The leases held now and not expired locally.</summary>
    public IReadOnlyList<HeldLease> GetHeldLeases() => renewer.GetHeldLeases();

    /// <summary>Whether the acquisition identified by <paramref name="concurrencyToken"/> still holds <paramref name="leaseKey"/>.</summary>
    public bool IsHeld(string leaseKey, Guid concurrencyToken) => renewer.IsHeld(leaseKey, concurrencyToken);

    /// <summary>One renewal round (the loop's body), for tests and for callers driving time themselves.</summary>
    public async Task RenewLeasesAsync(CancellationToken cancellationToken = default)
    {
        var start = timeProvider.GetTimestamp();
        var succeeded = false;
        try
        {
            await renewer.RenewAllAsync(cancellationToken).ConfigureAwait(false);
            succeeded = true;
        }
        finally
        {
            // Losses noticed between passes (a rejected checkpoint) count toward the next pass, as in the KCL's renewer.
            metrics?.RenewAllLeasesCompleted(succeeded, timeProvider.GetElapsedTime(start), renewer.GetHeldLeases().Count, Interlocked.Exchange(ref lostSinceLastRenewal, 0));
        }
    }

    /// <summary>One taker run (the loop's body): takes leases, starts renewing them and raises <see cref="LeaseAcquired"/>.</summary>
    /// <returns>The new acquisitions.</returns>
    public async Task<IReadOnlyList<HeldLease>> TakeLeasesAsync(CancellationToken cancellationToken = default)
    {
        await takerGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        var start = timeProvider.GetTimestamp();
        var succeeded = false;
        var takenCount = 0;
        try
        {
            var (taken, takenTimestamp) = await taker.TakeLeasesAsync(cancellationToken).ConfigureAwait(false);
            var acquired = Acquire(taken, takenTimestamp);
            succeeded = true;
            takenCount = acquired.Count;
            return acquired;
        }
        finally
        {
            takerGate.Release();
            metrics?.TakeLeasesCompleted(succeeded, timeProvider.GetElapsedTime(start), takenCount, succeeded ? taker.LastPlan?.Spillover ?? 0 : 0);
        }
    }

    /// <summary>
    /// One watch between taker runs: re-reads the leases of other workers seen at the last taker run and takes those
    /// that expired since, then starts renewing them and raises <see cref="LeaseAcquired"/>. No scan.
    /// </summary>
    /// <returns>The new acquisitions.</returns>
    public async Task<IReadOnlyList<HeldLease>> WatchLeasesAsync(CancellationToken cancellationToken = default)
    {
        await takerGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var (taken, takenTimestamp) = await taker.WatchAsync(cancellationToken).ConfigureAwait(false);
            return Acquire(taken, takenTimestamp);
        }
        finally
        {
            takerGate.Release();
        }
    }

    /// <summary>When the next watch is due (a <see cref="TimeProvider"/> timestamp), given the last one; <see langword="null"/> when no lease of another worker is watched.</summary>
    public async Task<long?> NextWatchDueAsync(long lastWatch, CancellationToken cancellationToken = default)
    {
        // Under the taker's gate: a taker run called from outside the loop may be updating the observations.
        await takerGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return taker.NextWatchDue(lastWatch);
        }
        finally
        {
            takerGate.Release();
        }
    }

    private IReadOnlyList<HeldLease> Acquire(IReadOnlyList<Lease> taken, long takenTimestamp)
    {
        var acquired = renewer.AddLeases(taken, takenTimestamp);
        foreach (var lease in acquired)
        {
            LeaseLog.LeaseAcquired(logger, WorkerId, lease.LeaseKey, lease.Lease.LeaseCounter);
            Raise(LeaseAcquired, nameof(LeaseAcquired), lease.LeaseKey, new LeaseAcquiredEventArgs(lease));
        }

        return acquired;
    }

    /// <summary>Releases one lease (after its consumer checkpointed and stopped) so another worker can take it at once.</summary>
    public Task<bool> ReleaseLeaseAsync(string leaseKey, CancellationToken cancellationToken = default) => renewer.ReleaseLeaseAsync(leaseKey, cancellationToken);

    /// <summary>Stops renewing a lease without writing (for example after its shard ended).</summary>
    public bool DropLease(string leaseKey) => renewer.DropLease(leaseKey);

    /// <summary>Stops the taker loop (no new leases) while renewals continue; used at the start of a graceful shutdown.</summary>
    public Task StopTakingAsync() => StopLoopAsync(isTaker: true);

    /// <summary>
    /// Graceful hand-over: stops taking leases, then clears this worker as owner of every held lease so other workers
    /// take them at their next taker run instead of waiting for the failover time. Call after the shard consumers
    /// checkpointed and stopped.
    /// </summary>
    /// <returns>How many leases were released in the table.</returns>
    public async Task<int> ReleaseAllLeasesAsync(CancellationToken cancellationToken = default)
    {
        await StopLoopAsync(isTaker: true).ConfigureAwait(false);
        await takerGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await renewer.ReleaseAllAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            takerGate.Release();
        }
    }

    /// <summary>Stops both loops. Held leases are not released (use <see cref="ReleaseAllLeasesAsync"/> first for a graceful hand-over); they are dropped and expire for other workers after the failover time.</summary>
    public async Task StopAsync()
    {
        await StopLoopAsync(isTaker: true).ConfigureAwait(false);
        await StopLoopAsync(isTaker: false).ConfigureAwait(false);
        foreach (var lease in renewer.GetHeldLeases())
        {
            renewer.DropLease(lease.LeaseKey);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    private async Task StopLoopAsync(bool isTaker)
    {
        CancellationTokenSource? stop;
        Task loop;
        lock (stateLock)
        {
            stop = isTaker ? takerStop : renewerStop;
            loop = isTaker ? takerLoop : renewerLoop;
            if (isTaker)
            {
                takerStop = null;
            }
            else
            {
                renewerStop = null;
            }
        }

        if (stop is null)
        {
            return;
        }

        await stop.CancelAsync().ConfigureAwait(false);
        await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        stop.Dispose();
    }

    private async Task RunRenewerLoopAsync(CancellationToken cancellationToken)
    {
        await Task.Yield();
        using var timer = new PeriodicTimer(options.RenewalInterval.Value, timeProvider);
        do
        {
            try
            {
                await RenewLeasesAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LeaseLog.RenewLoopFailed(logger, WorkerId, ex);
            }
        }
        while (await WaitTickAsync(timer, cancellationToken).ConfigureAwait(false));
    }

    private async Task RunTakerLoopAsync(CancellationToken cancellationToken)
    {
        await Task.Yield();
        var takerInterval = options.TakerInterval.Value;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await TakeLeasesAsync(cancellationToken).ConfigureAwait(false);
                var nextRun = timeProvider.GetTimestamp() + (long)(takerInterval.TotalSeconds * timeProvider.TimestampFrequency);
                var lastWatch = timeProvider.GetTimestamp();

                // Until the next regular run, watch the other workers' leases (no scan) so an expiry is acted on at once.
                while (true)
                {
                    var now = timeProvider.GetTimestamp();
                    var due = await NextWatchDueAsync(lastWatch, cancellationToken).ConfigureAwait(false) is { } watch && watch < nextRun ? watch : nextRun;
                    if (due > now)
                    {
                        // Never below a timer's resolution: a shorter delay fires at once and would spin.
                        var wait = timeProvider.GetElapsedTime(now, due);
                        await Task.Delay(wait < MinimumWait ? MinimumWait : wait, timeProvider, cancellationToken).ConfigureAwait(false);
                    }

                    if (due >= nextRun)
                    {
                        break;
                    }

                    lastWatch = timeProvider.GetTimestamp();
                    await WatchLeasesAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LeaseLog.TakerLoopFailed(logger, WorkerId, ex);
                await Task.Delay(takerInterval, timeProvider, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private static async Task<bool> WaitTickAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private void Raise<TArgs>(EventHandler<TArgs>? handler, string eventName, string leaseKey, TArgs args)
    {
        try
        {
            handler?.Invoke(this, args);
        }
        catch (Exception ex)
        {
            LeaseLog.EventHandlerFailed(logger, eventName, leaseKey, ex);
        }
    }
}
