using Kinesis.Client.Coordination;
using Kinesis.Client.Leases;
using Kinesis.Core.Api;

namespace Kinesis.Client.Tests.Coordination;

public sealed class ShardSyncPlannerTests
{
    private static readonly ExtendedSequenceNumber Started = new("49000000000000000000000000000000000000000000000000000001");

    // The KCL's example (HierarchicalShardSyncer.NonEmptyLeaseTableSynchronizer):
    // 0 1 2 3 4   5    epoch 1
    // \ / \ / |   |
    //  6   7  4   5    epoch 2
    //  \  /   |  / \
    //   8     4 9  10  epoch 3 (open)
    private static readonly Shard[] KclExample =
    [
        Closed("0", 1), Closed("1", 1), Closed("2", 1), Closed("3", 1), Open("4", 1), Closed("5", 1),
        Closed("6", 2, "0", "1"), Closed("7", 2, "2", "3"),
        Open("8", 3, "6", "7"), Open("9", 3, "5"), Open("10", 3, "5"),
    ];

    [Theory]
    [InlineData(InitialPositionInStream.TrimHorizon, "0,1", ExtendedSequenceNumber.TrimHorizonValue)]
    [InlineData(InitialPositionInStream.AtTimestamp, "0,1", ExtendedSequenceNumber.AtTimestampValue)]
    [InlineData(InitialPositionInStream.Latest, "6", ExtendedSequenceNumber.LatestValue)]
    public void PlanNewLeases_KclExampleWithLeases457_CreatesWhatTheKclCreates(InitialPositionInStream position, string expected, string checkpoint)
    {
        var leases = Leases(Held("4"), Held("5"), Held("7"));

        var created = ShardSyncPlanner.PlanNewLeases(KclExample, leases, position);

        Assert.Equal(expected.Split(','), created.Select(l => l.LeaseKey).Order(StringComparer.Ordinal));
        Assert.All(created, l => Assert.Equal(checkpoint, l.Checkpoint!.SequenceNumber));
    }

    [Theory]
    [InlineData(InitialPositionInStream.TrimHorizon)]
    [InlineData(InitialPositionInStream.AtTimestamp)]
    [InlineData(InitialPositionInStream.Latest)]
    public void PlanNewLeases_ParentsCleanedUpAfterSplitAndMerge_CreatesNoLeaseForTheFinishedParents(InitialPositionInStream position)
    {
        // The repro of the re-read loop: 4 shards, 0 split into 4 and 5, 2 and 3 merged into 6, every parent lease
        // deleted by cleanup once the children started.
        var shards = SplitAndMerge();
        var leases = Leases(Held("1"), Held("4"), Held("5"), Held("6"));

        Assert.Empty(ShardSyncPlanner.PlanNewLeases(shards, leases, position));
    }

    [Fact]
    public void PlanNewLeases_OneMergeParentCleanedUpTheOtherAtShardEnd_CreatesNothing()
    {
        var shards = SplitAndMerge();
        var leases = Leases(Held("1"), Held("4"), Held("5"), Held("6"), Ended("3", "6"));

        Assert.Empty(ShardSyncPlanner.PlanNewLeases(shards, leases, InitialPositionInStream.TrimHorizon));
    }

    [Fact]
    public void PlanNewLeases_EmptyTableAfterSplitAndMerge_TrimHorizonCreatesOnlyTheOldestShards()
    {
        var created = ShardSyncPlanner.PlanNewLeases(SplitAndMerge(), Leases(), InitialPositionInStream.TrimHorizon);

        Assert.Equal(["0", "1", "2", "3"], created.Select(l => l.LeaseKey).Order(StringComparer.Ordinal));
        Assert.All(created, l => Assert.Equal(ExtendedSequenceNumber.TrimHorizon, l.Checkpoint));
    }

