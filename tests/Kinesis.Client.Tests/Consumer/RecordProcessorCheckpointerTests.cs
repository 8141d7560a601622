using Kinesis.Client.Leases;
using Kinesis.Client.Tests.Leases;
using Kinesis.Testing;

namespace Kinesis.Client.Tests.Consumer;

[Collection(LocalAwsCollection.Name)]
public sealed class RecordProcessorCheckpointerTests(LocalAwsFixture fixture)
{
    private static readonly ExtendedSequenceNumber Start = new("100", 3);

    [Fact]
    public async Task CheckpointAsync_BeyondLastDelivered_ThrowsArgumentException()
    {
        var checkpointer = new RecordProcessorCheckpointer("shard", null, Guid.NewGuid(), Start);
        checkpointer.SetLargestPermitted(new ExtendedSequenceNumber("200", 0));
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => checkpointer.CheckpointAsync("200", 1));
        Assert.Contains("beyond the last record delivered", ex.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(() => checkpointer.CheckpointAsync("300"));
    }

    [Fact]
    public async Task CheckpointAsync_Backwards_ThrowsArgumentException()
    {
        var checkpointer = new RecordProcessorCheckpointer("shard", null, Guid.NewGuid(), Start);
        checkpointer.SetLargestPermitted(new ExtendedSequenceNumber("200", 0));
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => checkpointer.CheckpointAsync("100", 2));
        Assert.Contains("cannot go backwards", ex.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(() => checkpointer.CheckpointAsync("99"));
        await Assert.ThrowsAsync<ArgumentException>(() => checkpointer.CheckpointAsync("not-a-number"));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => checkpointer.CheckpointAsync("150", -1));
    }

    [Fact]
    public async Task CheckpointAsync_SamePosition_DoesNothing()
    {
        var checkpointer = new RecordProcessorCheckpointer("shard", null, Guid.NewGuid(), Start);
        await checkpointer.CheckpointAsync("100", 3);
        await checkpointer.CheckpointAsync();
        Assert.Equal(Start, checkpointer.LastCheckpoint);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task CheckpointAsync_HeldLease_WritesCheckpointPendingAndShardEnd()
    {
        using var env = new LeaseTestEnvironment(fixture);
        var refresher = await env.CreateTableAsync();
        await refresher.CreateLeaseIfNotExistsAsync(Lease.CreateNew("shard-1", ExtendedSequenceNumber.TrimHorizon));
        await using var coordinator = env.CreateCoordinator("w1", TimeProvider.System, seed: 1);
        var held = Assert.Single(await coordinator.TakeLeasesAsync());
        var checkpointer = new RecordProcessorCheckpointer("shard-1", coordinator.CheckpointWriter, held.ConcurrencyToken, ExtendedSequenceNumber.TrimHorizon);
        checkpointer.SetLargestPermitted(new ExtendedSequenceNumber("500", 4));

        await checkpointer.CheckpointAsync("500", 2);
        await checkpointer.PrepareCheckpointAsync("500", 4, new byte[] { 1, 2, 3 });
        var lease = await refresher.GetLeaseAsync("shard-1");
        Assert.Equal(new ExtendedSequenceNumber("500", 2), lease!.Checkpoint);
        Assert.Equal(new ExtendedSequenceNumber("500", 4), lease.PendingCheckpoint);
        Assert.Equal(new byte[] { 1, 2, 3 }, lease.PendingCheckpointState!.Value.ToArray());

        checkpointer.EnterShardEnd(["child-1"]);
        await checkpointer.CheckpointAsync("500", 4);
        lease = await refresher.GetLeaseAsync("shard-1");
        Assert.True(lease!.Checkpoint!.IsShardEnd);
        Assert.Equal(["child-1"], lease.ChildShardIds);
        Assert.Null(lease.PendingCheckpoint);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task CheckpointAsync_LeaseTakenByOther_ThrowsLeaseLost()
    {
        using var env = new LeaseTestEnvironment(fixture);
        var refresher = await env.CreateTableAsync();
        await refresher.CreateLeaseIfNotExistsAsync(Lease.CreateNew("shard-1", ExtendedSequenceNumber.TrimHorizon));
        await using var coordinator = env.CreateCoordinator("w1", TimeProvider.System, seed: 1);
        var held = Assert.Single(await coordinator.TakeLeasesAsync());
        Assert.NotNull(await refresher.TryTakeLeaseAsync(held.Lease, "w2"));
        var checkpointer = new RecordProcessorCheckpointer("shard-1", coordinator.CheckpointWriter, held.ConcurrencyToken, ExtendedSequenceNumber.TrimHorizon);
        checkpointer.SetLargestPermitted(new ExtendedSequenceNumber("500"));

        await Assert.ThrowsAsync<LeaseLostException>(() => checkpointer.CheckpointAsync());
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task CheckpointAsync_QueuedBehindTheRenewalThatFindsTheSteal_RefusedWithoutWriting()
    {
        using var env = new LeaseTestEnvironment(fixture);
        using var thief = new LeaseTestEnvironment(fixture);
        var refresher = await env.CreateTableAsync();
        await refresher.CreateLeaseIfNotExistsAsync(Lease.CreateNew("shard-1", ExtendedSequenceNumber.TrimHorizon));
        await using var coordinator = env.CreateCoordinator("w1", TimeProvider.System, seed: 1);
        var held = Assert.Single(await coordinator.TakeLeasesAsync());
        var thiefRefresher = new DynamoDbLeaseRefresher(thief.Client, env.TableName, env.Options, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        Assert.NotNull(await thiefRefresher.TryTakeLeaseAsync(held.Lease, "w2"));
        var checkpointer = new RecordProcessorCheckpointer("shard-1", coordinator.CheckpointWriter, held.ConcurrencyToken, ExtendedSequenceNumber.TrimHorizon);
        checkpointer.SetLargestPermitted(new ExtendedSequenceNumber("500"));

        // The renewal that will find the steal is in flight and holds the lease's write lock; the checkpoint queues behind it.
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        env.Handler.HoldUpdates = release.Task;
        var updates = env.Handler.Count("UpdateItem");
        var renewal = coordinator.RenewLeasesAsync();
        await Eventually.HoldsAsync(() => env.Handler.Count("UpdateItem") == updates + 1, TimeSpan.FromSeconds(30), "the renewal is in flight");
        var checkpoint = checkpointer.CheckpointAsync();
        release.SetResult();
        await renewal;

        await Assert.ThrowsAsync<LeaseLostException>(() => checkpoint);
        Assert.Equal(updates + 1, env.Handler.Count("UpdateItem"));
        Assert.False(coordinator.IsHeld("shard-1", held.ConcurrencyToken));
    }
}
