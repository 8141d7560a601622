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
        var middle = (BigInteger.Parse(parent.HashKeyRange.EndingHashKey, System.Globalization.CultureInfo.InvariantCulture) / 2).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await env.Kinesis.SplitShardAsync(new SplitShardRequest { StreamName = env.StreamName, ShardToSplit = parent.ShardId, NewStartingHashKey = middle });
        await env.Kinesis.WaitForStreamActiveAsync(env.StreamName, TimeSpan.FromSeconds(60));
        expected.AddRange(await env.PutRawAsync(keys: 8, first: 10, count: 10));

        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(expected), Deadline, "every record delivered across the split");
        KinesisConsumerIntegrationTests.AssertPerKeyOrder(env);
        Assert.True(env.Deliveries.Select(d => d.ShardId).Distinct().Count() >= 2, "children were read");
        await Eventually.HoldsAsync(async () => (await env.ListLeasesAsync()).Any(l => l.LeaseKey == parent.ShardId && l.Checkpoint!.IsShardEnd) || (await env.ListLeasesAsync()).All(l => l.LeaseKey != parent.ShardId), Deadline, "the parent reached SHARD_END or was cleaned up");
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
}
