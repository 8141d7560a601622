using Kinesis.Client.Leases;
using Kinesis.Core.Api;
using Kinesis.Core.Hashing;

namespace Kinesis.Client.Coordination;

/// <summary>
/// The decisions of one shard sync pass, made from a shard listing and the lease table with no I/O: which leases to
/// create (the Java KCL's <c>HierarchicalShardSyncer</c> for a non-empty table) and which to delete (its
/// <c>LeaseCleanupManager</c>).
/// </summary>
/// <remarks>
/// <para>
/// Creation walks up from each open shard that has no lease. A shard is <em>covered</em> when it, or an ancestor, has a
/// lease (or gets one in this pass): its data is reached through that ancestor, whose worker creates the children at
/// SHARD_END, so no lease is created for it. An open shard that is not covered gets a lease at the initial position;
/// with TRIM_HORIZON or AT_TIMESTAMP its oldest listed ancestors get the lease instead, and the rest of the hierarchy
/// follows at their SHARD_END. A finished (closed) shard is therefore only ever created as the ancestor of an
/// uncovered open shard, never once a descendant holds a lease: that is what keeps a cleaned-up parent from being
/// created again at TRIM_HORIZON and read a second time. As a last guard, no lease is created for a shard that has a
/// descendant with a lease.
/// </para>
/// <para>
/// Two departures from the KCL, both towards reading more rather than less: a lease whose shard is no longer listed
/// still covers its descendants (the KCL ignores it, which with LATEST starts its children at the tip), and a shard
/// whose parents' leases are all at SHARD_END (parents without a lease must also be unlisted) but that has no lease
/// itself is created at TRIM_HORIZON, recovering a child creation that was missed at shard end.
/// </para>
/// <para>
/// Deletion: a lease at SHARD_END is deleted once every child (from the lease, or else from the listing) has a lease
/// whose checkpoint moved past TRIM_HORIZON / AT_TIMESTAMP and none of its own parents has a lease left. A lease whose
/// shard is no longer listed is deleted (after the caller confirms the shard is gone) unless a listed shard without a
/// lease still names it as parent, or one of its own parents is still listed (then it is a new shard the listing does
/// not show yet, not a trimmed one).
/// </para>
/// </remarks>
internal sealed class ShardSyncPlanner
{
    private readonly Dictionary<string, Shard> listed = new(StringComparer.Ordinal);
    private readonly IReadOnlyDictionary<string, Lease> leases;
    private readonly Dictionary<string, HashSet<string>> children = new(StringComparer.Ordinal);
    private readonly InitialPositionInStream position;
    private readonly HashSet<string> recovered = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ExtendedSequenceNumber> planned = new(StringComparer.Ordinal);
    private readonly Dictionary<string, bool> covered = new(StringComparer.Ordinal);
    private readonly HashSet<string> readFromStart = new(StringComparer.Ordinal);
    private readonly Dictionary<string, bool> leasedDescendant = new(StringComparer.Ordinal);

    private ShardSyncPlanner(IReadOnlyList<Shard> shards, IReadOnlyDictionary<string, Lease> leases, InitialPositionInStream position)
    {
        this.leases = leases;
        this.position = position;
        foreach (var shard in shards)
        {
            listed[shard.ShardId] = shard;
            foreach (var parent in ParentsOf(shard))
            {
                AddChild(parent, shard.ShardId);
            }
        }

        foreach (var lease in leases.Values)
        {
            foreach (var child in lease.ChildShardIds)
            {
                AddChild(lease.ShardId, child);
            }

            foreach (var parent in lease.ParentShardIds)
            {
                AddChild(parent, lease.ShardId);
            }
        }
    }

    /// <summary>The leases to create, oldest shard first (so a pass that fails half-way leaves no child without its parent).</summary>
    public static List<Lease> PlanNewLeases(IReadOnlyList<Shard> shards, IReadOnlyDictionary<string, Lease> leases, InitialPositionInStream position)
    {
        ArgumentNullException.ThrowIfNull(shards);
        ArgumentNullException.ThrowIfNull(leases);
        return new ShardSyncPlanner(shards, leases, position).PlanNewLeases();
    }

