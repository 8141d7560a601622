using System.Numerics;
using Amazon.DynamoDBv2.Model;
using Kinesis.Client.Leases;
using Kinesis.Client.Tests.Metrics;
using Kinesis.Core.Api;
using Kinesis.Core.Hashing;
using Kinesis.Core.Metrics;
using Kinesis.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kinesis.Client.Tests.MultiStream;

[Collection(LocalAwsCollection.Name)]
public sealed class MultiStreamConsumerTests(LocalAwsFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task StartAsync_TwoStreamsOneWorker_DeliversEveryRecordOnceWithItsStreamAndKeysLeasesAsJava()
    {
        await using var env = new MultiStreamTestEnvironment(fixture);
        var orders = await env.CreateStreamAsync("orders", 2);
        var clicks = await env.CreateStreamAsync("clicks", 1);
        var clicksArn = (await env.DescribeAsync(clicks)).StreamARN!;
        var expected = await env.PutAsync(orders, keys: 4, first: 0, count: 5);
        expected.AddRange(await env.PutAsync(clicks, keys: 3, first: 0, count: 5));
        using var metrics = new ConsumerMeasurements(env.Base.ApplicationName);
        var consumer = env.CreateConsumer("w1", o => o.MultiStream.Streams = [new StreamConfig { StreamName = orders }, new StreamConfig { StreamArn = clicksArn }]);
        await consumer.StartAsync();

        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(expected), Deadline, "records put before start delivered");
        var more = await env.PutAsync(orders, keys: 4, first: 5, count: 3);
        more.AddRange(await env.PutAsync(clicks, keys: 3, first: 5, count: 3));
        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(more), Deadline, "records put after start delivered");
        await consumer.StopAsync();

        Assert.Equal(expected.Count + more.Count, env.Deliveries.Count);
        env.AssertEachRecordCameWithItsStream();
        env.AssertPerKeyOrder();
        Assert.Equal(
            new[] { (orders, "shardId-000000000000"), (orders, "shardId-000000000001"), (clicks, "shardId-000000000000") }.Order(),
            env.Created.Select(c => (c.Stream!, c.ShardId)).Distinct().Order());

        // The instruments carry each stream's name, so both streams' shard-0 are told apart.
        Assert.Equal(env.Deliveries.Count(d => d.StreamName == orders), metrics.Sum(ConsumerMetricNames.RecordsProcessed, MetricTagNames.StreamName, orders));
        Assert.Equal(env.Deliveries.Count(d => d.StreamName == clicks), metrics.Sum(ConsumerMetricNames.RecordsProcessed, MetricTagNames.StreamName, clicks));

        // The leases, as the Java KCL's multi-stream tracker keys them.
        var items = (await env.Base.DynamoDb.ScanAsync(new ScanRequest { TableName = env.Base.ApplicationName, ConsistentRead = true })).Items;
        Assert.Equal(3, items.Count);
        foreach (var (stream, shards) in new[] { (orders, 2), (clicks, 1) })
        {
            var summary = await env.DescribeAsync(stream);
            var account = summary.StreamARN!.Split(':')[4];
            var identity = $"{account}:{stream}:{summary.StreamCreationTimestamp!.Value.ToUnixTimeSeconds()}";
            var ofStream = items.Where(i => i["streamName"].S == identity).ToList();
            Assert.Equal(shards, ofStream.Count);
            Assert.All(ofStream, i => Assert.Equal($"{identity}:{i["shardId"].S}", i["leaseKey"].S));
        }
    }

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task StreamProvider_StreamRemoved_LeasesDeletedAfterTheDelayAndItsProcessorsStop()
    {
        await using var env = new MultiStreamTestEnvironment(fixture);
        var kept = await env.CreateStreamAsync("kept", 1);
        var removed = await env.CreateStreamAsync("removed", 2);
        var list = new List<StreamConfig> { new() { StreamName = kept }, new() { StreamName = removed } };
        var delay = TimeSpan.FromSeconds(3);
        using var metrics = new ConsumerMeasurements(env.Base.ApplicationName);
        var consumer = env.CreateConsumer("w1", o =>
        {
            o.MultiStream.StreamProvider = _ => ValueTask.FromResult<IReadOnlyList<StreamConfig>>([.. list]);
            o.MultiStream.FormerStreamsLeasesDeletionDelay = delay;
        });
        await consumer.StartAsync();
        var expected = await env.PutAsync(kept, keys: 2, first: 0, count: 3);
        expected.AddRange(await env.PutAsync(removed, keys: 2, first: 0, count: 3));
        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(expected), Deadline, "both streams delivered");
        await Eventually.HoldsAsync(() => ObserveStreamCounts(metrics) == (2, 0), Deadline, "ActiveStreams.Count 2 after a stream sync");

        list.RemoveAt(1);
        var removedAt = DateTime.UtcNow;
        await Eventually.HoldsAsync(async () => (await env.Base.ListLeasesAsync()).All(l => !l.LeaseKey.Contains(removed, StringComparison.Ordinal)), Deadline, "the removed stream's leases deleted");
        var took = DateTime.UtcNow - removedAt;
        Assert.True(took >= delay, $"leases deleted after {took}, before the {delay} delay");
        await Eventually.HoldsAsync(() => env.LeasesLost.Count(l => l.Stream == removed) == 2, Deadline, "the removed stream's two processors lost their leases");
        Assert.DoesNotContain(env.LeasesLost, l => l.Stream == kept);

        var after = await env.PutAsync(kept, keys: 2, first: 3, count: 3);
        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(after), Deadline, "the kept stream still flows");
        Assert.Single(await env.Base.ListLeasesAsync());
        await Eventually.HoldsAsync(() => ObserveStreamCounts(metrics) == (1, 0), Deadline, "ActiveStreams.Count 1, none pending, after the deletion");
        await consumer.StopAsync();

        // The Java KCL's MultiStreamTracker metrics: one former stream deleted, on the MultiStreamTracker operation.
        Assert.Equal(1, metrics.Sum(ConsumerMetricNames.DeletedStreamsCount));
        Assert.All(metrics.Tags(ConsumerMetricNames.DeletedStreamsCount), t => Assert.Equal(ConsumerOperations.MultiStreamTracker, t[MetricTagNames.Operation]));
    }

    private static (double? Active, double? Pending) ObserveStreamCounts(ConsumerMeasurements metrics)
    {
        metrics.ObserveGauges();
        return (metrics.Last(ConsumerMetricNames.ActiveStreamsCount), metrics.Last(ConsumerMetricNames.StreamsPendingDeletionCount));
    }

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task StreamProvider_StreamAddedWhileRunning_IsReadFromItsOwnInitialPosition()
    {
        await using var env = new MultiStreamTestEnvironment(fixture);
        var first = await env.CreateStreamAsync("first", 1);
        var second = await env.CreateStreamAsync("second", 1);
        var old = await env.PutAsync(second, keys: 2, first: 0, count: 3);
        var list = new List<StreamConfig> { new() { StreamName = first } };
        var consumer = env.CreateConsumer("w1", o => o.MultiStream.StreamProvider = _ => ValueTask.FromResult<IReadOnlyList<StreamConfig>>([.. list]));
        await consumer.StartAsync();
        var expected = await env.PutAsync(first, keys: 2, first: 0, count: 3);
        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(expected), Deadline, "the first stream delivered");

        // TRIM_HORIZON is the consumer's default here; the new stream starts at LATEST: what was put before it joined is skipped.
        list.Add(new StreamConfig { StreamName = second, InitialPosition = InitialPositionInStream.Latest });
        await Eventually.HoldsAsync(async () => (await env.Base.ListLeasesAsync()).Any(l => l.LeaseKey.Contains(second, StringComparison.Ordinal)), Deadline, "a lease created for the new stream");
        var next = 100;
        await Eventually.HoldsAsync(
            async () =>
            {
                await env.PutAsync(second, keys: 1, first: next++, count: 1);
                return env.Deliveries.Any(d => d.StreamName == second);
            },
            Deadline,
            "the new stream delivered");
        Assert.False(env.DeliveredPayloads().Overlaps(old));
        env.AssertEachRecordCameWithItsStream();
        await consumer.StopAsync();
    }

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task TwoWorkers_SharedMultiStreamTable_BalanceAndFailOver()
    {
        await using var env = new MultiStreamTestEnvironment(fixture);
        var a = await env.CreateStreamAsync("a", 2);
        var b = await env.CreateStreamAsync("b", 2);
        void Configure(KinesisConsumerOptions o) => o.MultiStream.Streams = [new StreamConfig { StreamName = a }, new StreamConfig { StreamName = b }];
        var w1 = env.CreateConsumer("w1", Configure);
        var w2 = env.CreateConsumer("w2", Configure);
        await w1.StartAsync();
        await w2.StartAsync();
        var expected = await env.PutAsync(a, keys: 4, first: 0, count: 3);
        expected.AddRange(await env.PutAsync(b, keys: 4, first: 0, count: 3));

        await Eventually.HoldsAsync(() => w1.HeldShardIds.Count == 2 && w2.HeldShardIds.Count == 2, Deadline, "the four leases balanced two and two");
        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(expected), Deadline, "every record delivered");

        await w2.DisposeAsync();
        await Eventually.HoldsAsync(() => w1.HeldShardIds.Count == 4, Deadline, "the survivor took the failed worker's leases");
        var more = await env.PutAsync(a, keys: 4, first: 3, count: 3);
        more.AddRange(await env.PutAsync(b, keys: 4, first: 3, count: 3));
        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(more), Deadline, "records after the failover delivered");
        env.AssertEachRecordCameWithItsStream();
        env.AssertPerKeyOrder();
        Assert.All(w1.HeldShardIds, k => Assert.Matches(@"^\d+:(a|b)-[0-9a-f]+:\d+:shardId-\d+$", k));
        await w1.StopAsync();
    }

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task SplitShard_OfOneStreamMidRun_ParentBeforeChildrenWhileTheOtherKeepsFlowing()
    {
        await using var env = new MultiStreamTestEnvironment(fixture);
        var split = await env.CreateStreamAsync("split", 1);
        var steady = await env.CreateStreamAsync("steady", 1);
        var consumer = env.CreateConsumer("w1", o => o.MultiStream.Streams = [new StreamConfig { StreamName = split }, new StreamConfig { StreamName = steady }]);
        await consumer.StartAsync();
        var expected = await env.PutAsync(split, keys: 8, first: 0, count: 5);
        expected.AddRange(await env.PutAsync(steady, keys: 2, first: 0, count: 5));
        var parent = (await env.Base.Kinesis.ListShardsAsync(new ListShardsRequest { StreamName = split })).Shards[0];
        var middle = ((BigInteger)parent.HashKeyRange.End / 2).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await env.Base.Kinesis.SplitShardAsync(new SplitShardRequest { StreamName = split, ShardToSplit = parent.ShardId, NewStartingHashKey = middle });
        await env.Base.Kinesis.WaitForStreamActiveAsync(split, TimeSpan.FromSeconds(60));
        expected.AddRange(await env.PutAsync(split, keys: 8, first: 5, count: 5));
        expected.AddRange(await env.PutAsync(steady, keys: 2, first: 5, count: 5));

        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(expected), Deadline, "every record of both streams delivered across the split");
        env.AssertPerKeyOrder();
        env.AssertEachRecordCameWithItsStream();
        Assert.True(env.Deliveries.Where(d => d.StreamName == split).Select(d => d.ShardId).Distinct().Count() >= 2, "the children were read");
        await Eventually.HoldsAsync(
            async () =>
            {
                var leases = await env.Base.ListLeasesAsync();
                return leases.All(l => l.StreamIdentifier is not null && l.LeaseKey == $"{l.StreamIdentifier}:{l.ShardId}")
                    && leases.Count(l => l.StreamIdentifier!.Contains(split, StringComparison.Ordinal)) == 2
                    && leases.All(l => l.ShardId != parent.ShardId || l.StreamIdentifier!.Contains(steady, StringComparison.Ordinal));
            },
            Deadline,
            "the split stream's finished parent lease cleaned up, its two children leased, keyed in the stream");
        await consumer.StopAsync();
    }

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task ChildLeasesAlreadyInTable_ChildrenWaitForTheParentOfTheirStream()
    {
        await using var env = new MultiStreamTestEnvironment(fixture);
        var stream = await env.CreateStreamAsync("family", 1);
        var parentRecords = await env.PutAsync(stream, keys: 8, first: 0, count: 5);
        var parent = (await env.Base.Kinesis.ListShardsAsync(new ListShardsRequest { StreamName = stream })).Shards[0];
        var middle = ((BigInteger)parent.HashKeyRange.End / 2).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await env.Base.Kinesis.SplitShardAsync(new SplitShardRequest { StreamName = stream, ShardToSplit = parent.ShardId, NewStartingHashKey = middle });
        await env.Base.Kinesis.WaitForStreamActiveAsync(stream, TimeSpan.FromSeconds(60));
        var childRecords = await env.PutAsync(stream, keys: 8, first: 5, count: 5);

        // The table as a worker left it mid-split: the parent not finished, both children leased from TRIM_HORIZON.
        var summary = await env.DescribeAsync(stream);
        var identity = new StreamIdentifier(summary.StreamARN!.Split(':')[4], stream, summary.StreamCreationTimestamp!.Value.ToUnixTimeSeconds());
        var refresher = new DynamoDbLeaseRefresher(env.Base.DynamoDb, env.Base.ApplicationName, new LeaseManagementOptions(), TimeProvider.System, NullLogger.Instance);
        await refresher.CreateTableIfNotExistsAsync();
        await refresher.WaitUntilActiveAsync();
        await refresher.CreateLeaseIfNotExistsAsync(Lease.CreateNew(parent.ShardId, ExtendedSequenceNumber.TrimHorizon, [], HashKeys.Format(parent.HashKeyRange.Start), HashKeys.Format(parent.HashKeyRange.End)).InStream(identity));
        foreach (var child in (await env.Base.Kinesis.ListShardsAsync(new ListShardsRequest { StreamName = stream })).Shards.Where(s => s.ParentShardId == parent.ShardId))
        {
            await refresher.CreateLeaseIfNotExistsAsync(Lease.CreateNew(child.ShardId, ExtendedSequenceNumber.TrimHorizon, [parent.ShardId], HashKeys.Format(child.HashKeyRange.Start), HashKeys.Format(child.HashKeyRange.End)).InStream(identity));
        }

        // The parent is slow, so a child that did not wait for it would deliver first.
        env.BeforeBatch = shardId => shardId == parent.ShardId ? Task.Delay(TimeSpan.FromMilliseconds(1500)) : Task.CompletedTask;
        var consumer = env.CreateConsumer("w1", o => o.MultiStream.Streams = [new StreamConfig { StreamName = stream }]);
        await consumer.StartAsync();

        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(childRecords), Deadline, "the children delivered");
        Assert.Superset(parentRecords.ToHashSet(StringComparer.Ordinal), env.DeliveredPayloads());
        var order = env.Deliveries.Select(d => d.Payload).ToList();
        var lastParent = order.FindLastIndex(p => parentRecords.Contains(p));
        var firstChild = order.FindIndex(p => childRecords.Contains(p));
        Assert.True(lastParent < firstChild, $"a child record was delivered at {firstChild}, before the parent's last at {lastParent}");
        await consumer.StopAsync();
    }

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task StartAsync_TwoStreamsWithFanOut_RegistersAConsumerOnEachStreamAndReadsBoth()
    {
        await using var env = new MultiStreamTestEnvironment(fixture);
        var left = await env.CreateStreamAsync("left", 1);
        var right = await env.CreateStreamAsync("right", 1);
        var rightArn = (await env.DescribeAsync(right)).StreamARN!;
        var expected = await env.PutAsync(left, keys: 2, first: 0, count: 3);
        expected.AddRange(await env.PutAsync(right, keys: 2, first: 0, count: 3));
        var consumer = env.CreateConsumer("w1", o =>
        {
            FanOut.KinesisConsumerFanOutTests.ConfigureFanOut(o);
            o.MultiStream.Streams = [new StreamConfig { StreamName = left }, new StreamConfig { StreamArn = rightArn }];
        });
        await consumer.StartAsync();

        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(expected), Deadline, "both streams delivered through fan-out");
        env.AssertEachRecordCameWithItsStream();
        Assert.Equal(0, consumer.Counters.GetRecordsCalls);
        foreach (var stream in new[] { left, right })
        {
            var arn = (await env.DescribeAsync(stream)).StreamARN!;
            var consumers = (await env.Base.Kinesis.ListStreamConsumersAsync(new ListStreamConsumersRequest { StreamARN = arn })).Consumers;
            Assert.Contains(consumers, c => c.ConsumerName == env.Base.ApplicationName);
        }

        await consumer.StopAsync();
    }

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task ShardStopped_SameShardIdInTwoStreams_EachEventNamesItsStreamAndLeaseKey()
    {
        await using var env = new MultiStreamTestEnvironment(fixture);
        var orders = await env.CreateStreamAsync("orders", 1);
        var clicks = await env.CreateStreamAsync("clicks", 1);
        await env.PutAsync(orders, keys: 1, first: 0, count: 1);
        await env.PutAsync(clicks, keys: 1, first: 0, count: 1);
        env.BeforeBatch = _ => throw new InvalidOperationException("user code failed");
        var consumer = env.CreateConsumer("w1", o =>
        {
            o.ErrorMode = ProcessorErrorMode.StopShard;
            o.MultiStream.Streams = [new StreamConfig { StreamName = orders }, new StreamConfig { StreamName = clicks }];
        });
        var stopped = new System.Collections.Concurrent.ConcurrentQueue<ShardStoppedEventArgs>();
        consumer.ShardStopped += (_, e) => stopped.Enqueue(e);
        await consumer.StartAsync();

        await Eventually.HoldsAsync(() => stopped.Count == 2, Deadline, "both streams' shard-0 stopped");
        var held = consumer.HeldShardIds;
        await consumer.StopAsync();

        Assert.All(stopped, e => Assert.NotNull(e.Stream));
        Assert.All(stopped, e => Assert.Equal("shardId-000000000000", e.ShardId));
        Assert.Equal(new[] { clicks, orders }.Order(), stopped.Select(e => e.Stream!.StreamName).Order());
        Assert.All(stopped, e => Assert.Equal(e.Stream!.LeaseKey(e.ShardId), e.LeaseKey));
        Assert.Equal(held.Order(), stopped.Select(e => e.LeaseKey).Order());
    }

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task StartAsync_SingleStreamLeaseInTheTable_NeverTakenWhileItsOwnStreamIsRead()
    {
        await using var env = new MultiStreamTestEnvironment(fixture);
        var stream = await env.CreateStreamAsync("mixed", 1);
        var expected = await env.PutAsync(stream, keys: 2, first: 0, count: 3);
        var refresher = new DynamoDbLeaseRefresher(env.Base.DynamoDb, env.Base.ApplicationName, new LeaseManagementOptions(), TimeProvider.System, NullLogger.Instance);
        await refresher.CreateTableIfNotExistsAsync();
        await refresher.WaitUntilActiveAsync();

        // A single-stream application's lease (key = bare shard id): this worker could never process it.
        Assert.True(await refresher.CreateLeaseIfNotExistsAsync(Lease.CreateNew("shardId-000000000007", ExtendedSequenceNumber.TrimHorizon)));
        var consumer = env.CreateConsumer("w1", o => o.MultiStream.Streams = [new StreamConfig { StreamName = stream }]);
        await consumer.StartAsync();

        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(expected), Deadline, "the stream's records delivered");
        var held = Assert.Single(consumer.HeldShardIds);
        Assert.Contains($":{stream}:", held, StringComparison.Ordinal);
        await consumer.StopAsync();
        var single = Assert.Single(await env.Base.ListLeasesAsync(), l => l.StreamIdentifier is null);
        Assert.Null(single.LeaseOwner);
        Assert.Equal(0, single.LeaseCounter);
    }

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task StartAsync_LeaseWrittenByJavaMultiStreamTracker_ResumesAfterItsCheckpoint()
    {
        await using var env = new MultiStreamTestEnvironment(fixture);
        var stream = await env.CreateStreamAsync("java", 1);
        var before = await env.PutAsync(stream, keys: 1, first: 0, count: 5);
        var shard = (await env.Base.Kinesis.ListShardsAsync(new ListShardsRequest { StreamName = stream })).Shards[0];
        var records = (await env.Base.Kinesis.GetRecordsAsync(new GetRecordsRequest
        {
            ShardIterator = (await env.Base.Kinesis.GetShardIteratorAsync(new GetShardIteratorRequest { StreamName = stream, ShardId = shard.ShardId, ShardIteratorType = ShardIteratorType.TrimHorizon })).ShardIterator!,
        })).Records;
        var after = await env.PutAsync(stream, keys: 1, first: 5, count: 5);

        // The item a Java KCL 2.x MultiStreamTracker worker leaves after checkpointing the fifth record, then dying.
        var summary = await env.DescribeAsync(stream);
        var identity = $"{summary.StreamARN!.Split(':')[4]}:{stream}:{summary.StreamCreationTimestamp!.Value.ToUnixTimeSeconds()}";
        var refresher = new DynamoDbLeaseRefresher(env.Base.DynamoDb, env.Base.ApplicationName, new LeaseManagementOptions(), TimeProvider.System, NullLogger.Instance);
        await refresher.CreateTableIfNotExistsAsync();
        await refresher.WaitUntilActiveAsync();
        await env.Base.DynamoDb.PutItemAsync(new PutItemRequest
        {
            TableName = env.Base.ApplicationName,
            Item = new Dictionary<string, AttributeValue>
            {
                ["leaseKey"] = new() { S = $"{identity}:{shard.ShardId}" },
                ["leaseOwner"] = new() { S = "java-worker" },
                ["leaseCounter"] = new() { N = "12" },
                ["ownerSwitchesSinceCheckpoint"] = new() { N = "0" },
                ["checkpoint"] = new() { S = records[4].SequenceNumber },
                ["checkpointSubSequenceNumber"] = new() { N = "0" },
                ["pendingCheckpointState"] = new() { N = "0" },
                ["startingHashKey"] = new() { S = HashKeys.Format(shard.HashKeyRange.Start) },
                ["endingHashKey"] = new() { S = HashKeys.Format(shard.HashKeyRange.End) },
                ["streamName"] = new() { S = identity },
                ["shardId"] = new() { S = shard.ShardId },
            },
        });
        var consumer = env.CreateConsumer("w1", o => o.MultiStream.Streams = [new StreamConfig { StreamName = stream }]);
        await consumer.StartAsync();

        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(after), Deadline, "the records after the Java checkpoint delivered once the Java worker's lease expired");
        Assert.False(env.DeliveredPayloads().Overlaps(before));
        Assert.Equal([$"{identity}:{shard.ShardId}"], consumer.HeldShardIds);
        await consumer.StopAsync();
        var lease = Assert.Single(await env.Base.ListLeasesAsync());
        Assert.Equal((identity, shard.ShardId), (lease.StreamIdentifier, lease.ShardIdAttribute));
    }

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task StreamDeletedWhileListed_LeasesDeletedAfterTheDelayWhileTheOtherKeepsFlowing()
    {
        await using var env = new MultiStreamTestEnvironment(fixture);
        var kept = await env.CreateStreamAsync("kept", 1);
        var deleted = await env.CreateStreamAsync("deleted", 1);
        var delay = TimeSpan.FromSeconds(2);
        var consumer = env.CreateConsumer("w1", o =>
        {
            o.MultiStream.Streams = [new StreamConfig { StreamName = kept }, new StreamConfig { StreamName = deleted }];
            o.MultiStream.FormerStreamsLeasesDeletionDelay = delay;
        });
        await consumer.StartAsync();
        var expected = await env.PutAsync(kept, keys: 2, first: 0, count: 3);
        expected.AddRange(await env.PutAsync(deleted, keys: 2, first: 0, count: 3));
        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(expected), Deadline, "both streams delivered");

        await env.Base.Kinesis.DeleteStreamAsync(new DeleteStreamRequest { StreamName = deleted });
        env.Streams.Remove(deleted);
        await Eventually.HoldsAsync(async () => (await env.Base.ListLeasesAsync()).All(l => !l.LeaseKey.Contains(deleted, StringComparison.Ordinal)), Deadline, "the deleted stream's lease deleted although the list still names it");

        var after = await env.PutAsync(kept, keys: 2, first: 3, count: 3);
        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(after), Deadline, "the kept stream still flows");
        Assert.Single(await env.Base.ListLeasesAsync());
        await consumer.StopAsync();
    }
}

