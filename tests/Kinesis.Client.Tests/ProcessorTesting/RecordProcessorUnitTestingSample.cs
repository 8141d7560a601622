using System.Text;
using Amazon.DynamoDBv2.Model;
using Kinesis.Client.Testing;

namespace Kinesis.Client.Tests.ProcessorTesting;

/// <summary>
/// The sample of docs/testing.md: an application's processor tested with <see cref="TestShard"/> and
/// <see cref="RecordingCheckpointer"/>, no AWS and no emulator.
/// </summary>
public sealed class RecordProcessorUnitTestingSample
{
    [Fact]
    public async Task ProcessRecords_CheckpointsAfterEachBatch_AndShardEndAtTheEnd()
    {
        var shard = new TestShard();
        var processor = new OrderTotalProcessor();

        await processor.InitializeAsync(shard.InitializationInput());
        await processor.ProcessRecordsAsync(shard.ProcessRecordsInput([shard.CreateRecord("order-1", "3"), shard.CreateRecord("order-2", "4")]));
        var last = shard.CreateRecord("order-3", "5");
        await processor.ProcessRecordsAsync(shard.ProcessRecordsInput([last]));
        await processor.ShardEndedAsync(shard.ShardEndedInput(["shardId-000000000001", "shardId-000000000002"]));

        Assert.Equal(12, processor.Total);
        Assert.Equal(3, shard.Checkpointer.Checkpoints.Count);
        Assert.Equal(last.ToExtendedSequenceNumber(), shard.Checkpointer.Checkpoints[1]);
        Assert.Equal(ExtendedSequenceNumber.ShardEnd, shard.Checkpointer.Checkpoints[^1]);
    }

    [Fact]
    public async Task ProcessRecords_CheckpointWriteFails_ProcessorLetsTheErrorReachTheConsumer()
    {
        var shard = new TestShard();
        var processor = new OrderTotalProcessor();
        shard.Checkpointer.FailNextWrite(new ProvisionedThroughputExceededException("throttled"));

        await Assert.ThrowsAsync<ProvisionedThroughputExceededException>(() => processor.ProcessRecordsAsync(shard.ProcessRecordsInput([shard.CreateRecord("order-1", "3")])));
        await processor.ProcessRecordsAsync(shard.ProcessRecordsInput([shard.CreateRecord("order-2", "4")]));

        Assert.Single(shard.Checkpointer.Checkpoints);
    }

    [Fact]
    public async Task ProcessRecords_AfterTheLeaseWasLost_CheckpointThrowsLeaseLost()
    {
        var shard = new TestShard();
        var processor = new OrderTotalProcessor();
        await processor.ProcessRecordsAsync(shard.ProcessRecordsInput([shard.CreateRecord("order-1", "3")]));
        var lateBatch = shard.ProcessRecordsInput([shard.CreateRecord("order-2", "4")]);

        // Another worker took the lease while this batch was on its way (the steal window).
        await processor.LeaseLostAsync(shard.LeaseLostInput());

        await Assert.ThrowsAsync<LeaseLostException>(() => processor.ProcessRecordsAsync(lateBatch));
        Assert.Single(shard.Checkpointer.Checkpoints);
    }

    /// <summary>An application's processor: sums order amounts and checkpoints after every batch.</summary>
    private sealed class OrderTotalProcessor : IShardRecordProcessor
    {
        public int Total { get; private set; }

        public Task InitializeAsync(InitializationInput input, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public async Task ProcessRecordsAsync(ProcessRecordsInput input, CancellationToken cancellationToken = default)
        {
            foreach (var record in input.Records)
            {
                Total += int.Parse(Encoding.UTF8.GetString(record.Data.Span), System.Globalization.CultureInfo.InvariantCulture);
            }

            await input.Checkpointer.CheckpointAsync(cancellationToken);
        }

        public Task LeaseLostAsync(LeaseLostInput input, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task ShardEndedAsync(ShardEndedInput input, CancellationToken cancellationToken = default) => input.Checkpointer.CheckpointAsync(cancellationToken);

        public Task ShutdownRequestedAsync(ShutdownRequestedInput input, CancellationToken cancellationToken = default) => input.Checkpointer.CheckpointAsync(cancellationToken);
    }
}
