using System.Diagnostics;
using Kinesis.Testing;
using Xunit.Abstractions;

namespace Kinesis.Client.Tests.Consumer;

[Collection(LocalAwsCollection.Name)]
public sealed class KinesisConsumerFailoverTests(LocalAwsFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task StartAsync_ThreeWorkersSixShards_ConvergeToTwoEach()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(6);
        var workers = new[] { env.CreateConsumer("w1"), env.CreateConsumer("w2"), env.CreateConsumer("w3") };
        foreach (var worker in workers)
        {
            await worker.StartAsync();
        }

        await Eventually.HoldsAsync(() => workers.All(w => w.HeldShardIds.Count == 2), Deadline, "each worker holds two shards");
        var expected = await env.PutRawAsync(keys: 12, first: 0, count: 5);
        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(expected), Deadline, "every record delivered");
        Assert.Equal(3, env.Deliveries.Select(d => d.WorkerId).Distinct().Count());
        foreach (var worker in workers)
        {
            await worker.StopAsync();
        }
    }

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task DisposeAsync_WithoutStop_ShardsResumeElsewhereFromCheckpointWithoutLoss()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(2);
        var first = await env.PutRawAsync(keys: 6, first: 0, count: 10);
        var victim = env.CreateConsumer("victim");
        await victim.StartAsync();
        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(first), Deadline, "the first worker read everything");
        await Eventually.HoldsAsync(env.CheckpointsCaughtUpAsync, Deadline, "checkpoints written");
        var checkpoints = (await env.ListLeasesAsync()).ToDictionary(l => l.LeaseKey, l => l.Checkpoint!);

        // Killed: no graceful stop, leases stay owned by "victim" until they expire.
        await victim.DisposeAsync();
        var survivor = env.CreateConsumer("survivor");
        await survivor.StartAsync();
        var clock = Stopwatch.StartNew();
        var second = await env.PutRawAsync(keys: 6, first: 10, count: 10);
        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(second), Deadline, "the survivor read the new records");
        output.WriteLine($"Failover: records flowed again {clock.Elapsed.TotalMilliseconds:F0} ms after the kill (failover time {ConsumerTestEnvironment.FailoverTime.TotalMilliseconds} ms).");

        Assert.True(env.DeliveredPayloads().IsSupersetOf(first));
        foreach (var duplicate in env.Deliveries.Where(d => d.WorkerId == "survivor" && first.Contains(d.Payload)))
        {
            Assert.True(new ExtendedSequenceNumber(duplicate.SequenceNumber, duplicate.SubSequenceNumber) > checkpoints[duplicate.ShardId], $"{duplicate.Payload} was redelivered although it was checkpointed");
        }

        KinesisConsumerIntegrationTests.AssertPerKeyOrder(env);
        await survivor.StopAsync();
    }

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task StopAsync_Graceful_HandsLeasesOverWithoutDuplicates()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(2);
        var first = await env.PutRawAsync(keys: 6, first: 0, count: 10);
        var leaving = env.CreateConsumer("leaving");
        await leaving.StartAsync();
        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(first), Deadline, "the first worker read everything");

        // A steal by the new worker before the last checkpoint landed would legitimately replay a batch.
        await Eventually.HoldsAsync(env.CheckpointsCaughtUpAsync, Deadline, "checkpoints written");
        var staying = env.CreateConsumer("staying");
        await staying.StartAsync();
        await leaving.StopAsync();
        var leases = await env.ListLeasesAsync();
        Assert.All(leases, l => Assert.NotEqual("leaving", l.LeaseOwner));

        var second = await env.PutRawAsync(keys: 6, first: 10, count: 10);
        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(second), Deadline, "the remaining worker read the new records");
        await Eventually.HoldsAsync(() => staying.HeldShardIds.Count == 2, Deadline, "the remaining worker holds both shards");
        Assert.Equal(first.Count + second.Count, env.Deliveries.Count);
        await staying.StopAsync();
    }

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task StopAsync_ProcessorCheckpointsOnlyWhenShutDown_ShutdownCheckpointCoversEveryDeliveredRecord()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(2);
        var expected = await env.PutRawAsync(keys: 6, first: 0, count: 10);
        var consumer = env.CreateConsumer("w1", _ => new ShutdownCheckpointingProcessor(env.Deliveries));
        await consumer.StartAsync();
        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(expected), Deadline, "every record delivered");
        Assert.All(await env.ListLeasesAsync(), l => Assert.Equal(ExtendedSequenceNumber.TrimHorizon, l.Checkpoint));

        await consumer.StopAsync();

        Assert.True(await env.CheckpointsCaughtUpAsync(), "the checkpoints written in ShutdownRequestedAsync cover every delivered record");
    }

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task DisposeAsync_OneOfTwoWorkers_ItsShardProgressesOnTheOtherAfterFailover()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(2);
        var victim = env.CreateConsumer("victim");
        var survivor = env.CreateConsumer("survivor");
        await victim.StartAsync();
        await survivor.StartAsync();
        await Eventually.HoldsAsync(() => victim.HeldShardIds.Count == 1 && survivor.HeldShardIds.Count == 1, Deadline, "one shard each");
        var orphan = victim.HeldShardIds[0];
        var warmup = await env.PutRawAsync(keys: 8, first: 0, count: 2);
        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(warmup), Deadline, "both shards flowing");

        await victim.DisposeAsync();
        var clock = Stopwatch.StartNew();
        var after = await env.PutRawAsync(keys: 8, first: 2, count: 2);
        await Eventually.HoldsAsync(
            () => env.Deliveries.Any(d => d.WorkerId == "survivor" && d.ShardId == orphan && after.Contains(d.Payload)),
            Deadline,
            "the orphaned shard progresses on the survivor",
            TimeSpan.FromMilliseconds(10));
        var elapsed = clock.Elapsed;
        output.WriteLine($"Failover figure: the killed worker's shard progressed again after {elapsed.TotalMilliseconds:F0} ms (FailoverTime {ConsumerTestEnvironment.FailoverTime.TotalMilliseconds:F0} ms, taker interval 500 ms, idle between reads 150 ms).");
        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(after), Deadline, "no loss");
        await survivor.StopAsync();
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task LeaseTakenInTable_ProcessorGetsLeaseLostWithinRenewalInterval()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(1);
        var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumer = env.CreateConsumer("w1", _ => new LeaseLostSignallingProcessor(lost, env.Deliveries));
        await consumer.StartAsync();
        await Eventually.HoldsAsync(() => consumer.HeldShardIds.Count == 1, Deadline, "the lease is held");

        var refresher = new Kinesis.Client.Leases.DynamoDbLeaseRefresher(env.DynamoDb, env.ApplicationName, new LeaseManagementOptions(), TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var lease = (await refresher.ListLeasesAsync()).Single();
        Assert.NotNull(await refresher.TryTakeLeaseAsync(lease, "intruder"));
        var clock = Stopwatch.StartNew();
        await lost.Task.WaitAsync(Deadline);
        output.WriteLine($"LeaseLostAsync {clock.Elapsed.TotalMilliseconds:F0} ms after the take (renewal interval {env.CreateOptions("x").Leases.RenewalInterval!.Value.TotalMilliseconds:F0} ms).");
        Assert.DoesNotContain(lease.LeaseKey, consumer.HeldShardIds);
    }

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task Steal_SecondWorkerJoinsDuringProduction_OldOwnerStopsAndEveryRecordIsDelivered()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(2);
        var clock = Stopwatch.StartNew();
        var log = new TimedLog(clock);
        var first = env.CreateConsumer("first", shard => new TimedProcessor("first", shard, log));
        await first.StartAsync();
        await Eventually.HoldsAsync(() => first.HeldShardIds.Count == 2, Deadline, "the first worker holds both shards");

        using var stopProducing = new CancellationTokenSource();
        var put = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var producing = Task.Run(async () =>
        {
            for (var n = 0; !stopProducing.IsCancellationRequested; n++)
            {
                foreach (var payload in await env.PutRawAsync(keys: 4, first: n, count: 1))
                {
                    put.Enqueue(payload);
                }

                await Task.Delay(TimeSpan.FromMilliseconds(20), CancellationToken.None);
            }
        });
        await Eventually.HoldsAsync(() => log.Deliveries.Count(d => d.WorkerId == "first") >= 20, Deadline, "the first worker delivers");

        var second = env.CreateConsumer("second", shard => new TimedProcessor("second", shard, log));
        await second.StartAsync();
        await Eventually.HoldsAsync(() => second.HeldShardIds.Count == 1 && first.HeldShardIds.Count == 1, Deadline, "the second worker stole one shard");
        var stolen = second.HeldShardIds[0];
        await Eventually.HoldsAsync(() => log.LeaseLost.ContainsKey(("first", stolen)), Deadline, "the old owner was told of the loss");
        await Eventually.HoldsAsync(() => log.Deliveries.Count(d => d.WorkerId == "second") >= 20, Deadline, "the new owner delivers");
        await stopProducing.CancelAsync();
        await producing;
        await Eventually.HoldsAsync(() => log.Deliveries.Select(d => d.Payload).ToHashSet(StringComparer.Ordinal).IsSupersetOf(put), Deadline, "every record delivered");

        var lostAt = log.LeaseLost[("first", stolen)];
        var old = log.Deliveries.Where(d => d.WorkerId == "first" && d.ShardId == stolen).ToList();
        var taken = log.Deliveries.Where(d => d.WorkerId == "second" && d.ShardId == stolen).ToList();
        Assert.All(old, d => Assert.True(d.At <= lostAt, $"{d.Payload} reached the old owner after its LeaseLostAsync"));
        var duplicates = old.Select(d => d.Payload).Intersect(taken.Select(d => d.Payload), StringComparer.Ordinal).Count();
        var overlap = old.Max(d => d.At) - taken.Min(d => d.At);
        output.WriteLine(
            $"Steal figure: the old owner's last batch started {overlap.TotalMilliseconds:F0} ms after the new owner's first (negative: no overlap); " +
            $"{duplicates} records delivered by both; LeaseLostAsync {(lostAt - taken.Min(d => d.At)).TotalMilliseconds:F0} ms after the new owner's first batch " +
            $"(renewal interval {env.CreateOptions("x").Leases.RenewalInterval!.Value.TotalMilliseconds:F0} ms, failover time {ConsumerTestEnvironment.FailoverTime.TotalMilliseconds:F0} ms).");
        await second.StopAsync();
        await first.StopAsync();
    }

    private sealed class TimedLog(Stopwatch clock)
    {
        public System.Collections.Concurrent.ConcurrentQueue<(string WorkerId, string ShardId, string Payload, TimeSpan At)> Deliveries { get; } = new();

        public System.Collections.Concurrent.ConcurrentDictionary<(string WorkerId, string ShardId), TimeSpan> LeaseLost { get; } = new();

        public TimeSpan Now => clock.Elapsed;
    }

    private sealed class TimedProcessor(string workerId, string shardId, TimedLog log) : IShardRecordProcessor
    {
        public Task InitializeAsync(InitializationInput input, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public async Task ProcessRecordsAsync(ProcessRecordsInput input, CancellationToken cancellationToken = default)
        {
            var at = log.Now;
            foreach (var record in input.Records)
            {
                log.Deliveries.Enqueue((workerId, shardId, System.Text.Encoding.UTF8.GetString(record.Data.Span), at));
            }

            await input.Checkpointer.CheckpointAsync(cancellationToken);
        }

        public Task LeaseLostAsync(LeaseLostInput input, CancellationToken cancellationToken = default)
        {
            log.LeaseLost[(workerId, shardId)] = log.Now;
            return Task.CompletedTask;
        }

        public Task ShardEndedAsync(ShardEndedInput input, CancellationToken cancellationToken = default) => input.Checkpointer.CheckpointAsync(cancellationToken);

        public Task ShutdownRequestedAsync(ShutdownRequestedInput input, CancellationToken cancellationToken = default) => input.Checkpointer.CheckpointAsync(cancellationToken);
    }

    private sealed class LeaseLostSignallingProcessor(TaskCompletionSource lost, System.Collections.Concurrent.ConcurrentQueue<Delivery> deliveries) : IShardRecordProcessor
    {
        private readonly RecordingProcessor inner = new("w1", deliveries);

        public Task InitializeAsync(InitializationInput input, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task ProcessRecordsAsync(ProcessRecordsInput input, CancellationToken cancellationToken = default) => inner.ProcessRecordsAsync(input, cancellationToken);

        public Task LeaseLostAsync(LeaseLostInput input, CancellationToken cancellationToken = default)
        {
            lost.TrySetResult();
            return Task.CompletedTask;
        }

        public Task ShardEndedAsync(ShardEndedInput input, CancellationToken cancellationToken = default) => input.Checkpointer.CheckpointAsync(cancellationToken);

        public Task ShutdownRequestedAsync(ShutdownRequestedInput input, CancellationToken cancellationToken = default) => Task.CompletedTask;
    }

    /// <summary>Records deliveries and checkpoints only when asked to shut down.</summary>
    private sealed class ShutdownCheckpointingProcessor(System.Collections.Concurrent.ConcurrentQueue<Delivery> deliveries) : IShardRecordProcessor
    {
        public Task InitializeAsync(InitializationInput input, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task ProcessRecordsAsync(ProcessRecordsInput input, CancellationToken cancellationToken = default)
        {
            foreach (var r in input.Records)
            {
                deliveries.Enqueue(new Delivery("w1", input.ShardId, r.SequenceNumber, r.SubSequenceNumber, r.PartitionKey, System.Text.Encoding.UTF8.GetString(r.Data.Span), r.IsAggregated));
            }

            return Task.CompletedTask;
        }

        public Task LeaseLostAsync(LeaseLostInput input, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task ShardEndedAsync(ShardEndedInput input, CancellationToken cancellationToken = default) => input.Checkpointer.CheckpointAsync(cancellationToken);

        public Task ShutdownRequestedAsync(ShutdownRequestedInput input, CancellationToken cancellationToken = default) => input.Checkpointer.CheckpointAsync(cancellationToken);
    }
}