    [Fact]
    public void PlanNewLeases_EmptyTableAfterSplitAndMerge_LatestCreatesTheOpenShardsWithTheirParentsAndRanges()
    {
        var shards = SplitAndMerge();

        var created = ShardSyncPlanner.PlanNewLeases(shards, Leases(), InitialPositionInStream.Latest);

        Assert.Equal(["1", "4", "5", "6"], created.Select(l => l.LeaseKey).Order(StringComparer.Ordinal));
        Assert.All(created, l => Assert.Equal(ExtendedSequenceNumber.Latest, l.Checkpoint));
        var merged = created.Single(l => l.LeaseKey == "6");
        Assert.Equal(["2", "3"], merged.ParentShardIds);
        Assert.Equal(Kinesis.Core.Hashing.HashKeys.Format(shards.Single(s => s.ShardId == "6").HashKeyRange.Start), merged.StartingHashKey);
    }

    [Fact]
    public void PlanNewLeases_ParentAtShardEndAndChildMissing_RecoversTheChildAtTrimHorizon()
    {
        var shards = SplitAndMerge();
        var leases = Leases(Held("1"), Ended("0", "4", "5"), Held("4"), Held("6"));

        var created = Assert.Single(ShardSyncPlanner.PlanNewLeases(shards, leases, InitialPositionInStream.Latest));

        Assert.Equal("5", created.LeaseKey);
        Assert.Equal(ExtendedSequenceNumber.TrimHorizon, created.Checkpoint);
    }

    [Fact]
    public void PlanNewLeases_ClosedShardWhoseDescendantHasALease_IsNeverCreated()
    {
        // 0 -> 1 (closed) -> 2 (open). 0 is at SHARD_END and 1 has no lease, but 2 already has one: 1 was read.
        Shard[] shards = [Closed("0", 1), Closed("1", 2, "0"), Open("2", 3, "1")];
        var leases = Leases(Ended("0", "1"), Held("2"));

        Assert.Empty(ShardSyncPlanner.PlanNewLeases(shards, leases, InitialPositionInStream.TrimHorizon));
    }

    [Fact]
    public void PlanNewLeases_OpenChildOfOpenParent_IsLeftForALaterListing()
    {
        Shard[] shards = [Open("0", 1), Open("1", 2, "0")];

        var created = ShardSyncPlanner.PlanNewLeases(shards, Leases(), InitialPositionInStream.Latest);

        Assert.Equal(["0"], created.Select(l => l.LeaseKey));
    }

    [Fact]
    public void PlanNewLeases_LeasedParentNoLongerListed_StillCoversItsChildren()
    {
        // The parent's data is being read by its owner; the child is created at its SHARD_END, not at LATEST now.
        Shard[] shards = [Open("1", 2, "0")];

        Assert.Empty(ShardSyncPlanner.PlanNewLeases(shards, Leases(Held("0")), InitialPositionInStream.Latest));
    }

    [Fact]
    public void PlanDeletions_ParentAtShardEndWithStartedChildren_IsDeleted()
    {
        var leases = Leases(Ended("0", "4", "5"), Held("1"), Held("4"), Held("5"), Held("6"));

        var deletion = Assert.Single(ShardSyncPlanner.PlanDeletions(SplitAndMerge(), leases));

        Assert.Equal(new LeaseDeletion("0", LeaseDeletionReason.Completed), deletion);
    }

    [Fact]
    public void PlanDeletions_ChildStillAtTrimHorizon_KeepsTheParent()
    {
        var leases = Leases(Ended("0", "4", "5"), Held("1"), Held("4"), New("5"), Held("6"));

        Assert.Empty(ShardSyncPlanner.PlanDeletions(SplitAndMerge(), leases));
    }

    [Fact]
    public void PlanDeletions_ChildLeaseMissing_KeepsTheParent()
    {
        var leases = Leases(Ended("0", "4", "5"), Held("1"), Held("4"), Held("6"));

        Assert.Empty(ShardSyncPlanner.PlanDeletions(SplitAndMerge(), leases));
    }

    [Fact]
    public void PlanDeletions_ParentOfTheEndedLeaseStillPresent_KeepsIt()
    {
        Shard[] shards = [Closed("0", 1), Closed("1", 2, "0"), Open("2", 3, "1")];
        var leases = Leases(Ended("0", "1"), Ended("1", "2") with { ParentShardIds = ["0"] }, Held("2"));

        var deletion = Assert.Single(ShardSyncPlanner.PlanDeletions(shards, leases));

        Assert.Equal("0", deletion.LeaseKey);
    }

