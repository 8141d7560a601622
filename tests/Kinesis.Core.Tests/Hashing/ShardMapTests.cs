using System.Globalization;
using Kinesis.Core.Hashing;

namespace Kinesis.Core.Tests.Hashing;

public sealed class ShardMapTests
{
    private static readonly UInt128 Quarter = (UInt128.MaxValue / 4) + 1;

    [Fact]
    public void TryRoute_FourEvenShards_RoutesEveryBoundaryToItsOwner()
    {
        ShardMap map = new(EvenShards(4));

        Assert.True(map.IsCoverageComplete);
        for (int i = 0; i < 4; i++)
        {
            UInt128 start = Quarter * (UInt128)i;
            UInt128 end = i == 3 ? UInt128.MaxValue : (Quarter * (UInt128)(i + 1)) - 1;
            AssertRoutes(map, start, $"shard-{i}");
            AssertRoutes(map, end, $"shard-{i}");
            AssertRoutes(map, start + (Quarter / 2), $"shard-{i}");
        }
    }

    [Fact]
    public void TryRoute_RandomKeysOverManyShards_MatchesLinearScan()
    {
        var shards = EvenShards(97).ToList();
        ShardMap map = new(shards);
        var random = new Random(3);
        for (int i = 0; i < 5000; i++)
        {
            UInt128 key = new((ulong)random.NextInt64() * 2, (ulong)random.NextInt64());
            ShardMapEntry expected = shards.Single(s => s.HashKeyRange.Contains(key));
            Assert.True(map.TryRoute(key, out ShardMapEntry? actual));
            Assert.Same(expected, actual);
        }
    }

    [Fact]
    public void CoverageIssues_MissingShard_ReportsGapAndDoesNotRouteIt()
    {
        var shards = EvenShards(4).Where(s => s.ShardId != "shard-2").ToList();
        ShardMap map = new(shards);

        ShardMapCoverageIssue issue = Assert.Single(map.CoverageIssues);
        Assert.Equal(ShardMapCoverageIssueKind.Gap, issue.Kind);
        Assert.Equal(new HashKeyRange(Quarter * 2, (Quarter * 3) - 1), issue.Range);
        Assert.False(map.TryRoute(Quarter * 2, out _));
        Assert.False(map.IsCoverageComplete);
    }

    [Fact]
    public void CoverageIssues_MissingFirstAndLastShards_ReportsGapsAtBothEnds()
    {
        ShardMap map = new([Open("middle", Quarter, (Quarter * 2) - 1)]);

        Assert.Equal(
            [
                new ShardMapCoverageIssue(ShardMapCoverageIssueKind.Gap, new HashKeyRange(0, Quarter - 1)),
                new ShardMapCoverageIssue(ShardMapCoverageIssueKind.Gap, new HashKeyRange(Quarter * 2, UInt128.MaxValue)),
            ],
            map.CoverageIssues);
    }

    [Fact]
    public void CoverageIssues_OverlappingOpenShards_ReportsOverlapAndRoutesToLowerStart()
    {
        ShardMap map = new(
        [
            Open("low", 0, 100),
            Open("high", 51, UInt128.MaxValue),
        ]);

        ShardMapCoverageIssue issue = Assert.Single(map.CoverageIssues);
        Assert.Equal(ShardMapCoverageIssueKind.Overlap, issue.Kind);
        Assert.Equal(new HashKeyRange(51, 100), issue.Range);
        AssertRoutes(map, 75, "low");
        AssertRoutes(map, 101, "high");
    }

    [Fact]
    public void CoverageIssues_ShardInsideAnother_ReportsOverlapOnce()
    {
        ShardMap map = new(
        [
            Open("all", 0, UInt128.MaxValue),
            Open("inner", 10, 20),
        ]);

        ShardMapCoverageIssue issue = Assert.Single(map.CoverageIssues);
        Assert.Equal(new ShardMapCoverageIssue(ShardMapCoverageIssueKind.Overlap, new HashKeyRange(10, 20)), issue);
        AssertRoutes(map, 15, "all");
    }

