using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Numerics;
using System.Text;
using Kinesis.Client.Leases;
using Kinesis.Client.Tests.Consumer;
using Kinesis.Client.Tests.Leases;
using Kinesis.Core.Aggregation;
using Kinesis.Core.Api;
using Kinesis.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;

namespace Kinesis.Client.Tests.Coordination;

/// <summary>Shard sync, lease cleanup and the hierarchy rules on resharded streams, with consumers left running past their background intervals.</summary>
[Collection(LocalAwsCollection.Name)]
public sealed class ShardSyncIntegrationTests(LocalAwsFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task SplitAndMerge_RunningPastSeveralSyncAndCleanupPasses_OneWorkerDeliversEveryRecordExactlyOnceInKeyOrder()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(4);
        var requests = new TargetCountingHandler();
        var consumer = env.CreateConsumer("w1", kinesisHandler: requests);
        await consumer.StartAsync();

        // Records arrive while the consumer runs: before the split, between split and merge, after the merge.
        var expected = await env.PutRawAsync(keys: 48, first: 0, count: 4);
        var shards = (await env.Kinesis.ListShardsAsync(new ListShardsRequest { StreamName = env.StreamName })).Shards;
        await SplitInHalfAsync(env, shards[0]);
        expected.AddRange(await env.PutRawAsync(keys: 48, first: 4, count: 4));
        await LocalKinesis.ReshardAsync(env.Kinesis, env.StreamName, () => env.Kinesis.MergeShardsAsync(new MergeShardsRequest { StreamName = env.StreamName, ShardToMerge = shards[2].ShardId, AdjacentShardToMerge = shards[3].ShardId }));
        await WaitForReshardAsync(env, shards[2].ShardId, shards[3].ShardId);
        expected.AddRange(await env.PutRawAsync(keys: 48, first: 8, count: 4));
        string[] parents = [shards[0].ShardId, shards[2].ShardId, shards[3].ShardId];

        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(expected), Deadline, "every record delivered across the split and the merge");
        await Eventually.HoldsAsync(
            async () =>
            {
                // Before the fix a parent cleaned up first was read again while the others waited for their cleanup.
                AssertExactlyOnceInKeyOrder(env, expected);
                return (await env.ListLeasesAsync()).All(l => !parents.Contains(l.LeaseKey));
            },
            Deadline,
            "the finished parents' leases cleaned up");

        // Five more sync + cleanup passes (ShardSyncInterval is 1 s): before the fix, each pass after a cleanup created
        // the finished parent's lease again at TRIM_HORIZON and the worker read the parent a second time.
        var passes = requests.Count("ListShards") + 5;
        await Eventually.HoldsAsync(
            async () =>
            {
                var recreated = (await env.ListLeasesAsync()).Where(l => parents.Contains(l.LeaseKey)).Select(l => $"{l.LeaseKey} at {l.Checkpoint}").ToList();
                Assert.True(recreated.Count == 0, $"finished parent leases created again: {string.Join(", ", recreated)}");
                AssertExactlyOnceInKeyOrder(env, expected);
                return requests.Count("ListShards") >= passes;
            },
            Deadline,
            "five shard sync passes after the cleanup");
        AssertExactlyOnceInKeyOrder(env, expected);
        await consumer.StopAsync();
    }

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task MergeShards_OneParentStillProcessing_ChildWaitsForItBeforeDeliveringAnything()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(2);
        var expected = await env.PutRawAsync(keys: 16, first: 0, count: 5);
        var shards = (await env.Kinesis.ListShardsAsync(new ListShardsRequest { StreamName = env.StreamName })).Shards;
        var (first, slow) = (shards[0].ShardId, shards[1].ShardId);
        await env.Kinesis.MergeShardsAsync(new MergeShardsRequest { StreamName = env.StreamName, ShardToMerge = first, AdjacentShardToMerge = slow });
        await WaitForReshardAsync(env, first, slow);
        expected.AddRange(await env.PutRawAsync(keys: 16, first: 5, count: 5));
        var child = (await env.Kinesis.ListShardsAsync(new ListShardsRequest { StreamName = env.StreamName })).Shards.Single(s => s.ParentShardId is not null).ShardId;

        // One parent finishes (and creates the child's lease); the other is held in its first batch.
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var logs = new FakeLogCollector();
        using var loggerFactory = new LoggerFactory([new FakeLoggerProvider(logs)]);
        await using var consumer = new KinesisConsumer(
            env.CreateOptions("w1"),
            shardId => shardId == slow ? new GatedProcessor(release.Task, new RecordingProcessor("w1", env.Deliveries)) : new RecordingProcessor("w1", env.Deliveries),
            loggerFactory);
        await consumer.StartAsync();

        // The child is held by this worker and has polled its unfinished parent twice: it would have delivered by now.
        await Eventually.HoldsAsync(
            () =>
            {
                Assert.DoesNotContain(env.Deliveries, d => d.ShardId == child);
                var polls = logs.GetSnapshot().Count(e => e.Id.Id == 3025 && e.Message.Contains(child, StringComparison.Ordinal) && e.Message.Contains(slow, StringComparison.Ordinal));
                return consumer.HeldShardIds.Contains(child) && polls >= 2;
            },
            Deadline,
            "the child waiting on its unfinished parent");
        Assert.DoesNotContain(env.Deliveries, d => d.ShardId == child);

        release.SetResult();
        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(expected), Deadline, "every record delivered once the parent finished");
        var order = env.Deliveries.ToList();
        Assert.True(order.FindLastIndex(d => d.ShardId == slow) < order.FindIndex(d => d.ShardId == child), "the child started after its slow parent's last record");
        AssertExactlyOnceInKeyOrder(env, expected);
        await consumer.StopAsync();
    }

    [Theory(Timeout = TestTimeouts.LongIntegration)]
    [InlineData(HashKeyRangeFilterMode.DropAndReport)]
    [InlineData(HashKeyRangeFilterMode.Deliver)]
    public async Task Aggregate_OnChildShardWithKeysOutsideItsRange_IsFilteredAsConfigured(HashKeyRangeFilterMode mode)
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(1);
        var parent = (await env.Kinesis.ListShardsAsync(new ListShardsRequest { StreamName = env.StreamName })).Shards[0];
        var middle = await SplitInHalfAsync(env, parent);
        var lowChild = (await env.Kinesis.ListShardsAsync(new ListShardsRequest { StreamName = env.StreamName })).Shards.Single(s => s.HashKeyRange.Start == 0 && s.ParentShardId is not null);

        // Three aggregates put on the low child: all keys in range; one key in the high child's range (what a KPL with a
        // stale shard map leaves behind, and re-sends to the right shard); all keys in range again.
        var inLow = middle / 4;
        var inHigh = middle + 5;
        var kept1 = await PutAggregateOnAsync(env, "kept1", inLow, [inLow, inLow + 1, inLow + 2]);
        var mixed = await PutAggregateOnAsync(env, "mixed", inLow, [inLow, inHigh, inLow + 3]);
        var kept2 = await PutAggregateOnAsync(env, "kept2", inLow, [inLow + 4, inLow + 5]);
        var raw = await env.PutRawAsync(keys: 4, first: 0, count: 1);

        var consumer = env.CreateConsumer("w1", configure: o => o.HashKeyRangeFilter = mode);
        await consumer.StartAsync();
        var mustArrive = kept1.Concat(kept2).Concat(raw).ToList();
        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(mustArrive), Deadline, "the in-range aggregates and the raw records delivered");

        // Records come in order per shard, so once kept2 is in, the mixed aggregate before it was decided.
        var counters = consumer.DeaggregationCounters!;
        var deliveredMixed = env.Deliveries.Where(d => d.Payload.StartsWith("agg-mixed-", StringComparison.Ordinal)).ToList();
        Assert.All(env.Deliveries.Where(d => d.Payload.StartsWith("agg-", StringComparison.Ordinal)), d => Assert.Equal(lowChild.ShardId, d.ShardId));
        if (mode == HashKeyRangeFilterMode.DropAndReport)
        {
            // The KCL rule: the whole aggregate goes as soon as one of its user records is outside the shard's range.
            Assert.Empty(deliveredMixed);
            Assert.Equal(3, counters.DroppedUserRecords);
            Assert.Equal(0, counters.OutOfRangeUserRecordsDelivered);
        }
        else
        {
            Assert.Equal(mixed, deliveredMixed.Select(d => d.Payload));
            Assert.Equal(0, counters.DroppedUserRecords);
            Assert.Equal(1, counters.OutOfRangeUserRecordsDelivered);
        }

        await consumer.StopAsync();
    }

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task ShardSync_LeasesOfShardsNoLongerInTheStream_AreDeleted()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(2);
        var expected = await env.PutRawAsync(keys: 8, first: 0, count: 3);

        // Leases left behind by shards that retention trimmed away: one mid-shard, one at SHARD_END without children.
        var refresher = new DynamoDbLeaseRefresher(env.DynamoDb, env.ApplicationName, new LeaseManagementOptions(), TimeProvider.System, NullLogger.Instance);
        await refresher.CreateTableIfNotExistsAsync();
        await refresher.WaitUntilActiveAsync();
        string[] gone = ["shardId-000000000077", "shardId-000000000078"];
        await refresher.CreateLeaseIfNotExistsAsync(Lease.CreateNew(gone[0], new ExtendedSequenceNumber("49590338271490256608559692538361571095921575989136588801")));
        await refresher.CreateLeaseIfNotExistsAsync(Lease.CreateNew(gone[1], ExtendedSequenceNumber.ShardEnd));

        var consumer = env.CreateConsumer("w1");
        await consumer.StartAsync();

        await Eventually.HoldsAsync(async () => (await env.ListLeasesAsync()).All(l => !gone.Contains(l.LeaseKey)), Deadline, "the leases of the trimmed shards deleted");
        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(expected), Deadline, "the live shards read");
        var leases = await env.ListLeasesAsync();
        Assert.Equal(2, leases.Count);
        await consumer.StopAsync();
    }

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task ShardSync_ShardMissingFromAListingThatLags_KeepsItsLeaseWhileTheServiceStillHasTheShard()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(2);
        var shards = (await env.Kinesis.ListShardsAsync(new ListShardsRequest { StreamName = env.StreamName })).Shards;
        var hidden = shards[1].ShardId;
        var refresher = new DynamoDbLeaseRefresher(env.DynamoDb, env.ApplicationName, new LeaseManagementOptions(), TimeProvider.System, NullLogger.Instance);
        await refresher.CreateTableIfNotExistsAsync();
        await refresher.WaitUntilActiveAsync();
        foreach (var shard in shards)
        {
            await refresher.CreateLeaseIfNotExistsAsync(Lease.CreateNew(shard.ShardId, ExtendedSequenceNumber.TrimHorizon));
        }

        // Every ListShards answer leaves one live shard out, as an eventually consistent listing can.
        var requests = new TargetCountingHandler();
        var faults = new FaultInjectionHandler(requests).ForTarget("ListShards", Fault.TransformResponseBody(body => WithoutShard(body, hidden)), times: int.MaxValue);
        var consumer = env.CreateConsumer("w1", kinesisHandler: faults);
        await consumer.StartAsync();
        var expected = await env.PutRawAsync(keys: 16, first: 0, count: 3);

        var passes = requests.Count("ListShards") + 3;
        await Eventually.HoldsAsync(
            async () =>
            {
                Assert.Contains(hidden, (await env.ListLeasesAsync()).Select(l => l.LeaseKey));
                return requests.Count("ListShards") >= passes && env.DeliveredPayloads().IsSupersetOf(expected);
            },
            Deadline,
            "three shard sync passes and every record delivered");
        Assert.Contains(hidden, (await env.ListLeasesAsync()).Select(l => l.LeaseKey));
        Assert.Contains(env.Deliveries, d => d.ShardId == hidden);
        AssertExactlyOnceInKeyOrder(env, expected);
        await consumer.StopAsync();
    }

    private static MemoryStream WithoutShard(Stream body, string shardId)
    {
        var json = System.Text.Json.Nodes.JsonNode.Parse(body)!;
        var list = json["Shards"]!.AsArray();
        foreach (var shard in list.Where(s => (string?)s!["ShardId"] == shardId).ToList())
        {
            list.Remove(shard);
        }

        return new MemoryStream(Encoding.UTF8.GetBytes(json.ToJsonString()));
    }

    /// <summary>Every expected record delivered exactly once, and per key in the order it was put (so parents before children).</summary>
    private static void AssertExactlyOnceInKeyOrder(ConsumerTestEnvironment env, List<string>? expected = null)
    {
        var deliveries = env.Deliveries.ToList();
        var duplicates = deliveries.GroupBy(d => d.Payload).Where(g => g.Count() > 1).Select(g => $"{g.Key} x{g.Count()} (from {string.Join("/", g.Select(d => d.ShardId).Distinct())})").Take(5).ToList();
        Assert.True(duplicates.Count == 0, $"duplicates: {string.Join(", ", duplicates)}");
        if (expected is not null)
        {
            Assert.Subset(expected.ToHashSet(StringComparer.Ordinal), deliveries.Select(d => d.Payload).ToHashSet(StringComparer.Ordinal));
        }

        var last = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var d in deliveries)
        {
            var parts = d.Payload.Split(':');
            var n = int.Parse(parts[1], CultureInfo.InvariantCulture);
            Assert.True(!last.TryGetValue(parts[0], out var previous) || n > previous, $"{parts[0]}: {n} (shard {d.ShardId}) delivered after {previous}");
            last[parts[0]] = n;
        }
    }

    private static async Task<BigInteger> SplitInHalfAsync(ConsumerTestEnvironment env, Shard shard)
    {
        var start = (BigInteger)shard.HashKeyRange.Start;
        var end = (BigInteger)shard.HashKeyRange.End;
        var middle = start + ((end - start) / 2) + 1;
        await LocalKinesis.ReshardAsync(env.Kinesis, env.StreamName, () => env.Kinesis.SplitShardAsync(new SplitShardRequest { StreamName = env.StreamName, ShardToSplit = shard.ShardId, NewStartingHashKey = middle.ToString(CultureInfo.InvariantCulture) }));
        await WaitForReshardAsync(env, shard.ShardId);
        return middle;
    }

    /// <summary>
    /// Waits until the resharded <paramref name="parents"/> are closed and the stream is ACTIVE again (kinesis-local still
    /// reports ACTIVE for a moment after a split or merge; the next reshard goes through <see cref="LocalKinesis.ReshardAsync"/>).
    /// </summary>
    private static async Task WaitForReshardAsync(ConsumerTestEnvironment env, params string[] parents)
    {
        await Eventually.HoldsAsync(
            async () => (await env.Kinesis.ListShardsAsync(new ListShardsRequest { StreamName = env.StreamName })).Shards
                .Where(s => parents.Contains(s.ShardId))
                .All(s => s.SequenceNumberRange.EndingSequenceNumber is not null),
            TimeSpan.FromSeconds(60),
            $"parents {string.Join(", ", parents)} closed");
        await env.Kinesis.WaitForStreamActiveAsync(env.StreamName, TimeSpan.FromSeconds(60));
    }

    /// <summary>Puts one KPL aggregate on the shard owning <paramref name="containerKey"/>, with one user record per explicit hash key.</summary>
    private static async Task<List<string>> PutAggregateOnAsync(ConsumerTestEnvironment env, string tag, BigInteger containerKey, BigInteger[] userKeys)
    {
        using var aggregator = new RecordAggregator(RecordAggregator.MaxMaxSize);
        var payloads = new List<string>();
        for (var i = 0; i < userKeys.Length; i++)
        {
            var payload = $"agg-{tag}-{i}";
            payloads.Add(payload);
            Assert.True(aggregator.TryAdd($"pk-{tag}-{i}", Encoding.UTF8.GetBytes(payload), (UInt128)userKeys[i]));
        }

        var buffer = new ArrayBufferWriter<byte>();
        var info = aggregator.Encode(buffer);
        await env.Kinesis.PutRecordAsync(new PutRecordRequest
        {
            StreamName = env.StreamName,
            PartitionKey = info.PartitionKey,
            ExplicitHashKey = containerKey.ToString(CultureInfo.InvariantCulture),
            Data = buffer.WrittenMemory.ToArray(),
        });
        return payloads;
    }
}
