using Kinesis.Client.Diagnostics;
using Kinesis.Client.Leases;
using Kinesis.Core.Api;
using Microsoft.Extensions.Logging;

namespace Kinesis.Client.Coordination;

/// <summary>
/// One shard sync pass: lists the stream's shards, creates the leases that are missing and deletes the ones that are no
/// longer needed, as <see cref="ShardSyncPlanner"/> decides (the KCL's HierarchicalShardSyncer and LeaseCleanupManager).
/// Every worker runs it; creation is conditional and deletion idempotent, so concurrent passes are harmless.
/// </summary>
internal sealed class ShardSyncer
{
    private readonly KinesisApiClient api;
    private readonly ILeaseRefresher refresher;
    private readonly LeaseCoordinator coordinator;
    private readonly KinesisConsumerOptions options;
    private readonly ConsumerCounters counters;
    private readonly ILogger logger;

    public ShardSyncer(KinesisApiClient api, ILeaseRefresher refresher, LeaseCoordinator coordinator, KinesisConsumerOptions options, ConsumerCounters counters, ILogger logger)
    {
        this.api = api;
        this.refresher = refresher;
        this.coordinator = coordinator;
        this.options = options;
        this.counters = counters;
        this.logger = logger;
    }

    public async Task SyncAsync(CancellationToken cancellationToken)
    {
        var shards = await ListShardsAsync(cancellationToken).ConfigureAwait(false);

        // The planner works on shard ids; in multi-stream mode it sees only this stream's leases, by their shardId attribute.
        var stream = options.MultiStreamIdentity;
        var serialized = stream?.Serialize();
        var leases = new Dictionary<string, Lease>(StringComparer.Ordinal);
        foreach (var lease in await refresher.ListLeasesAsync(cancellationToken).ConfigureAwait(false))
        {
            if (string.Equals(lease.StreamIdentifier, serialized, StringComparison.Ordinal))
            {
                leases[lease.ShardId] = lease;
            }
        }

        foreach (var planned in ShardSyncPlanner.PlanNewLeases(shards, leases, options.InitialPosition))
        {
            var lease = planned.InStream(stream);
            if (await refresher.CreateLeaseIfNotExistsAsync(lease, cancellationToken).ConfigureAwait(false))
            {
                counters.AddLeaseCreated();
                ConsumerLog.LeaseCreated(logger, lease.LeaseKey, lease.Checkpoint?.SequenceNumber);
            }

            leases[lease.ShardId] = lease;
        }

        foreach (var deletion in ShardSyncPlanner.PlanDeletions(shards, leases))
        {
            if (deletion.Reason == LeaseDeletionReason.ShardGone && !await IsShardGoneAsync(deletion.LeaseKey, cancellationToken).ConfigureAwait(false))
            {
                continue;
            }

            var leaseKey = leases[deletion.LeaseKey].LeaseKey;
            coordinator.DropLease(leaseKey);
            await refresher.DeleteLeaseAsync(leaseKey, cancellationToken).ConfigureAwait(false);
            counters.AddLeaseCleanedUp();
            if (deletion.Reason == LeaseDeletionReason.Completed)
            {
                ConsumerLog.LeaseCleanedUp(logger, leaseKey);
            }
            else
            {
                ConsumerLog.GoneShardLeaseCleanedUp(logger, leaseKey);
            }
        }
    }

    /// <summary>
    /// Whether the service confirms that a shard missing from the listing is gone (the KCL's "ResourceNotFound" garbage
    /// check), so a listing that merely lags behind never costs a lease.
    /// </summary>
    private async Task<bool> IsShardGoneAsync(string shardId, CancellationToken cancellationToken)
    {
        try
        {
            await api.GetShardIteratorAsync(new GetShardIteratorRequest { StreamName = options.ValidatedStream.Name, StreamARN = options.ValidatedStream.Arn, ShardId = shardId, ShardIteratorType = ShardIteratorType.TrimHorizon }, cancellationToken).ConfigureAwait(false);
            return false;
        }
        catch (KinesisApiException ex) when (ex.ErrorCode == KinesisErrorCodes.ResourceNotFound)
        {
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            ConsumerLog.GoneShardCheckFailed(logger, shardId, ex);
            return false;
        }
    }

    private Task<IReadOnlyList<Shard>> ListShardsAsync(CancellationToken cancellationToken) =>
        api.ListAllShardsAsync(options.ValidatedStream.ListShardsRequest(), cancellationToken);
}