    [Fact]
    public void Empty_RoutesNothingAndReportsWholeSpaceAsGap()
    {
        Assert.False(ShardMap.Empty.TryRoute(0, out _));
        Assert.Equal(new ShardMapCoverageIssue(ShardMapCoverageIssueKind.Gap, HashKeyRange.All), Assert.Single(ShardMap.Empty.CoverageIssues));
    }

    [Fact]
    public void GetChildren_AfterSplitAndMerge_ReturnsChildrenAndClosedParents()
    {
        UInt128 half = (UInt128.MaxValue / 2) + 1;
        ShardMap map = new(
        [
            ShardMapEntry.FromListShards("shardId-0", null, null, "0", HashKeys.Format(UInt128.MaxValue), "49000"),
            ShardMapEntry.FromListShards("shardId-1", "shardId-0", null, "0", HashKeys.Format(half - 1), "49100"),
            ShardMapEntry.FromListShards("shardId-2", "shardId-0", null, HashKeys.Format(half), HashKeys.Format(UInt128.MaxValue), "49200"),
            ShardMapEntry.FromListShards("shardId-3", "shardId-1", "shardId-2", "0", HashKeys.Format(UInt128.MaxValue), null),
        ]);

        Assert.Equal(["shardId-1", "shardId-2"], map.GetChildren("shardId-0").Select(s => s.ShardId));
        Assert.Equal(["shardId-3"], map.GetChildren("shardId-1").Select(s => s.ShardId));
        Assert.Equal(["shardId-3"], map.GetChildren("shardId-2").Select(s => s.ShardId));
        Assert.Empty(map.GetChildren("shardId-3"));
        Assert.Equal(3, map.ClosedShards.Count);
        Assert.Equal("shardId-3", Assert.Single(map.OpenShards).ShardId);
        Assert.True(map.IsCoverageComplete);
        Assert.True(map.TryGetShard("shardId-2", out ShardMapEntry? closed));
        Assert.False(closed.IsOpen);
        AssertRoutes(map, half, "shardId-3");
    }

    [Fact]
    public void FromListShards_EmptyParents_BecomeNull()
    {
        ShardMapEntry entry = ShardMapEntry.FromListShards("s", "", null, "0", "1", null);
        Assert.Null(entry.ParentShardId);
        Assert.True(entry.IsOpen);
    }

    [Theory]
    [InlineData("x", "1", "startingHashKey")]
    [InlineData("0", "340282366920938463463374607431768211456", "endingHashKey")]
    [InlineData("5", "4", "endingHashKey")]
    public void FromListShards_BadHashKeys_ThrowsArgumentExceptionNamingArgument(string start, string end, string parameter)
    {
        ArgumentException exception = Assert.Throws<ArgumentException>(() => ShardMapEntry.FromListShards("s", null, null, start, end, null));
        Assert.Equal(parameter, exception.ParamName);
    }

    [Fact]
    public void Constructor_DuplicateShardIds_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>("shards", () => new ShardMap([Open("a", 0, 1), Open("a", 2, 3)]));
    }

    [Fact]
    public void Constructor_EmptyShardId_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>("shards", () => new ShardMap([Open("", 0, 1)]));
    }

    private static IEnumerable<ShardMapEntry> EvenShards(int count)
    {
        UInt128 width = (UInt128.MaxValue / (UInt128)count) + 1;
        for (int i = 0; i < count; i++)
        {
            UInt128 start = width * (UInt128)i;
            UInt128 end = i == count - 1 ? UInt128.MaxValue : start + width - 1;
            yield return Open(string.Create(CultureInfo.InvariantCulture, $"shard-{i}"), start, end);
        }
    }

    private static ShardMapEntry Open(string id, UInt128 start, UInt128 end) => new(id, null, null, new HashKeyRange(start, end), IsOpen: true);

    private static void AssertRoutes(ShardMap map, UInt128 key, string shardId)
    {
        Assert.True(map.TryRoute(key, out ShardMapEntry? shard));
        Assert.Equal(shardId, shard.ShardId);
    }
}