    /// <summary>The leases to delete, given the table as it stands after this pass's creations.</summary>
    public static List<LeaseDeletion> PlanDeletions(IReadOnlyList<Shard> shards, IReadOnlyDictionary<string, Lease> leases)
    {
        ArgumentNullException.ThrowIfNull(shards);
        ArgumentNullException.ThrowIfNull(leases);
        return new ShardSyncPlanner(shards, leases, InitialPositionInStream.TrimHorizon).PlanDeletions();
    }

    /// <summary>The shard's parents (one after a split, two after a merge, none for an original shard).</summary>
    public static List<string> ParentsOf(Shard shard)
    {
        ArgumentNullException.ThrowIfNull(shard);
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

    private List<Lease> PlanNewLeases()
    {
        foreach (var shard in listed.Values)
        {
            if (!leases.ContainsKey(shard.ShardId) && AllParentsEnded(shard))
            {
                recovered.Add(shard.ShardId);
                planned[shard.ShardId] = ExtendedSequenceNumber.TrimHorizon;
            }
        }

        foreach (var shard in listed.Values)
        {
            var id = shard.ShardId;
            if (shard.SequenceNumberRange.EndingSequenceNumber is not null || HasLease(id) || planned.ContainsKey(id) || HasOpenListedParent(shard))
            {
                // Closed shards are reached from their open descendants; an open child of an open parent is a listing
                // that is not consistent yet.
                continue;
            }

            if (!IsCovered(id))
            {
                planned[id] = InitialCheckpoint();
            }
        }

        var result = new List<Lease>(planned.Count);
        foreach (var (id, checkpoint) in planned)
        {
            if (HasLeasedDescendant(id))
            {
                continue;
            }

            var shard = listed[id];
            result.Add(Lease.CreateNew(id, checkpoint, ParentsOf(shard), HashKeys.Format(shard.HashKeyRange.Start), HashKeys.Format(shard.HashKeyRange.End)));
        }

        result.Sort((a, b) => CompareSequenceNumbers(listed[a.LeaseKey].SequenceNumberRange.StartingSequenceNumber, listed[b.LeaseKey].SequenceNumberRange.StartingSequenceNumber));
        return result;
    }

    private List<LeaseDeletion> PlanDeletions()
    {
        var deletions = new List<LeaseDeletion>();
        var neededAsParent = new HashSet<string>(StringComparer.Ordinal);
        foreach (var shard in listed.Values)
        {
            if (!leases.ContainsKey(shard.ShardId))
            {
                neededAsParent.UnionWith(ParentsOf(shard));
            }
        }

        foreach (var lease in leases.Values)
        {
            if (lease.Checkpoint?.IsShardEnd == true && ChildrenStartedAndParentsGone(lease))
            {
                deletions.Add(new LeaseDeletion(lease.ShardId, LeaseDeletionReason.Completed));
            }
            else if (listed.Count > 0
                && !listed.ContainsKey(lease.ShardId)
                && !neededAsParent.Contains(lease.ShardId)
                && !lease.ParentShardIds.Any(listed.ContainsKey))
            {
                deletions.Add(new LeaseDeletion(lease.ShardId, LeaseDeletionReason.ShardGone));
            }
        }

        return deletions;
    }

    private bool ChildrenStartedAndParentsGone(Lease lease)
    {
        foreach (var parent in lease.ParentShardIds)
        {
            if (leases.ContainsKey(parent))
            {
                return false;
            }
        }

        IEnumerable<string> childIds = lease.ChildShardIds.Count > 0
            ? lease.ChildShardIds
            : children.TryGetValue(lease.ShardId, out var known) ? known : [];
        var any = false;
        foreach (var child in childIds)
        {
            any = true;
            if (!leases.TryGetValue(child, out var childLease)
                || childLease.Checkpoint is null
                || childLease.Checkpoint == ExtendedSequenceNumber.TrimHorizon
                || childLease.Checkpoint == ExtendedSequenceNumber.AtTimestamp)
            {
                return false;
            }
        }

        return any;
    }

    private bool AllParentsEnded(Shard shard)
    {
        var anyEnded = false;
        foreach (var parent in ParentsOf(shard))
        {
            if (leases.TryGetValue(parent, out var parentLease))
            {
                if (parentLease.Checkpoint?.IsShardEnd != true)
                {
                    return false;
                }

                anyEnded = true;
            }
            else if (listed.ContainsKey(parent))
            {
                // A listed parent without a lease still holds data: the walk below decides whether it gets a lease.
                return false;
            }
        }

        return anyEnded;
    }

    private bool IsCovered(string id)
    {
        if (covered.TryGetValue(id, out var known))
        {
            return known;
        }

        // Set before the walk: a malformed listing with a cycle then ends instead of recursing forever.
        covered[id] = false;
        var result = false;
        if (HasLease(id))
        {
            result = true;
        }
        else if (listed.TryGetValue(id, out var shard))
        {
            var parents = ParentsOf(shard);
            var coveringParents = new List<string>(2);
            foreach (var parent in parents)
            {
                if (IsCovered(parent) || readFromStart.Contains(parent))
                {
                    coveringParents.Add(parent);
                }
            }

            if (coveringParents.Count > 0)
            {
                result = true;
                foreach (var parent in parents)
                {
                    if (HasLease(parent) || !listed.ContainsKey(parent))
                    {
                        continue;
                    }

                    var isCovering = coveringParents.Contains(parent);

                    // The oldest shard to read from the start, or the other parent of a merge that nothing covers.
                    if (planned.ContainsKey(parent) || readFromStart.Contains(parent) || !isCovering)
                    {
                        planned[parent] = isCovering && position != InitialPositionInStream.AtTimestamp ? ExtendedSequenceNumber.TrimHorizon : InitialCheckpoint();
                    }
                }
            }
            else if (position != InitialPositionInStream.Latest)
            {
                readFromStart.Add(id);
            }
        }

        covered[id] = result;
        return result;
    }

    private bool HasLeasedDescendant(string id)
    {
        if (leasedDescendant.TryGetValue(id, out var known))
        {
            return known;
        }

        leasedDescendant[id] = false;
        var result = false;
        if (children.TryGetValue(id, out var childIds))
        {
            foreach (var child in childIds)
            {
                if (leases.ContainsKey(child) || HasLeasedDescendant(child))
                {
                    result = true;
                    break;
                }
            }
        }

        leasedDescendant[id] = result;
        return result;
    }

    private bool HasLease(string id) => leases.ContainsKey(id) || recovered.Contains(id);

    private bool HasOpenListedParent(Shard shard)
    {
        foreach (var parent in ParentsOf(shard))
        {
            if (listed.TryGetValue(parent, out var parentShard) && parentShard.SequenceNumberRange.EndingSequenceNumber is null)
            {
                return true;
            }
        }

        return false;
    }

    private ExtendedSequenceNumber InitialCheckpoint() => position switch
    {
        InitialPositionInStream.Latest => ExtendedSequenceNumber.Latest,
        InitialPositionInStream.AtTimestamp => ExtendedSequenceNumber.AtTimestamp,
        _ => ExtendedSequenceNumber.TrimHorizon,
    };

    private void AddChild(string parent, string child)
    {
        if (!children.TryGetValue(parent, out var set))
        {
            set = new HashSet<string>(StringComparer.Ordinal);
            children[parent] = set;
        }

        set.Add(child);
    }

    private static int CompareSequenceNumbers(string? a, string? b)
    {
        // Decimal strings without leading zeros: the longer is the larger.
        var byLength = (a?.Length ?? 0).CompareTo(b?.Length ?? 0);
        return byLength != 0 ? byLength : string.CompareOrdinal(a, b);
    }
}
