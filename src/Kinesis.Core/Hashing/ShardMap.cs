namespace Kinesis.Core.Hashing;

/// <summary>
/// An immutable snapshot of a stream's shards (typically built from ListShards) that routes a hash key
/// to the open shard owning it, reports gaps and overlaps in the coverage of the open shards, and
/// knows closed shards and their children.
/// </summary>
/// <remarks>
/// Routing is a binary search, O(log n) in the number of open shards. Where open shards overlap, a hash
/// key in the overlap routes to the shard with the lowest starting hash key (then the lowest shard id);
/// the overlap is listed in <see cref="CoverageIssues"/>. The map is immutable and safe for concurrent use;
/// replace it with a new one when the shards change.
/// </remarks>
public sealed class ShardMap
{
    private readonly Dictionary<string, ShardMapEntry> _byId;
    private readonly Dictionary<string, List<ShardMapEntry>> _children;

    // Disjoint, ascending segments of the hash key space, each owned by one open shard.
    private readonly UInt128[] _segmentStarts;
    private readonly UInt128[] _segmentEnds;
    private readonly ShardMapEntry[] _segmentOwners;

    /// <summary>Builds a map from the given shards.</summary>
    /// <param name="shards">All known shards, open and closed, in any order.</param>
    /// <exception cref="ArgumentNullException"><paramref name="shards"/> or one of its items is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A shard id is empty, or two shards have the same id.</exception>
    public ShardMap(IEnumerable<ShardMapEntry> shards)
    {
        ArgumentNullException.ThrowIfNull(shards);
        _byId = new Dictionary<string, ShardMapEntry>(StringComparer.Ordinal);
        var open = new List<ShardMapEntry>();
        var closed = new List<ShardMapEntry>();
        foreach (ShardMapEntry shard in shards)
        {
            ArgumentNullException.ThrowIfNull(shard, nameof(shards));
            if (string.IsNullOrEmpty(shard.ShardId))
            {
                throw new ArgumentException("Every shard needs a non-empty shard id.", nameof(shards));
            }

            if (!_byId.TryAdd(shard.ShardId, shard))
            {
                throw new ArgumentException($"Shard ids must be unique; {shard.ShardId} appears more than once.", nameof(shards));
            }

            (shard.IsOpen ? open : closed).Add(shard);
        }

        open.Sort(CompareByRange);
        closed.Sort(CompareByRange);
        OpenShards = open;
        ClosedShards = closed;

        _children = new Dictionary<string, List<ShardMapEntry>>(StringComparer.Ordinal);
        foreach (ShardMapEntry shard in _byId.Values)
        {
            AddChild(shard.ParentShardId, shard);
            AddChild(shard.AdjacentParentShardId, shard);
        }

        foreach (List<ShardMapEntry> children in _children.Values)
        {
            children.Sort(CompareByRange);
        }

        var starts = new List<UInt128>(open.Count);
        var ends = new List<UInt128>(open.Count);
        var owners = new List<ShardMapEntry>(open.Count);
        var issues = new List<ShardMapCoverageIssue>();
        BuildSegments(open, starts, ends, owners, issues);
        _segmentStarts = starts.ToArray();
        _segmentEnds = ends.ToArray();
        _segmentOwners = owners.ToArray();
        CoverageIssues = issues;
    }

    /// <summary>A map with no shards; it routes nothing and reports the whole space as a gap.</summary>
    public static ShardMap Empty { get; } = new([]);

    /// <summary>The open shards, ordered by starting hash key.</summary>
    public IReadOnlyList<ShardMapEntry> OpenShards { get; }

    /// <summary>The closed shards, ordered by starting hash key.</summary>
    public IReadOnlyList<ShardMapEntry> ClosedShards { get; }

    /// <summary>Gaps and overlaps in the coverage of [0, 2^128-1] by the open shards, in hash key order; empty when the coverage is exact.</summary>
    public IReadOnlyList<ShardMapCoverageIssue> CoverageIssues { get; }

    /// <summary>Whether every hash key is owned by exactly one open shard.</summary>
    public bool IsCoverageComplete => CoverageIssues.Count == 0;

