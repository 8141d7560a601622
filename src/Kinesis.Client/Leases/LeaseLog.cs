using Microsoft.Extensions.Logging;

namespace Kinesis.Client.Leases;

/// <summary>Log messages of the lease layer. Event ids 2000–2099 belong to it; each id is used once.</summary>
internal static partial class LeaseLog
{
    [LoggerMessage(EventId = 2000, Level = LogLevel.Information, Message = "Created lease table {TableName} ({BillingMode}).")]
    public static partial void TableCreated(ILogger logger, string tableName, LeaseTableBillingMode billingMode);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "Lease table {TableName}: call failed, retry {Retry} in {Delay}.")]
    public static partial void LeaseTableRetry(ILogger logger, string tableName, int retry, TimeSpan delay, Exception exception);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Error, Message = "Lease table {TableName}: skipped an item that is not a valid lease.")]
    public static partial void UnreadableLease(ILogger logger, string tableName, Exception exception);

    [LoggerMessage(EventId = 2010, Level = LogLevel.Warning, Message = "Worker {WorkerId} lost lease {LeaseKey} ({Reason}).")]
    public static partial void LeaseLost(ILogger logger, string workerId, string leaseKey, LeaseLostReason reason);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Warning, Message = "Worker {WorkerId} could not renew lease {LeaseKey}; it stays held until its failover time runs out.")]
    public static partial void RenewFailed(ILogger logger, string workerId, string leaseKey, Exception exception);

    [LoggerMessage(EventId = 2012, Level = LogLevel.Information, Message = "Worker {WorkerId} acquired lease {LeaseKey} (counter {LeaseCounter}).")]
    public static partial void LeaseAcquired(ILogger logger, string workerId, string leaseKey, long leaseCounter);

    [LoggerMessage(EventId = 2013, Level = LogLevel.Information, Message = "Worker {WorkerId} released lease {LeaseKey}.")]
    public static partial void LeaseReleased(ILogger logger, string workerId, string leaseKey);

    [LoggerMessage(EventId = 2014, Level = LogLevel.Warning, Message = "Worker {WorkerId} could not release lease {LeaseKey}; it will expire after the failover time.")]
    public static partial void ReleaseFailed(ILogger logger, string workerId, string leaseKey, Exception exception);

    [LoggerMessage(EventId = 2015, Level = LogLevel.Error, Message = "A {EventName} handler threw for lease {LeaseKey}; the exception was ignored.")]
    public static partial void EventHandlerFailed(ILogger logger, string eventName, string leaseKey, Exception exception);

    [LoggerMessage(EventId = 2016, Level = LogLevel.Information, Message = "Worker {WorkerId} stole lease {LeaseKey} from worker {PreviousOwner} to balance the leases.")]
    public static partial void LeaseStolen(ILogger logger, string workerId, string leaseKey, string? previousOwner);

    [LoggerMessage(EventId = 2017, Level = LogLevel.Warning, Message = "Worker {WorkerId} renewed lease {LeaseKey} late: {SinceLastRenewal} since the last renewal (renewal interval {RenewalInterval}, failover time {FailoverTime}); other workers may have seen it close to expiry.")]
    public static partial void RenewedLate(ILogger logger, string workerId, string leaseKey, TimeSpan sinceLastRenewal, TimeSpan renewalInterval, TimeSpan failoverTime);

    [LoggerMessage(EventId = 2020, Level = LogLevel.Information, Message = "Worker {WorkerId} saw {LeaseCount} leases, {AvailableCount} available, {WorkerCount} workers; target {Target}, holds {MyCount}, will take {TakeCount} (steal {StealCount}).")]
    public static partial void TakePlan(ILogger logger, string workerId, int leaseCount, int availableCount, int workerCount, int target, int myCount, int takeCount, int stealCount);

    [LoggerMessage(EventId = 2021, Level = LogLevel.Warning, Message = "Worker {WorkerId}: target {Target} exceeds MaxLeasesForWorker {MaxLeasesForWorker}; {Spillover} leases may stay unprocessed unless other workers take them.")]
    public static partial void LeaseSpillover(ILogger logger, string workerId, int target, int maxLeasesForWorker, int spillover);

    [LoggerMessage(EventId = 2022, Level = LogLevel.Warning, Message = "Worker {WorkerId} could not take lease {LeaseKey}.")]
    public static partial void TakeFailed(ILogger logger, string workerId, string leaseKey, Exception exception);

    [LoggerMessage(EventId = 2023, Level = LogLevel.Warning, Message = "Worker {WorkerId} could not re-read lease {LeaseKey} before stealing it; using the scanned state.")]
    public static partial void StealRefreshFailed(ILogger logger, string workerId, string leaseKey, Exception exception);

    [LoggerMessage(EventId = 2024, Level = LogLevel.Warning, Message = "Worker {WorkerId} could not re-read the {LeaseCount} leases it watches for expiry; the next watch or taker run reads them again.")]
    public static partial void WatchReadFailed(ILogger logger, string workerId, int leaseCount, Exception exception);

    [LoggerMessage(EventId = 2025, Level = LogLevel.Warning, Message = "Worker {WorkerId} of a {Kind} application leaves lease {LeaseKey} alone: it is a {OtherKind} lease, which this worker cannot process. A multi-stream and a single-stream application cannot share a lease table: give each its own ApplicationName (the table name).")]
    public static partial void OtherKindOfLease(ILogger logger, string workerId, string leaseKey, string kind, string otherKind);

    [LoggerMessage(EventId = 2030, Level = LogLevel.Error, Message = "Worker {WorkerId}: the lease renewal loop failed; it continues at the next interval.")]
    public static partial void RenewLoopFailed(ILogger logger, string workerId, Exception exception);

    [LoggerMessage(EventId = 2031, Level = LogLevel.Error, Message = "Worker {WorkerId}: the lease taker loop failed; it continues at the next interval.")]
    public static partial void TakerLoopFailed(ILogger logger, string workerId, Exception exception);
}
