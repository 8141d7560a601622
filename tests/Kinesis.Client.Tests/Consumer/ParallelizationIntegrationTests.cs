using System.Collections.Concurrent;
using System.Text;
using Kinesis.Testing;

namespace Kinesis.Client.Tests.Consumer;

/// <summary>ParallelizationFactor against kinesis-local and dynalite: per-key order, exactly once, the low-water mark across a kill and a graceful stop.</summary>
[Collection(LocalAwsCollection.Name)]
public sealed class ParallelizationIntegrationTests(LocalAwsFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task FactorTen_ManyKeysArrivingWhileConsuming_KeepsPerKeyOrderDeliversEachRecordOnceAndOverlapsCalls()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(1);
        using var measurements = new Metrics.ConsumerMeasurements(env.ApplicationName);
        var probe = new ConcurrencyProbe();
        var consumer = env.CreateConsumer("w1", _ => new LaneRecordingProcessor("w1", env.Deliveries, probe), o => o.ParallelizationFactor = 10);
        var expected = await env.PutRawAsync(keys: 37, first: 0, count: 4);
        await consumer.StartAsync();

        // Records keep arriving while the shard is consumed.
        for (var round = 1; round < 6; round++)
        {
            await Eventually.HoldsAsync(() => env.Deliveries.Count >= expected.Count / 2, Deadline, "consuming is under way");
            expected.AddRange(await env.PutRawAsync(keys: 37, first: round * 4, count: 4));
        }

        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(expected), Deadline, "every record delivered");
        await consumer.StopAsync();

        Assert.Equal(expected.Count, env.Deliveries.Count);
        KinesisConsumerIntegrationTests.AssertPerKeyOrder(env);
        Assert.True(probe.MaxConcurrency > 1, $"ProcessRecordsAsync calls of the shard overlapped (at most {probe.MaxConcurrency} at once)");
        Assert.Equal(0, probe.OverlappingTerminalCalls);
        Assert.True(await env.CheckpointsCaughtUpAsync(), "the shutdown checkpoint is at the low-water mark, the last record, once every lane drained");
        Assert.Equal(consumer.Counters.LaneBatches, measurements.Count(Core.Metrics.ConsumerMetricNames.LanesBusy));
        Assert.Equal(consumer.Counters.LanesBusy, measurements.Sum(Core.Metrics.ConsumerMetricNames.LanesBusy));
        Assert.True(consumer.Counters.LanesBusy > consumer.Counters.LaneBatches, "batches used more than one lane");
    }

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task FactorTen_WorkerKilledWhileOneLaneIsInFlight_NextOwnerResumesFromTheLowWaterMarkWithoutLoss()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(1);
        var victimProcessor = new BlockingKeyProcessor("victim", env.Deliveries, blockedKey: "key-0");
        var victim = env.CreateConsumer("victim", _ => victimProcessor, o => o.ParallelizationFactor = 10);
        var warmup = await PutKeysAsync(env, Enumerable.Range(1, 8).Select(k => $"key-{k}"), "warm");
        await victim.StartAsync();
        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(warmup), Deadline, "the first records delivered");
        await Eventually.HoldsAsync(env.CheckpointsCaughtUpAsync, Deadline, "the first records checkpointed");

        // One PutRecords, so one batch: key-0 comes first and its lane never finishes on the victim; the keys of the other
        // lanes finish (a key sharing key-0's lane waits with it and is left out).
        var blockedLane = Lifecycle.PartitionKeyLanes.LaneOf("key-0", 10);
        var otherKeys = Enumerable.Range(1, 40).Select(k => $"key-{k}").Where(k => Lifecycle.PartitionKeyLanes.LaneOf(k, 10) != blockedLane).ToList();
        var run = await PutKeysAsync(env, otherKeys.Prepend("key-0"), "run");
        var blocked = run.Take(1).ToList();
        var others = run.Skip(1).ToList();
        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(others) && victimProcessor.Active == 0, Deadline, "the other lanes finished and checkpointed");
        Assert.True(victimProcessor.Blocked, "key-0's lane is in flight");

        // Their checkpoints are at the low-water mark: just before key-0's record, although records after it are done.
        var mark = (await env.ListLeasesAsync()).Single().Checkpoint!;
        var lastWarmup = env.Deliveries.Where(d => warmup.Contains(d.Payload)).Select(d => new ExtendedSequenceNumber(d.SequenceNumber, d.SubSequenceNumber)).Max()!;
        Assert.Equal(lastWarmup, mark);

        await victim.DisposeAsync();
        var survivor = env.CreateConsumer("survivor", configure: o => o.ParallelizationFactor = 10);
        await survivor.StartAsync();
        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(blocked), Deadline, "key-0's record delivered by the next owner");
        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(others), Deadline, "nothing lost");

        Assert.DoesNotContain(env.Deliveries, d => d.WorkerId == "victim" && blocked.Contains(d.Payload));
        foreach (var duplicate in env.Deliveries.Where(d => d.WorkerId == "survivor").Select(d => d.Payload).Intersect(env.Deliveries.Where(d => d.WorkerId == "victim").Select(d => d.Payload)))
        {
            var position = env.Deliveries.First(d => d.Payload == duplicate).SequenceNumber;
            Assert.True(new ExtendedSequenceNumber(position) > mark, $"{duplicate} at {position} was delivered again although it is at or below the mark {mark}");
        }

        Assert.DoesNotContain(env.Deliveries, d => d.WorkerId == "survivor" && warmup.Contains(d.Payload));
        await survivor.StopAsync();
    }

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task FactorTen_GracefulStopWhileLanesAreInFlight_EveryLaneFinishesThenTheShutdownCheckpointIsAtTheMark()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(1);
        var probe = new ConcurrencyProbe { CallDelay = TimeSpan.FromMilliseconds(400) };
        var consumer = env.CreateConsumer("w1", _ => new LaneRecordingProcessor("w1", env.Deliveries, probe, checkpointEachCall: false), o => o.ParallelizationFactor = 10);
        var expected = await env.PutRawAsync(keys: 37, first: 0, count: 2);
        await consumer.StartAsync();
        await Eventually.HoldsAsync(() => probe.InFlight > 1, Deadline, "several lanes in flight", TimeSpan.FromMilliseconds(5));

        await consumer.StopAsync();

        Assert.Equal(0, probe.InFlight);
        Assert.Equal(0, probe.OverlappingTerminalCalls);
        Assert.Equal(probe.Started, probe.Finished);
        Assert.True(probe.ShutdownCalls == 1, "ShutdownRequestedAsync ran once");
        Assert.True(await env.CheckpointsCaughtUpAsync(), "the shutdown checkpoint covers every record whose call finished");
        var checkpoint = (await env.ListLeasesAsync()).Single().Checkpoint!;
        var delivered = env.Deliveries.Select(d => new ExtendedSequenceNumber(d.SequenceNumber, d.SubSequenceNumber)).ToHashSet();
        Assert.Contains(checkpoint, delivered);
        Assert.True(env.DeliveredPayloads().IsSubsetOf(expected));
    }

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task FactorTen_ShardSplitMidStream_ShardEndsOnlyAfterEveryLaneDrainedAndChildrenFollowTheParentPerKey()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(1);
        var probes = new ConcurrentDictionary<string, ConcurrencyProbe>(StringComparer.Ordinal);
        var consumer = env.CreateConsumer("w1", shard => new LaneRecordingProcessor("w1", env.Deliveries, probes.GetOrAdd(shard, _ => new ConcurrencyProbe())), o => o.ParallelizationFactor = 10);
        await consumer.StartAsync();
        var expected = await env.PutRawAsync(keys: 37, first: 0, count: 5);
        var parent = (await env.Kinesis.ListShardsAsync(new Core.Api.ListShardsRequest { StreamName = env.StreamName })).Shards[0];
        var middle = ((System.Numerics.BigInteger)parent.HashKeyRange.End / 2).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await env.Kinesis.SplitShardAsync(new Core.Api.SplitShardRequest { StreamName = env.StreamName, ShardToSplit = parent.ShardId, NewStartingHashKey = middle });
        await env.Kinesis.WaitForStreamActiveAsync(env.StreamName, TimeSpan.FromSeconds(60));
        expected.AddRange(await env.PutRawAsync(keys: 37, first: 5, count: 5));

        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(expected), Deadline, "every record delivered across the split");
        await Eventually.HoldsAsync(async () => (await env.ListLeasesAsync()).All(l => l.LeaseKey != parent.ShardId), Deadline, "the parent reached SHARD_END and its lease was cleaned up");
        await consumer.StopAsync();

        KinesisConsumerIntegrationTests.AssertPerKeyOrder(env);
        Assert.Equal(expected.Count, env.Deliveries.Count);
        Assert.Equal(3, probes.Count);
        Assert.All(probes.Values, p => Assert.Equal(0, p.OverlappingTerminalCalls));
        Assert.True(probes[parent.ShardId].MaxConcurrency > 1, "the parent's lanes overlapped");
    }

    private static async Task<List<string>> PutKeysAsync(ConsumerTestEnvironment env, IEnumerable<string> keys, string tag)
    {
        var payloads = keys.Select(key => $"{key}:{tag}").ToList();
        var entries = payloads.Select(p => new Core.Api.PutRecordsRequestEntry { PartitionKey = p.Split(':')[0], Data = Encoding.UTF8.GetBytes(p) }).ToArray();
        var response = await env.Kinesis.PutRecordsAsync(new Core.Api.PutRecordsRequest { StreamName = env.StreamName, Records = entries });
        Assert.Equal(0, response.FailedRecordCount);
        return payloads;
    }

    /// <summary>Counts calls in flight across the lanes of a shard, and terminal callbacks that overlapped one.</summary>
    private sealed class ConcurrencyProbe
    {
        private int inFlight;
        private int maxConcurrency;
        private int started;
        private int finished;
        private int overlapping;
        private int shutdownCalls;

        public TimeSpan CallDelay { get; init; } = TimeSpan.FromMilliseconds(15);

        public int InFlight => Volatile.Read(ref inFlight);

        public int MaxConcurrency => Volatile.Read(ref maxConcurrency);

        public int Started => Volatile.Read(ref started);

        public int Finished => Volatile.Read(ref finished);

        public int OverlappingTerminalCalls => Volatile.Read(ref overlapping);

        public int ShutdownCalls => Volatile.Read(ref shutdownCalls);

        public void Enter()
        {
            Interlocked.Increment(ref started);
            var now = Interlocked.Increment(ref inFlight);
            for (var max = MaxConcurrency; now > max && Interlocked.CompareExchange(ref maxConcurrency, now, max) != max; max = MaxConcurrency)
            {
            }
        }

        public void Exit()
        {
            Interlocked.Decrement(ref inFlight);
            Interlocked.Increment(ref finished);
        }

        public void Terminal(bool shutdown)
        {
            if (InFlight != 0)
            {
                Interlocked.Increment(ref overlapping);
            }

            if (shutdown)
            {
                Interlocked.Increment(ref shutdownCalls);
            }
        }
    }

    /// <summary>
    /// Safe for concurrent ProcessRecordsAsync calls: some calls wait before they process (so lanes finish out of order), the
    /// records are recorded once the call's work is done, and the call checkpoints at the low-water mark.
    /// </summary>
    private sealed class LaneRecordingProcessor(string workerId, ConcurrentQueue<Delivery> deliveries, ConcurrencyProbe probe, bool checkpointEachCall = true) : IShardRecordProcessor
    {
        public Task InitializeAsync(InitializationInput input, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public async Task ProcessRecordsAsync(ProcessRecordsInput input, CancellationToken cancellationToken = default)
        {
            probe.Enter();
            try
            {
                var first = input.Records[0].SequenceNumber;
                await Task.Delay(first[^1] % 2 == 0 ? probe.CallDelay * 2 : probe.CallDelay, cancellationToken);
                foreach (var record in input.Records)
                {
                    deliveries.Enqueue(new Delivery(workerId, input.ShardId, record.SequenceNumber, record.SubSequenceNumber, record.PartitionKey, Encoding.UTF8.GetString(record.Data.Span), record.IsAggregated));
                }
            }
            finally
            {
                probe.Exit();
            }

            if (checkpointEachCall)
            {
                await input.Checkpointer.CheckpointAsync(cancellationToken);
            }
        }

        public Task LeaseLostAsync(LeaseLostInput input, CancellationToken cancellationToken = default)
        {
            probe.Terminal(shutdown: false);
            return Task.CompletedTask;
        }

        public Task ShardEndedAsync(ShardEndedInput input, CancellationToken cancellationToken = default)
        {
            probe.Terminal(shutdown: false);
            return input.Checkpointer.CheckpointAsync(cancellationToken);
        }

        public Task ShutdownRequestedAsync(ShutdownRequestedInput input, CancellationToken cancellationToken = default)
        {
            probe.Terminal(shutdown: true);
            return input.Checkpointer.CheckpointAsync(cancellationToken);
        }
    }

    /// <summary>Records and checkpoints every call, except that a call holding <c>blockedKey</c> waits until the lease is lost.</summary>
    private sealed class BlockingKeyProcessor(string workerId, ConcurrentQueue<Delivery> deliveries, string blockedKey) : IShardRecordProcessor
    {
        private volatile bool blocked;
        private int active;

        public bool Blocked => blocked;

        /// <summary>Calls not holding the blocked key that have not yet returned.</summary>
        public int Active => Volatile.Read(ref active);

        public Task InitializeAsync(InitializationInput input, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public async Task ProcessRecordsAsync(ProcessRecordsInput input, CancellationToken cancellationToken = default)
        {
            if (input.Records.Any(r => r.PartitionKey == blockedKey))
            {
                blocked = true;
                await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
            }

            Interlocked.Increment(ref active);
            try
            {
                foreach (var record in input.Records)
                {
                    deliveries.Enqueue(new Delivery(workerId, input.ShardId, record.SequenceNumber, record.SubSequenceNumber, record.PartitionKey, Encoding.UTF8.GetString(record.Data.Span), record.IsAggregated));
                }

                await input.Checkpointer.CheckpointAsync(cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref active);
            }
        }

        public Task LeaseLostAsync(LeaseLostInput input, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task ShardEndedAsync(ShardEndedInput input, CancellationToken cancellationToken = default) => input.Checkpointer.CheckpointAsync(cancellationToken);

        public Task ShutdownRequestedAsync(ShutdownRequestedInput input, CancellationToken cancellationToken = default) => input.Checkpointer.CheckpointAsync(cancellationToken);
    }
}