    /// <summary>Finds the open shard that owns <paramref name="hashKey"/>.</summary>
    /// <param name="hashKey">The hash key (see <see cref="HashKeys"/>).</param>
    /// <param name="shard">The owning open shard, when there is one.</param>
    /// <returns><see langword="false"/> when no open shard owns the key (a gap in coverage).</returns>
    public bool TryRoute(UInt128 hashKey, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ShardMapEntry? shard)
    {
        // The last segment starting at or before the key is the only one that can contain it.
        int low = 0;
        int high = _segmentStarts.Length - 1;
        int found = -1;
        while (low <= high)
        {
            int middle = low + ((high - low) >> 1);
            if (_segmentStarts[middle] <= hashKey)
            {
                found = middle;
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        if (found >= 0 && hashKey <= _segmentEnds[found])
        {
            shard = _segmentOwners[found];
            return true;
        }

        shard = null;
        return false;
    }

    /// <summary>Finds a shard, open or closed, by id.</summary>
    /// <param name="shardId">The shard id.</param>
    /// <param name="shard">The shard, when known.</param>
    /// <returns><see langword="true"/> when the map holds a shard with this id.</returns>
    public bool TryGetShard(string shardId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ShardMapEntry? shard)
    {
        ArgumentNullException.ThrowIfNull(shardId);
        return _byId.TryGetValue(shardId, out shard);
    }

    /// <summary>Returns the shards whose parent or adjacent parent is <paramref name="shardId"/>, ordered by starting hash key.</summary>
    /// <param name="shardId">The parent shard id.</param>
    /// <returns>The children known to this map; empty when there are none.</returns>
    public IReadOnlyList<ShardMapEntry> GetChildren(string shardId)
    {
        ArgumentNullException.ThrowIfNull(shardId);
        return _children.TryGetValue(shardId, out List<ShardMapEntry>? children) ? children : [];
    }

    private void AddChild(string? parentId, ShardMapEntry child)
    {
        if (parentId is null)
        {
            return;
        }

        if (!_children.TryGetValue(parentId, out List<ShardMapEntry>? children))
        {
            children = [];
            _children.Add(parentId, children);
        }

        children.Add(child);
    }

    private static void BuildSegments(
        List<ShardMapEntry> open,
        List<UInt128> starts,
        List<UInt128> ends,
        List<ShardMapEntry> owners,
        List<ShardMapCoverageIssue> issues)
    {
        // Sweep in start order; nextUncovered is the lowest key no earlier shard covered.
        UInt128 nextUncovered = UInt128.Zero;
        bool spaceExhausted = false;
        foreach (ShardMapEntry shard in open)
        {
            HashKeyRange range = shard.HashKeyRange;
            if (spaceExhausted || range.Start < nextUncovered)
            {
                UInt128 coveredEnd = spaceExhausted ? UInt128.MaxValue : nextUncovered - 1;
                UInt128 overlapEnd = range.End < coveredEnd ? range.End : coveredEnd;
                AddIssue(issues, ShardMapCoverageIssueKind.Overlap, range.Start, overlapEnd);
                if (spaceExhausted || range.End < nextUncovered)
                {
                    continue;
                }
            }
            else if (range.Start > nextUncovered)
            {
                AddIssue(issues, ShardMapCoverageIssueKind.Gap, nextUncovered, range.Start - 1);
            }

            UInt128 segmentStart = range.Start > nextUncovered ? range.Start : nextUncovered;
            starts.Add(segmentStart);
            ends.Add(range.End);
            owners.Add(shard);
            if (range.End == UInt128.MaxValue)
            {
                spaceExhausted = true;
            }
            else
            {
                nextUncovered = range.End + 1;
            }
        }

        if (!spaceExhausted)
        {
            AddIssue(issues, ShardMapCoverageIssueKind.Gap, nextUncovered, UInt128.MaxValue);
        }
    }

    private static void AddIssue(List<ShardMapCoverageIssue> issues, ShardMapCoverageIssueKind kind, UInt128 start, UInt128 end)
    {
        // Overlaps of several shards over the same keys merge into one reported range.
        if (issues.Count > 0)
        {
            ShardMapCoverageIssue last = issues[^1];
            if (last.Kind == kind && last.Range.End >= start - (start == UInt128.Zero ? UInt128.Zero : UInt128.One))
            {
                UInt128 mergedEnd = last.Range.End > end ? last.Range.End : end;
                issues[^1] = last with { Range = new HashKeyRange(last.Range.Start, mergedEnd) };
                return;
            }
        }

        issues.Add(new ShardMapCoverageIssue(kind, new HashKeyRange(start, end)));
    }

    private static int CompareByRange(ShardMapEntry left, ShardMapEntry right)
    {
        int byStart = left.HashKeyRange.Start.CompareTo(right.HashKeyRange.Start);
        if (byStart != 0)
        {
            return byStart;
        }

        int byEnd = left.HashKeyRange.End.CompareTo(right.HashKeyRange.End);
        return byEnd != 0 ? byEnd : string.CompareOrdinal(left.ShardId, right.ShardId);
    }
}
