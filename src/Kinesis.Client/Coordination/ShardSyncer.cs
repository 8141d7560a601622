using Kinesis.Client.Leases;
using Kinesis.Client.Lifecycle;
using Kinesis.Core.Api;
using Microsoft.Extensions.Logging;

namespace Kinesis.Client.Coordination;

/// <summary>
/// Lists the stream's shards and creates the leases that are missing, respecting the shard hierarchy; then deletes
/// finished parent leases whose children have all started (the KCL's HierarchicalShardSyncer and LeaseCleanupManager,
/// simplified). Every worker runs it; lease creation is conditional, so concurrent runs are harmless.
/// </summary>
/// <remarks>
/// Rules for a shard without a lease: if a parent has a lease not yet at SHARD_END (or any ancestor does), the shard is
/// left to the worker that finishes that parent, which creates it at TRIM_HORIZON. If a parent's lease is at SHARD_END,
/// the child lease is created at TRIM_HORIZON (recovery of a missed creation). Otherwise, with TRIM_HORIZON or
/// AT_TIMESTAMP, leases are created for the oldest shards still listed (their descendants follow at shard end); with
/// LATEST, for the open shards.
/// </remarks>
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
        var leases = new Dictionary<string, Lease>(StringComparer.Ordinal);
        foreach (var lease in await refresher.ListLeasesAsync(cancellationToken).ConfigureAwait(false))
        {
            leases[lease.LeaseKey] = lease;
        }

        var byId = new Dictionary<string, Shard>(StringComparer.Ordinal);
        foreach (var shard in shards)
        {
            byId[shard.ShardId] = shard;
        }

        foreach (var shard in shards)
        {
            if (leases.ContainsKey(shard.ShardId))
            {
                continue;
            }

            var checkpoint = DecideCheckpoint(shard, byId, leases);
            if (checkpoint is null)
            {
                continue;
            }

            var lease = Lease.CreateNew(shard.ShardId, checkpoint, ParentsOf(shard), shard.HashKeyRange.StartingHashKey, shard.HashKeyRange.EndingHashKey);
            if (await refresher.CreateLeaseIfNotExistsAsync(lease, cancellationToken).ConfigureAwait(false))
            {
                counters.AddLeaseCreated();
                ConsumerLog.LeaseCreated(logger, shard.ShardId, checkpoint.SequenceNumber);
            }

            leases[shard.ShardId] = lease;
        }

        await CleanUpAsync(leases, cancellationToken).ConfigureAwait(false);
    }

    private static List<string> ParentsOf(Shard shard)
    {
        var parents = new List<string>(2);
        if (shard.ParentShardId is { Length: > 0 } parent)
        {
            parents.Add(parent);
        }

        if (shard.AdjacentParentShardId is { Length: > 0 } adjacent)
        {
            parents.Add(adjacent);
        }

        return parents;
    }

    private ExtendedSequenceNumber? DecideCheckpoint(Shard shard, Dictionary<string, Shard> byId, Dictionary<string, Lease> leases)
    {
        var parents = ParentsOf(shard);
        var anyParentEnded = false;
        foreach (var parent in parents)
        {
            if (leases.TryGetValue(parent, out var parentLease))
            {
                if (parentLease.Checkpoint?.IsShardEnd != true)
                {
                    return null;
                }

                anyParentEnded = true;
            }
            else if (HasPendingAncestor(parent, byId, leases, depth: 0))
            {
                return null;
            }
        }

        if (anyParentEnded)
        {
            return ExtendedSequenceNumber.TrimHorizon;
        }

        var isOpen = shard.SequenceNumberRange.EndingSequenceNumber is null;
        switch (options.InitialPosition)
        {
            case InitialPositionInStream.Latest:
                return isOpen ? ExtendedSequenceNumber.Latest : null;
            default:
                foreach (var parent in parents)
                {
                    if (byId.ContainsKey(parent))
                    {
                        // The parent still holds data and gets (or got) its own lease first.
                        return null;
                    }
                }

                return options.InitialPosition == InitialPositionInStream.TrimHorizon ? ExtendedSequenceNumber.TrimHorizon : ExtendedSequenceNumber.AtTimestamp;
        }
    }

    private static bool HasPendingAncestor(string shardId, Dictionary<string, Shard> byId, Dictionary<string, Lease> leases, int depth)
    {
        if (depth > 64 || !byId.TryGetValue(shardId, out var shard))
        {
            return false;
        }

        foreach (var parent in ParentsOf(shard))
        {
            if (leases.TryGetValue(parent, out var lease))
            {
                if (lease.Checkpoint?.IsShardEnd != true)
                {
                    return true;
                }
            }
            else if (HasPendingAncestor(parent, byId, leases, depth + 1))
            {
                return true;
            }
        }

        return false;
    }

    private async Task CleanUpAsync(Dictionary<string, Lease> leases, CancellationToken cancellationToken)
    {
        foreach (var lease in leases.Values)
        {
            if (lease.Checkpoint?.IsShardEnd != true || lease.ChildShardIds.Count == 0)
            {
                continue;
            }

            var childrenStarted = true;
            foreach (var child in lease.ChildShardIds)
            {
                if (!leases.TryGetValue(child, out var childLease)
                    || childLease.Checkpoint is null
                    || childLease.Checkpoint == ExtendedSequenceNumber.TrimHorizon
                    || childLease.Checkpoint == ExtendedSequenceNumber.AtTimestamp)
                {
                    childrenStarted = false;
                    break;
                }
            }

            var parentsGone = true;
            foreach (var parent in lease.ParentShardIds)
            {
                parentsGone &= !leases.ContainsKey(parent);
            }

            if (!childrenStarted || !parentsGone)
            {
                continue;
            }

            coordinator.DropLease(lease.LeaseKey);
            await refresher.DeleteLeaseAsync(lease.LeaseKey, cancellationToken).ConfigureAwait(false);
            counters.AddLeaseCleanedUp();
            ConsumerLog.LeaseCleanedUp(logger, lease.LeaseKey);
        }
    }

    private async Task<List<Shard>> ListShardsAsync(CancellationToken cancellationToken)
    {
        var shards = new List<Shard>();
        string? next = null;
        do
        {
            // A request with NextToken must not name the stream.
            var request = next is null ? new ListShardsRequest { StreamName = options.StreamName } : new ListShardsRequest { NextToken = next };
            var response = await api.ListShardsAsync(request, cancellationToken).ConfigureAwait(false);
            shards.AddRange(response.Shards);
            next = response.NextToken;
        }
        while (next is not null);
        return shards;
    }
}
