using System.Text;
using Kinesis.Client.Diagnostics;
using Kinesis.Client.Lifecycle;
using Kinesis.Client.Retrieval;
using Kinesis.Core.Aggregation;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using Record = Kinesis.Core.Api.Record;

namespace Kinesis.Client.Tests.Consumer;

public sealed class RecordBatchProcessorTests
{
    [Fact]
    public void Prepare_StartCheckpointInsideAggregate_FiltersUpToAndIncludingIt()
    {
        var batch = Batch(Aggregate("1000", 5), Raw("1001"));
        var (dispatcher, _, _) = Create(new ExtendedSequenceNumber("1000", 2), new ThrowingProcessor(0));

        var records = dispatcher.Prepare(batch)!;

        Assert.Equal(["1000/3", "1000/4", "1001/0"], records.Select(r => $"{r.SequenceNumber}/{r.SubSequenceNumber}"));
        Assert.All(records.Take(2), r => Assert.True(r.IsAggregated));
        Assert.False(records[2].IsAggregated);
    }

    [Fact]
    public void Prepare_AllAtOrBelowCheckpoint_ReturnsNullAndCounts()
    {
        var (dispatcher, _, counters) = Create(new ExtendedSequenceNumber("1001"), new ThrowingProcessor(0));

        Assert.Null(dispatcher.Prepare(Batch(Raw("1000"), Raw("1001"))));
        Assert.Equal(2, counters.RecordsFilteredBelowCheckpoint);
    }

    [Fact(Timeout = Kinesis.Testing.TestTimeouts.Unit)]
    public async Task DeliverAsync_RetryBatchThenShutdown_AbandonsAndRestoresCheckpointBound()
    {
        var (dispatcher, checkpointer, counters) = Create(ExtendedSequenceNumber.TrimHorizon, new ThrowingProcessor(int.MaxValue));
        var batch = Batch(Raw("1000"), Raw("1001"));
        var records = dispatcher.Prepare(batch)!;
        using var shutdown = new CancellationTokenSource();
        shutdown.CancelAfter(TimeSpan.FromMilliseconds(100));

        var outcome = await dispatcher.DeliverAsync(records, batch, shutdown.Token, CancellationToken.None);

        Assert.Equal(BatchOutcome.Abandoned, outcome);
        Assert.True(counters.ProcessorFailures >= 1);
        Assert.Equal(ExtendedSequenceNumber.TrimHorizon, checkpointer.LargestPermittedCheckpoint);
    }

    [Fact(Timeout = Kinesis.Testing.TestTimeouts.Unit)]
    public async Task DeliverAsync_OperationCanceledFromUserCode_IsAProcessorFailureNotCancellation()
    {
        var processor = new ThrowingProcessor(1, new OperationCanceledException("user timeout"));
        var (dispatcher, checkpointer, counters) = Create(ExtendedSequenceNumber.TrimHorizon, processor);
        var batch = Batch(Raw("1000"));

        var outcome = await dispatcher.DeliverAsync(dispatcher.Prepare(batch)!, batch, CancellationToken.None, CancellationToken.None);

        Assert.Equal(BatchOutcome.Delivered, outcome);
        Assert.Equal(1, counters.ProcessorFailures);
        Assert.Equal(2, processor.Calls);
        Assert.Equal(new ExtendedSequenceNumber("1000"), checkpointer.LargestPermittedCheckpoint);
    }

    [Fact(Timeout = Kinesis.Testing.TestTimeouts.Unit)]
    public async Task DeliverAsync_LeaseNoLongerHeld_ThrowsLeaseLostWithoutCallingTheProcessor()
    {
        var processor = new ThrowingProcessor(0);
        var checkpointer = new RecordProcessorCheckpointer("shard", null, Guid.NewGuid(), ExtendedSequenceNumber.TrimHorizon);
        var logs = new FakeLogCollector();
        var dispatcher = new RecordBatchProcessor("shard", processor, checkpointer, new Deaggregator(), null, ExtendedSequenceNumber.TrimHorizon, new KinesisConsumerOptions(), new ConsumerCounters(), new FakeLogger(logs))
        {
            IsLeaseHeld = () => false,
        };
        var batch = Batch(Raw("1000"));

        await Assert.ThrowsAsync<LeaseLostException>(() => dispatcher.DeliverAsync(dispatcher.Prepare(batch)!, batch, CancellationToken.None, CancellationToken.None));

        Assert.Equal(0, processor.Calls);
        Assert.Equal(ExtendedSequenceNumber.TrimHorizon, checkpointer.LargestPermittedCheckpoint);
        Assert.True(logs.GetSnapshot().Any(r => r.Id.Id == 3035), "the refused delivery is logged");
    }

