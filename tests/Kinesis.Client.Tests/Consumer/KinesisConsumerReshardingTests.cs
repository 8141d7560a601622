using System.Numerics;
using Kinesis.Core.Api;
using Kinesis.Testing;

namespace Kinesis.Client.Tests.Consumer;

[Collection(LocalAwsCollection.Name)]
public sealed class KinesisConsumerReshardingTests(LocalAwsFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task SplitShard_MidStream_ChildrenReadAfterParentInKeyOrderWithoutLoss()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(1);
        var consumer = env.CreateConsumer("w1");
        await consumer.StartAsync();
        var expected = await env.PutRawAsync(keys: 8, first: 0, count: 10);
        var parent = (await env.Kinesis.ListShardsAsync(new ListShardsRequest { StreamName = env.StreamName })).Shards[0];
        var middle = ((BigInteger)parent.HashKeyRange.End / 2).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await env.Kinesis.SplitShardAsync(new SplitShardRequest { StreamName = env.StreamName, ShardToSplit = parent.ShardId, NewStartingHashKey = middle });
        await env.Kinesis.WaitForStreamActiveAsync(env.StreamName, TimeSpan.FromSeconds(60));
        expected.AddRange(await env.PutRawAsync(keys: 8, first: 10, count: 10));

        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(expected), Deadline, "every record delivered across the split");
        KinesisConsumerIntegrationTests.AssertPerKeyOrder(env);
        Assert.True(env.Deliveries.Select(d => d.ShardId).Distinct().Count() >= 2, "children were read");
        await Eventually.HoldsAsync(async () => (await env.ListLeasesAsync()).All(l => l.LeaseKey != parent.ShardId), Deadline, "the finished parent lease is cleaned up once both children started");
        Assert.Equal(2, (await env.ListLeasesAsync()).Count);
        await consumer.StopAsync();
    }

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task MergeShards_MidStream_ChildReadAfterBothParentsInKeyOrderWithoutLoss()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(2);
        var consumers = new[] { env.CreateConsumer("w1"), env.CreateConsumer("w2") };
        foreach (var c in consumers)
        {
            await c.StartAsync();
        }

        var expected = await env.PutRawAsync(keys: 8, first: 0, count: 10);
        var shards = (await env.Kinesis.ListShardsAsync(new ListShardsRequest { StreamName = env.StreamName })).Shards;
        await env.Kinesis.MergeShardsAsync(new MergeShardsRequest { StreamName = env.StreamName, ShardToMerge = shards[0].ShardId, AdjacentShardToMerge = shards[1].ShardId });
        await env.Kinesis.WaitForStreamActiveAsync(env.StreamName, TimeSpan.FromSeconds(60));
        expected.AddRange(await env.PutRawAsync(keys: 8, first: 10, count: 10));

        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(expected), Deadline, "every record delivered across the merge");
        KinesisConsumerIntegrationTests.AssertPerKeyOrder(env);
        var parentIds = new[] { shards[0].ShardId, shards[1].ShardId };
        var childDeliveries = env.Deliveries.Where(d => !parentIds.Contains(d.ShardId)).ToList();
        Assert.NotEmpty(childDeliveries);
        foreach (var c in consumers)
        {
            await c.StopAsync();
        }
    }

    [Theory(Timeout = TestTimeouts.LongIntegration)]
    [InlineData(InitialPositionInStream.TrimHorizon)]
    [InlineData(InitialPositionInStream.Latest)]
    public async Task StartAsync_StreamSplitBeforeStart_LeasesFollowTheHierarchy(InitialPositionInStream position)
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(1);
        var old = await env.PutRawAsync(keys: 8, first: 0, count: 5);
        var parent = (await env.Kinesis.ListShardsAsync(new ListShardsRequest { StreamName = env.StreamName })).Shards[0];
        var middle = ((BigInteger)parent.HashKeyRange.End / 2).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await env.Kinesis.SplitShardAsync(new SplitShardRequest { StreamName = env.StreamName, ShardToSplit = parent.ShardId, NewStartingHashKey = middle });
        await env.Kinesis.WaitForStreamActiveAsync(env.StreamName, TimeSpan.FromSeconds(60));

        var consumer = env.CreateConsumer("w1", configure: o => o.InitialPosition = position);
        await consumer.StartAsync();
        var leases = await env.ListLeasesAsync();
        if (position == InitialPositionInStream.TrimHorizon)
        {
            // Only the parent: its children are created when it ends, so nothing is read out of order.
            Assert.Equal([parent.ShardId], leases.Select(l => l.LeaseKey));
            var expected = old.Concat(await env.PutRawAsync(keys: 8, first: 5, count: 5)).ToList();
            await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(expected), Deadline, "parent then children read");
            KinesisConsumerIntegrationTests.AssertPerKeyOrder(env);
        }
        else
        {
            Assert.Equal(2, leases.Count);
            Assert.DoesNotContain(parent.ShardId, leases.Select(l => l.LeaseKey));
            Assert.All(leases, l => Assert.Equal(ExtendedSequenceNumber.Latest, l.Checkpoint));
            Assert.All(leases, l => Assert.Equal([parent.ShardId], l.ParentShardIds));
            await Eventually.HoldsAsync(() => consumer.HeldShardIds.Count == 2, Deadline, "both children held");
        }

        await consumer.StopAsync();
    }
}