    [Fact]
    public void PlanDeletions_EndedLeaseWithoutChildIds_TakesTheChildrenFromTheListing()
    {
        var leases = Leases(Ended("0"), Held("1"), Held("4"), Held("5"), Held("6"));

        var deletion = Assert.Single(ShardSyncPlanner.PlanDeletions(SplitAndMerge(), leases));

        Assert.Equal("0", deletion.LeaseKey);
    }

    [Fact]
    public void PlanDeletions_ShardNoLongerListed_IsDeletedAsGone()
    {
        var leases = Leases(Held("1"), Held("4"), Held("5"), Held("6"), Held("shardId-trimmed"), Ended("shardId-trimmed-end"));

        var deletions = ShardSyncPlanner.PlanDeletions(SplitAndMerge(), leases);

        Assert.Equal(
            [new LeaseDeletion("shardId-trimmed", LeaseDeletionReason.ShardGone), new LeaseDeletion("shardId-trimmed-end", LeaseDeletionReason.ShardGone)],
            deletions.OrderBy(d => d.LeaseKey, StringComparer.Ordinal));
    }

    [Fact]
    public void PlanDeletions_UnlistedShardStillNeededAsParent_IsKept()
    {
        // Shard 0 was trimmed, its child 1 has no lease yet: 0's lease says where 1 starts.
        Shard[] shards = [Open("1", 2, "0")];

        Assert.Empty(ShardSyncPlanner.PlanDeletions(shards, Leases(Ended("0", "1"))));
    }

    [Fact]
    public void PlanDeletions_UnlistedShardWhoseParentIsListed_IsANewShardAndKept()
    {
        Shard[] shards = [Closed("0", 1), Open("1", 2, "0")];
        var leases = Leases(Ended("0", "1", "2"), Held("1"), New("2") with { ParentShardIds = ["0"] });

        Assert.Empty(ShardSyncPlanner.PlanDeletions(shards, leases));
    }

    private static Shard[] SplitAndMerge() =>
    [
        Closed("0", 1, range: (0, 99)), Open("1", 1, range: (100, 199)), Closed("2", 1, range: (200, 299)), Closed("3", 1, range: (300, 399)),
        Open("4", 2, "0", range: (0, 49)), Open("5", 2, "0", range: (50, 99)), Open("6", 2, "2", "3", range: (200, 399)),
    ];

    private static Dictionary<string, Lease> Leases(params Lease[] leases) => leases.ToDictionary(l => l.LeaseKey, StringComparer.Ordinal);

    private static Lease New(string id) => Lease.CreateNew(id, ExtendedSequenceNumber.TrimHorizon);

    private static Lease Held(string id) => Lease.CreateNew(id, Started) with { LeaseOwner = "w1", LeaseCounter = 5 };

    private static Lease Ended(string id, params string[] children) => Lease.CreateNew(id, ExtendedSequenceNumber.ShardEnd) with { ChildShardIds = children };

    private static Shard Open(string id, int epoch, string? parent = null, string? adjacent = null, (int Start, int End)? range = null) => Make(id, epoch, parent, adjacent, range, open: true);

    private static Shard Closed(string id, int epoch, string? parent = null, string? adjacent = null, (int Start, int End)? range = null) => Make(id, epoch, parent, adjacent, range, open: false);

    private static Shard Make(string id, int epoch, string? parent, string? adjacent, (int Start, int End)? range, bool open) => new()
    {
        ShardId = id,
        ParentShardId = parent,
        AdjacentParentShardId = adjacent,
        HashKeyRange = new Kinesis.Core.Hashing.HashKeyRange((UInt128)(range?.Start ?? 0), (UInt128)(range?.End ?? 99)),
        SequenceNumberRange = new SequenceNumberRange
        {
            StartingSequenceNumber = $"{epoch}000",
            EndingSequenceNumber = open ? null : $"{epoch}999",
        },
    };
}