    [Theory]
    [InlineData(HashKeyRangeFilterMode.Deliver, 5)]
    [InlineData(HashKeyRangeFilterMode.DropAndReport, 0)]
    public void Prepare_AggregateOutsideShardRange_HandledPerFilterModeAndCounted(HashKeyRangeFilterMode mode, int delivered)
    {
        var deaggregator = new Deaggregator(new DeaggregatorOptions { OutOfRangeBehavior = mode });
        var checkpointer = new RecordProcessorCheckpointer("shard", null, Guid.NewGuid(), ExtendedSequenceNumber.TrimHorizon);
        var emptyRange = new Kinesis.Core.Hashing.HashKeyRange(UInt128.Zero, UInt128.Zero);
        var dispatcher = new RecordBatchProcessor("shard", new ThrowingProcessor(0), checkpointer, deaggregator, emptyRange, ExtendedSequenceNumber.TrimHorizon, new KinesisConsumerOptions(), new ConsumerCounters(), NullLogger.Instance);

        var records = dispatcher.Prepare(Batch(Aggregate("1000", 5)));

        Assert.Equal(delivered, records?.Count ?? 0);
        Assert.Equal(5, mode == HashKeyRangeFilterMode.Deliver ? deaggregator.Counters.OutOfRangeUserRecordsDelivered : deaggregator.Counters.DroppedUserRecords);
    }

    private static (RecordBatchProcessor Dispatcher, RecordProcessorCheckpointer Checkpointer, ConsumerCounters Counters) Create(ExtendedSequenceNumber start, IShardRecordProcessor processor)
    {
        var counters = new ConsumerCounters();
        var checkpointer = new RecordProcessorCheckpointer("shard", null, Guid.NewGuid(), start);
        var options = new KinesisConsumerOptions { ProcessorRetryBaseDelay = TimeSpan.FromMilliseconds(5), ProcessorRetryMaxDelay = TimeSpan.FromMilliseconds(20) };
        var dispatcher = new RecordBatchProcessor("shard", processor, checkpointer, new Deaggregator(), null, start, options, counters, NullLogger.Instance);
        return (dispatcher, checkpointer, counters);
    }

    private static RecordsBatch Batch(params Record[] records) => new() { Records = records, ByteSize = RecordsBatch.SizeOf(records) };

    internal static Record Raw(string sequence, DateTimeOffset? arrival = null) =>
        new() { SequenceNumber = sequence, PartitionKey = "pk", Data = Encoding.UTF8.GetBytes("raw-" + sequence), ApproximateArrivalTimestamp = arrival ?? DateTimeOffset.UtcNow };

    internal static Record Aggregate(string sequence, int count)
    {
        using var aggregator = new RecordAggregator();
        for (var i = 0; i < count; i++)
        {
            Assert.True(aggregator.TryAdd($"k{i}", Encoding.UTF8.GetBytes($"v{i}")));
        }

        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        var info = aggregator.Encode(buffer);
        return new Record { SequenceNumber = sequence, PartitionKey = info.PartitionKey, Data = buffer.WrittenMemory.ToArray(), ApproximateArrivalTimestamp = DateTimeOffset.UtcNow };
    }

    private sealed class ThrowingProcessor(int failures, Exception? exception = null) : IShardRecordProcessor
    {
        public int Calls { get; private set; }

        public Task InitializeAsync(InitializationInput input, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task ProcessRecordsAsync(ProcessRecordsInput input, CancellationToken cancellationToken = default)
        {
            Calls++;
            return Calls <= failures ? Task.FromException(exception ?? new InvalidOperationException("boom")) : Task.CompletedTask;
        }

        public Task LeaseLostAsync(LeaseLostInput input, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task ShardEndedAsync(ShardEndedInput input, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task ShutdownRequestedAsync(ShutdownRequestedInput input, CancellationToken cancellationToken = default) => Task.CompletedTask;
    }
}
