using Kinesis.Client.Testing;

namespace Kinesis.Client.Tests.ProcessorTesting;

/// <summary>The test helpers keep the real checkpointer's rules, so a processor that passes with them behaves the same on a stream.</summary>
public sealed class TestShardTests
{
    [Fact]
    public async Task Checkpoint_BeyondTheDeliveredBatch_ThrowsAsTheConsumerDoes()
    {
        var shard = new TestShard();
        var delivered = shard.CreateRecord("k", "1");
        var notDelivered = shard.CreateRecord("k", "2");
        var input = shard.ProcessRecordsInput([delivered]);

        await Assert.ThrowsAsync<ArgumentException>(() => input.Checkpointer.CheckpointAsync(notDelivered));
        await input.Checkpointer.CheckpointAsync(delivered);

        Assert.Equal([delivered.ToExtendedSequenceNumber()], shard.Checkpointer.Checkpoints);
    }

    [Fact]
    public async Task Checkpoint_SamePositionTwice_RecordsOneWrite()
    {
        var shard = new TestShard();
        var input = shard.ProcessRecordsInput([shard.CreateRecord("k", "1")]);

        await input.Checkpointer.CheckpointAsync();
        await input.Checkpointer.CheckpointAsync();

        Assert.Single(shard.Checkpointer.Checkpoints);
    }

    [Fact]
    public async Task PrepareCheckpoint_RecordsPositionAndState_WithoutCommitting()
    {
        var shard = new TestShard();
        var record = shard.CreateRecord("k", "1");
        var input = shard.ProcessRecordsInput([record]);

        await input.Checkpointer.PrepareCheckpointAsync(new byte[] { 7, 8 });

        var prepared = Assert.Single(shard.Checkpointer.PreparedCheckpoints);
        Assert.Equal(record.ToExtendedSequenceNumber(), prepared.Position);
        Assert.Equal(new byte[] { 7, 8 }, prepared.ApplicationState?.ToArray());
        Assert.Empty(shard.Checkpointer.Checkpoints);
    }

    [Fact]
    public async Task FailWrites_UntilCleared_EveryWriteThrowsAndNothingIsRecorded()
    {
        var shard = new TestShard();
        var input = shard.ProcessRecordsInput([shard.CreateRecord("k", "1")]);
        shard.Checkpointer.FailWrites(new TimeoutException("lease table unreachable"));

        await Assert.ThrowsAsync<TimeoutException>(() => input.Checkpointer.CheckpointAsync());
        await Assert.ThrowsAsync<TimeoutException>(() => input.Checkpointer.CheckpointAsync());
        shard.Checkpointer.FailWrites(null);
        await input.Checkpointer.CheckpointAsync();

        Assert.Single(shard.Checkpointer.Checkpoints);
    }

    [Fact]
    public void CreateAggregatedRecord_SharesTheSequenceNumber_WithIncreasingSubSequenceNumbers()
    {
        var shard = new TestShard("shardId-000000000007", new ExtendedSequenceNumber("49590338271490256608559692538361571095921575989136588900"));

        var records = shard.CreateAggregatedRecord(("a", new byte[] { 1 }), ("b", new byte[] { 2 }));
        var input = shard.ProcessRecordsInput(records);

        Assert.Equal("49590338271490256608559692538361571095921575989136588901", records[0].SequenceNumber);
        Assert.Equal([0L, 1L], records.Select(r => r.SubSequenceNumber));
        Assert.All(records, r => Assert.True(r.IsAggregated));
        Assert.Equal(records[1].ToExtendedSequenceNumber(), input.Checkpointer.LargestPermittedCheckpoint);
        Assert.Equal("shardId-000000000007", input.ShardId);
    }

    [Fact]
    public void ProcessRecordsInput_RecordsOutOfOrderOrEmpty_Throws()
    {
        var shard = new TestShard();
        var first = shard.CreateRecord("k", "1");
        var second = shard.CreateRecord("k", "2");

        Assert.Throws<ArgumentException>(() => shard.ProcessRecordsInput([second, first]));
        Assert.Throws<ArgumentException>(() => shard.ProcessRecordsInput([]));
    }
}
