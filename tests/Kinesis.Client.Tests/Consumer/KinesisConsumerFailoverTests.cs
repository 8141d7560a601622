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
        await Eventually.HoldsAsync(async () => (await env.ListLeasesAsync()).All(l => !l.Checkpoint!.IsSentinel), Deadline, "checkpoints written");
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
}
