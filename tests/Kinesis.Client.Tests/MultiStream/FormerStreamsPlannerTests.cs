using Kinesis.Client.Coordination;
using Microsoft.Extensions.Time.Testing;

namespace Kinesis.Client.Tests.MultiStream;

/// <summary>The deferred deletion of former streams' leases, on a fake clock.</summary>
public sealed class FormerStreamsPlannerTests
{
    private static readonly StreamIdentifier A = new("123456789012", "a", 1_700_000_000);
    private static readonly StreamIdentifier B = new("123456789012", "b", 1_700_000_000);
    private static readonly TimeSpan Delay = TimeSpan.FromHours(1);

    [Fact]
    public void Plan_StreamLeftTheList_DueOnlyOnceTheDelayPassedSinceFirstSeenMissing()
    {
        var clock = new FakeTimeProvider();
        var planner = new FormerStreamsPlanner(FormerStreamsLeasesDeletion.AutoDetectionDeferred, Delay, clock);
        var noted = new List<(StreamIdentifier, DateTimeOffset)>();
        Assert.Empty(planner.Plan(Set(A, B), Set(A, B)));

        Assert.Empty(planner.Plan(Set(A), Set(A, B), (s, at) => noted.Add((s, at))));
        Assert.Equal([(B, clock.GetUtcNow() + Delay)], noted);
        Assert.Equal(1, planner.PendingCount);
        clock.Advance(Delay - TimeSpan.FromMilliseconds(1));
        Assert.Empty(planner.Plan(Set(A), Set(A, B), (s, at) => noted.Add((s, at))));
        Assert.Single(noted);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal([B], planner.Plan(Set(A), Set(A, B)));
        Assert.Equal(0, planner.PendingCount);

        planner.Deleted(B);
        Assert.Empty(planner.Plan(Set(A), Set(A)));
    }

    [Fact]
    public void Plan_StreamBackInTheListWithinTheDelay_DeletionCancelledAndTheDelayStartsOver()
    {
        var clock = new FakeTimeProvider();
        var planner = new FormerStreamsPlanner(FormerStreamsLeasesDeletion.AutoDetectionDeferred, Delay, clock);
        planner.Plan(Set(A), Set(A, B));
        clock.Advance(TimeSpan.FromMinutes(50));
        Assert.Empty(planner.Plan(Set(A, B), Set(A, B)));
        Assert.Equal(0, planner.PendingCount);

        planner.Plan(Set(A), Set(A, B));
        clock.Advance(TimeSpan.FromMinutes(50));
        Assert.Empty(planner.Plan(Set(A), Set(A, B)));
        clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal([B], planner.Plan(Set(A), Set(A, B)));
    }

    [Fact]
    public void Plan_LeasesDeletedElsewhere_Forgotten()
    {
        var clock = new FakeTimeProvider();
        var planner = new FormerStreamsPlanner(FormerStreamsLeasesDeletion.AutoDetectionDeferred, Delay, clock);
        planner.Plan(Set(A), Set(A, B));
        Assert.Empty(planner.Plan(Set(A), Set(A)));
        Assert.Equal(0, planner.PendingCount);
        clock.Advance(Delay);
        Assert.Empty(planner.Plan(Set(A), Set(A)));
    }

    [Fact]
    public void Plan_NoDeletion_NeverDue()
    {
        var clock = new FakeTimeProvider();
        var planner = new FormerStreamsPlanner(FormerStreamsLeasesDeletion.None, TimeSpan.Zero, clock);
        Assert.Empty(planner.Plan(Set(A), Set(A, B)));
        clock.Advance(TimeSpan.FromDays(365));
        Assert.Empty(planner.Plan(Set(A), Set(A, B)));
        Assert.Equal(0, planner.PendingCount);
    }

    [Fact]
    public void Plan_ZeroDelay_DueAtTheFirstPass()
    {
        var planner = new FormerStreamsPlanner(FormerStreamsLeasesDeletion.AutoDetectionDeferred, TimeSpan.Zero, new FakeTimeProvider());
        Assert.Equal([B], planner.Plan(Set(A), Set(A, B)));
    }

    private static HashSet<StreamIdentifier> Set(params StreamIdentifier[] streams) => [.. streams];
}
