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
}
