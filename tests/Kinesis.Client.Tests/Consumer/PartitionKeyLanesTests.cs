using System.Collections.Concurrent;
using System.Text;
using Kinesis.Client.Diagnostics;
using Kinesis.Client.Lifecycle;
using Kinesis.Client.Retrieval;
using Kinesis.Core.Aggregation;
using Kinesis.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kinesis.Client.Tests.Consumer;

/// <summary>Per-key parallelism inside a shard (ParallelizationFactor) on in-memory batches: lanes, the low-water mark, failures per lane.</summary>
public sealed class PartitionKeyLanesTests
{
    private const int Factor = 10;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private static readonly RecordsBatch NoBatch = new() { Records = [], ByteSize = 0 };

    [Fact]
    public void LowWaterMark_LanesFinishOutOfOrder_StaysBeforeTheEarliestUnfinishedRecord()
    {
        var records = new[] { Rec("1000", "a"), Rec("1001", "b"), Rec("1002", "a"), Rec("1003", "c"), Rec("1004", "b"), Rec("1005", "c") };
        var published = new List<ExtendedSequenceNumber>();
        var mark = new LowWaterMark(records, [0, 1, 0, 2, 1, 2], 3, new ExtendedSequenceNumber("999"), published.Add);

        mark.Completed(2, new ExtendedSequenceNumber("1005"));
        mark.Completed(1, new ExtendedSequenceNumber("1004"));
        Assert.Equal(new ExtendedSequenceNumber("999"), mark.Current);

        mark.Completed(0, new ExtendedSequenceNumber("1000"));
        Assert.Equal(new ExtendedSequenceNumber("1001"), mark.Current);

        mark.Completed(0, new ExtendedSequenceNumber("1000"));
        mark.Completed(0, new ExtendedSequenceNumber("1002"));
        Assert.Equal(new ExtendedSequenceNumber("1005"), mark.Current);
        Assert.Equal([new ExtendedSequenceNumber("1001"), new ExtendedSequenceNumber("1005")], published);
    }

    [Fact]
    public void LowWaterMark_InsideAnAggregate_MovesBySubSequenceNumber()
    {
        var records = new[] { Rec("1000", "a", 0), Rec("1000", "b", 1), Rec("1000", "a", 2), Rec("1001", "b") };
        var mark = new LowWaterMark(records, [0, 1, 0, 1], 2, ExtendedSequenceNumber.TrimHorizon, _ => { });

        mark.Completed(1, new ExtendedSequenceNumber("1001"));
        mark.Completed(0, new ExtendedSequenceNumber("1000", 0));

        Assert.Equal(new ExtendedSequenceNumber("1000", 1), mark.Current);
    }

    [Fact]
    public void LaneOf_IsAFunctionOfThePartitionKeyAndSpreadsKeysOverEveryLane()
    {
        var lanes = Enumerable.Range(0, 200).Select(i => PartitionKeyLanes.LaneOf($"key-{i}", Factor)).ToList();

        Assert.Equal(lanes, Enumerable.Range(0, 200).Select(i => PartitionKeyLanes.LaneOf($"key-{i}", Factor)));
        Assert.Equal(Factor, lanes.Distinct().Count());
        Assert.All(Enumerable.Range(0, 50), i => Assert.Equal(0, PartitionKeyLanes.LaneOf($"key-{i}", 1)));
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task DeliverAsync_ManyKeys_EachKeysRecordsInOneCallInOrderAndLanesRunConcurrently()
    {
        var keys = Enumerable.Range(0, 37).Select(i => $"key-{i}").ToArray();
        var records = Enumerable.Range(0, 370).Select(i => Rec((1000 + i).ToString(), keys[i % keys.Length])).ToList();
        var busyLanes = records.Select(r => PartitionKeyLanes.LaneOf(r.PartitionKey, Factor)).Distinct().Count();
        var allIn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entered = 0;
        var processor = new LaneProbe(async (input, _) =>
        {
            // Every lane's call waits until all lanes are in a call at once: only concurrent lanes get past it.
            if (Interlocked.Increment(ref entered) == busyLanes)
            {
                allIn.SetResult();
            }

            await allIn.Task.WaitAsync(Wait);
        });
        var (lanes, checkpointer, counters) = Create(processor);

        var outcome = await lanes.DeliverAsync(records, NoBatch, CancellationToken.None, CancellationToken.None);

        Assert.Equal(BatchOutcome.Delivered, outcome);
        Assert.Equal(busyLanes, processor.MaxConcurrency);
        Assert.Equal(busyLanes, processor.Calls.Count);
        foreach (var key in keys)
        {
            var callsWithKey = processor.Calls.Where(c => c.Any(r => r.PartitionKey == key)).ToList();
            var call = Assert.Single(callsWithKey);
            Assert.Equal(records.Where(r => r.PartitionKey == key).Select(r => r.SequenceNumber), call.Where(r => r.PartitionKey == key).Select(r => r.SequenceNumber));
        }

        Assert.Equal(records.Count, processor.Calls.Sum(c => c.Count));
        Assert.Equal(new ExtendedSequenceNumber("1369"), checkpointer.LargestPermittedCheckpoint);
        Assert.Equal(1, counters.LaneBatches);
        Assert.Equal(busyLanes, counters.LanesBusy);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task DeliverAsync_OneLaneStillInFlight_BoundIsTheLowWaterMarkInsideTheAggregate()
    {
        var keys = KeysInDistinctLanes(5);
        var records = Enumerable.Range(0, 5).Select(i => Rec("1000", keys[i], i)).Append(Rec("1001", keys[0])).ToList();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var processor = new LaneProbe(async (input, _) =>
        {
            if (input.Records[0].PartitionKey == keys[3])
            {
                await release.Task.WaitAsync(Wait);
            }
        });
        var (lanes, checkpointer, _) = Create(processor);

        var delivery = lanes.DeliverAsync(records, NoBatch, CancellationToken.None, CancellationToken.None);
        await Eventually.HoldsAsync(() => processor.Completed == 4, Wait, "the other four lanes finished");
        await Eventually.HoldsAsync(() => checkpointer.LargestPermittedCheckpoint == new ExtendedSequenceNumber("1000", 2), Wait, "the mark reached the record before the lane in flight");
        Assert.Equal(new ExtendedSequenceNumber("1000", 2), checkpointer.LargestPermittedCheckpoint);
        Assert.False(delivery.IsCompleted, "the batch waits for every lane");

        release.SetResult();
        Assert.Equal(BatchOutcome.Delivered, await delivery);
        Assert.Equal(new ExtendedSequenceNumber("1001"), checkpointer.LargestPermittedCheckpoint);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task DeliverAsync_DuringEveryCall_BoundNeverCoversARecordOfACallInFlight()
    {
        var keys = KeysInDistinctLanes(4);
        var records = Enumerable.Range(0, 12).Select(i => Rec((1000 + i).ToString(), keys[i % 4])).ToList();
        var processor = new LaneProbe(async (_, _) => await Task.Yield());
        var (lanes, checkpointer, _) = Create(processor);
        processor.Checkpointer = checkpointer;

        await lanes.DeliverAsync(records, NoBatch, CancellationToken.None, CancellationToken.None);
        var second = Enumerable.Range(12, 12).Select(i => Rec((1000 + i).ToString(), keys[i % 4])).ToList();
        await lanes.DeliverAsync(second, NoBatch, CancellationToken.None, CancellationToken.None);

        Assert.Equal(8, processor.BoundsAtCallStart.Count);
        Assert.All(processor.BoundsAtCallStart, seen => Assert.True(seen.Bound < seen.First, $"bound {seen.Bound} covers {seen.First}, a record in flight"));
        Assert.Equal(new ExtendedSequenceNumber("1023"), checkpointer.LargestPermittedCheckpoint);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task DeliverAsync_PoisonInOneLaneWithStopShard_OtherLanesFinishAndTheBoundStaysBeforeThePoison()
    {
        var keys = KeysInDistinctLanes(3);
        var records = Enumerable.Range(0, 9).Select(i => Rec((1000 + i).ToString(), keys[i % 3])).ToList();
        var processor = new LaneProbe((input, _) => input.Records.Any(r => r.SequenceNumber == "1004") ? throw new FormatException("poison") : Task.CompletedTask);
        var (lanes, checkpointer, _) = Create(processor, o => o.ErrorMode = ProcessorErrorMode.StopShard);

        var outcome = await lanes.DeliverAsync(records, NoBatch, CancellationToken.None, CancellationToken.None);

        // keys[1]'s lane holds 1001, 1004, 1007 and failed as a whole; the other lanes delivered 1006 and 1008 past it.
        Assert.Equal(BatchOutcome.StopShard, outcome);
        Assert.Equal(new ExtendedSequenceNumber("1000"), checkpointer.LargestPermittedCheckpoint);
        Assert.Equal(["1000", "1002", "1003", "1005", "1006", "1008"], processor.ProcessedSequenceNumbers.Order(StringComparer.Ordinal));
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task DeliverAsync_PoisonInOneLaneBisectedAndDeadLettered_OnlyItReachesTheSinkAndTheMarkReachesTheEnd()
    {
        var keys = KeysInDistinctLanes(3);
        var records = Enumerable.Range(0, 9).Select(i => Rec((1000 + i).ToString(), keys[i % 3])).ToList();
        var sink = new CollectingSink();
        var processor = new LaneProbe((input, _) => input.Records.Any(r => r.SequenceNumber == "1004") ? throw new FormatException("poison") : Task.CompletedTask);
        var (lanes, checkpointer, counters) = Create(processor, o =>
        {
            o.PoisonRecords.BisectBatchOnError = true;
            o.PoisonRecords.MaxRetryAttempts = 0;
            o.PoisonRecords.DeadLetterSink = sink;
        });

        var outcome = await lanes.DeliverAsync(records, NoBatch, CancellationToken.None, CancellationToken.None);

        Assert.Equal(BatchOutcome.Delivered, outcome);
        var dead = Assert.Single(sink.Batches);
        Assert.Equal("1004", Assert.Single(dead.Records).SequenceNumber);
        Assert.Equal(8, processor.ProcessedSequenceNumbers.Count);
        Assert.Equal(["1001", "1007"], processor.ProcessedSequenceNumbers.Where(s => s is "1001" or "1004" or "1007"));
        Assert.Equal(1, counters.RecordsDeadLettered);
        Assert.Equal(new ExtendedSequenceNumber("1008"), checkpointer.LargestPermittedCheckpoint);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task DeliverAsync_PartialReportInOneLane_ResumesThatLaneAtTheReportedRecord()
    {
        var keys = KeysInDistinctLanes(2);
        var records = Enumerable.Range(0, 6).Select(i => Rec((1000 + i).ToString(), keys[i % 2])).ToList();
        var reported = 0;
        var processor = new LaneProbe((input, _) =>
        {
            if (input.Records.FirstOrDefault(r => r.SequenceNumber == "1003") is { } failed && Interlocked.Exchange(ref reported, 1) == 0)
            {
                input.ReportFailure(failed);
            }

            return Task.CompletedTask;
        });
        var (lanes, checkpointer, counters) = Create(processor);

        var outcome = await lanes.DeliverAsync(records, NoBatch, CancellationToken.None, CancellationToken.None);

        Assert.Equal(BatchOutcome.Delivered, outcome);
        Assert.Equal(["1001", "1003", "1005"], processor.ProcessedSequenceNumbers.Where(s => s is "1001" or "1003" or "1005"));
        Assert.Equal(1, counters.ProcessorFailures);
        Assert.Equal(new ExtendedSequenceNumber("1005"), checkpointer.LargestPermittedCheckpoint);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task DeliverAsync_OneLaneRetryingWhenShutdownIsRequested_AbandonsWithTheBoundBeforeTheFailingRecord()
    {
        var keys = KeysInDistinctLanes(2);
        var records = Enumerable.Range(0, 6).Select(i => Rec((1000 + i).ToString(), keys[i % 2])).ToList();
        using var shutdown = new CancellationTokenSource();
        var processor = new LaneProbe((input, _) =>
        {
            if (input.Records[0].PartitionKey == keys[0])
            {
                shutdown.Cancel();
                throw new FormatException("always");
            }

            return Task.CompletedTask;
        });
        var (lanes, checkpointer, _) = Create(processor);

        var outcome = await lanes.DeliverAsync(records, NoBatch, shutdown.Token, CancellationToken.None);

        Assert.Equal(BatchOutcome.Abandoned, outcome);
        Assert.Equal(ExtendedSequenceNumber.TrimHorizon, checkpointer.LargestPermittedCheckpoint);
        Assert.Equal(["1001", "1003", "1005"], processor.ProcessedSequenceNumbers.Order(StringComparer.Ordinal));
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task DeliverAsync_LeaseLostOnOneLane_OtherLanesAreCancelledStartNothingNewAndTheBoundStaysBeforeUnfinishedRecords()
    {
        var keys = KeysInDistinctLanes(3);
        var records = Enumerable.Range(0, 9).Select(i => Rec((1000 + i).ToString(), keys[i % 3])).ToList();
        var othersIn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var others = 0;
        var processor = new LaneProbe(async (input, cancellationToken) =>
        {
            if (input.Records[0].PartitionKey == keys[0])
            {
                // The lease is found lost on this lane once the other two lanes are in their calls (one blocked, one done).
                await othersIn.Task.WaitAsync(Wait, cancellationToken);
                throw new LeaseLostException("shard", "taken");
            }

            var blocked = input.Records[0].PartitionKey == keys[1];
            if (Interlocked.Increment(ref others) == 2)
            {
                othersIn.SetResult();
            }

            if (blocked)
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
            }
        });
        var (lanes, checkpointer, _) = Create(processor);

        await Assert.ThrowsAsync<LeaseLostException>(() => lanes.DeliverAsync(records, NoBatch, CancellationToken.None, CancellationToken.None));

        Assert.Equal(3, processor.Started);
        Assert.Equal(0, processor.InFlight);
        Assert.Equal(ExtendedSequenceNumber.TrimHorizon, checkpointer.LargestPermittedCheckpoint);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task CheckpointInALaneCall_CountsTheCallsRecordsDoneAndWritesTheLowWaterMark()
    {
        var keys = KeysInDistinctLanes(2);
        var records = Enumerable.Range(0, 6).Select(i => Rec((1000 + i).ToString(), keys[i % 2])).ToList();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var writer = new RecordingWriter();
        var processor = new LaneProbe(async (input, cancellationToken) =>
        {
            if (input.Records[0].PartitionKey == keys[0])
            {
                await release.Task.WaitAsync(Wait, cancellationToken);
            }

            await input.Checkpointer.CheckpointAsync(cancellationToken);
        });
        var (lanes, checkpointer, _) = Create(processor, writer: writer);

        var delivery = lanes.DeliverAsync(records, NoBatch, CancellationToken.None, CancellationToken.None);
        await Eventually.HoldsAsync(() => processor.Completed == 1, Wait, "keys[1]'s lane checkpointed and returned");

        // keys[1]'s lane (1001, 1003, 1005) is done, but 1000 is still in flight: nothing below it is written.
        Assert.Empty(writer.Written);
        Assert.Equal(ExtendedSequenceNumber.TrimHorizon, checkpointer.LargestPermittedCheckpoint);

        release.SetResult();
        Assert.Equal(BatchOutcome.Delivered, await delivery);
        Assert.Equal([new ExtendedSequenceNumber("1005")], writer.Written);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task CheckpointAtARecordInALaneCall_IsLoweredToTheLowWaterMark()
    {
        var keys = KeysInDistinctLanes(2);
        var records = Enumerable.Range(0, 6).Select(i => Rec((1000 + i).ToString(), keys[i % 2])).ToList();
        var writer = new RecordingWriter();
        var firstLaneDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var processor = new LaneProbe(async (input, cancellationToken) =>
        {
            if (input.Records[0].PartitionKey == keys[0])
            {
                // 1000, 1002, 1004: checkpoint at 1002 once keys[1]'s lane is done: 1002 is below the mark (1003) and is written.
                await firstLaneDone.Task.WaitAsync(Wait, cancellationToken);
                await input.Checkpointer.CheckpointAsync(input.Records[1], cancellationToken);
                return;
            }

            // 1001, 1003, 1005: checkpoint at its last record while 1000 is in flight: lowered to the mark, the start, so nothing is written.
            await input.Checkpointer.CheckpointAsync(input.Records[^1], cancellationToken);
            firstLaneDone.SetResult();
        });
        var (lanes, checkpointer, _) = Create(processor, writer: writer);

        await lanes.DeliverAsync(records, NoBatch, CancellationToken.None, CancellationToken.None);

        Assert.Equal([new ExtendedSequenceNumber("1002")], writer.Written);
        Assert.Equal(new ExtendedSequenceNumber("1005"), checkpointer.LargestPermittedCheckpoint);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task CheckpointInALaneCall_BelowWhereAnotherLaneAlreadyCheckpointed_WritesNothingAndDoesNotFail()
    {
        var keys = KeysInDistinctLanes(2);
        var records = Enumerable.Range(0, 4).Select(i => Rec((1000 + i).ToString(), keys[i % 2])).ToList();
        var writer = new RecordingWriter();
        var otherLaneCheckpointed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var processor = new LaneProbe(async (input, cancellationToken) =>
        {
            if (input.Records[0].PartitionKey == keys[0])
            {
                // 1000, 1002: done, checkpointed at 1000; then keys[1]'s lane checkpoints the whole batch; then this lane
                // checkpoints at its first record again, which the other lane's checkpoint already covers.
                await input.Checkpointer.CheckpointAsync(cancellationToken);
                await otherLaneCheckpointed.Task.WaitAsync(Wait, cancellationToken);
                await input.Checkpointer.CheckpointAsync(input.Records[0], cancellationToken);
                return;
            }

            await Eventually.HoldsAsync(() => !writer.Written.IsEmpty, Wait, "keys[0]'s lane checkpointed first");
            await input.Checkpointer.CheckpointAsync(cancellationToken);
            otherLaneCheckpointed.SetResult();
        });
        var (lanes, checkpointer, counters) = Create(processor, writer: writer);

        var outcome = await lanes.DeliverAsync(records, NoBatch, CancellationToken.None, CancellationToken.None);

        Assert.Equal(BatchOutcome.Delivered, outcome);
        Assert.Equal(0, counters.ProcessorFailures);
        Assert.Equal([new ExtendedSequenceNumber("1000"), new ExtendedSequenceNumber("1003")], writer.Written);
        Assert.Equal(new ExtendedSequenceNumber("1003"), checkpointer.LastCheckpoint);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task CheckpointThenThrowInALaneCall_TheCheckpointedRecordsAreNotDeliveredAgain()
    {
        var keys = KeysInDistinctLanes(2);
        var records = Enumerable.Range(0, 6).Select(i => Rec((1000 + i).ToString(), keys[i % 2])).ToList();
        var writer = new RecordingWriter();
        var failed = 0;
        var processor = new LaneProbe(async (input, cancellationToken) =>
        {
            if (input.Records[0].PartitionKey == keys[0] && Interlocked.Exchange(ref failed, 1) == 0)
            {
                await input.Checkpointer.CheckpointAsync(input.Records[1], cancellationToken);
                throw new FormatException("after the checkpoint");
            }
        });
        var (lanes, checkpointer, counters) = Create(processor, writer: writer);

        var outcome = await lanes.DeliverAsync(records, NoBatch, CancellationToken.None, CancellationToken.None);

        Assert.Equal(BatchOutcome.Delivered, outcome);
        Assert.Equal(1, counters.ProcessorFailures);
        var keyZeroCalls = processor.Calls.Where(c => c[0].PartitionKey == keys[0]).Select(c => c[0].SequenceNumber).ToList();
        Assert.Equal(["1000", "1004"], keyZeroCalls);
        Assert.Equal(new ExtendedSequenceNumber("1005"), checkpointer.LargestPermittedCheckpoint);
    }

    [Fact]
    public void Options_ParallelizationFactor_OutOfRangeIsRejectedWithTheRange()
    {
        var options = new KinesisConsumerOptions();

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => options.ParallelizationFactor = 11);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.ParallelizationFactor = 0);
        options.ParallelizationFactor = KinesisConsumerOptions.MaxParallelizationFactor;

        Assert.StartsWith("ParallelizationFactor must be between 1 and 10; it was 11.", error.Message, StringComparison.Ordinal);
        Assert.Equal(10, options.Clone().ParallelizationFactor);
    }

    internal static string[] KeysInDistinctLanes(int count)
    {
        var keys = new List<string>();
        var lanes = new HashSet<int>();
        for (var i = 0; keys.Count < count; i++)
        {
            if (lanes.Add(PartitionKeyLanes.LaneOf($"key-{i}", Factor)))
            {
                keys.Add($"key-{i}");
            }
        }

        return [.. keys];
    }

    private static KinesisClientRecord Rec(string sequence, string key, long subSequence = 0) => new()
    {
        SequenceNumber = sequence,
        SubSequenceNumber = subSequence,
        PartitionKey = key,
        Data = Encoding.UTF8.GetBytes($"{key}:{sequence}/{subSequence}"),
        ApproximateArrivalTimestamp = DateTimeOffset.UtcNow,
        IsAggregated = subSequence > 0,
    };

    private static (PartitionKeyLanes Lanes, RecordProcessorCheckpointer Checkpointer, ConsumerCounters Counters) Create(
        LaneProbe processor, Action<KinesisConsumerOptions>? configure = null, RecordingWriter? writer = null)
    {
        var counters = new ConsumerCounters();
        var checkpointer = new RecordProcessorCheckpointer("shard", writer, Guid.NewGuid(), ExtendedSequenceNumber.TrimHorizon);
        var options = new KinesisConsumerOptions
        {
            StreamName = "stream",
            ParallelizationFactor = Factor,
            ProcessorRetryBaseDelay = TimeSpan.FromMilliseconds(1),
            ProcessorRetryMaxDelay = TimeSpan.FromMilliseconds(5),
        };
        configure?.Invoke(options);
        var batches = new RecordBatchProcessor("shard", processor, checkpointer, new Deaggregator(), null, ExtendedSequenceNumber.TrimHorizon, options, counters, NullLogger.Instance);
        return (new PartitionKeyLanes(batches, checkpointer, options.ParallelizationFactor, counters), checkpointer, counters);
    }

    /// <summary>A thread-safe processor running a script per call, recording calls, concurrency and what each call processed.</summary>
    private sealed class LaneProbe(Func<ProcessRecordsInput, CancellationToken, Task> script) : IShardRecordProcessor
    {
        private int inFlight;
        private int maxConcurrency;
        private int started;
        private int completed;

        public RecordProcessorCheckpointer? Checkpointer { get; set; }

        public ConcurrentQueue<List<KinesisClientRecord>> Calls { get; } = new();

        public ConcurrentQueue<(ExtendedSequenceNumber Bound, ExtendedSequenceNumber First)> BoundsAtCallStart { get; } = new();

        public ConcurrentQueue<string> ProcessedSequenceNumbers { get; } = new();

        public int MaxConcurrency => Volatile.Read(ref maxConcurrency);

        public int InFlight => Volatile.Read(ref inFlight);

        public int Started => Volatile.Read(ref started);

        public int Completed => Volatile.Read(ref completed);

        public Task InitializeAsync(InitializationInput input, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public async Task ProcessRecordsAsync(ProcessRecordsInput input, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref started);
            var now = Interlocked.Increment(ref inFlight);
            for (var max = MaxConcurrency; now > max && Interlocked.CompareExchange(ref maxConcurrency, now, max) != max; max = MaxConcurrency)
            {
            }

            Calls.Enqueue([.. input.Records]);
            if (Checkpointer is not null)
            {
                BoundsAtCallStart.Enqueue((Checkpointer.LargestPermittedCheckpoint, input.Records[0].ToExtendedSequenceNumber()));
            }

            try
            {
                await script(input, cancellationToken);
                var processed = input.FailedIndex >= 0 ? input.FailedIndex : input.Records.Count;
                for (var i = 0; i < processed; i++)
                {
                    ProcessedSequenceNumbers.Enqueue(input.Records[i].SequenceNumber);
                }

                Interlocked.Increment(ref completed);
            }
            finally
            {
                Interlocked.Decrement(ref inFlight);
            }
        }

        public Task LeaseLostAsync(LeaseLostInput input, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task ShardEndedAsync(ShardEndedInput input, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task ShutdownRequestedAsync(ShutdownRequestedInput input, CancellationToken cancellationToken = default) => Task.CompletedTask;
    }

    private sealed class RecordingWriter : Kinesis.Client.Leases.ICheckpointWriter
    {
        public ConcurrentQueue<ExtendedSequenceNumber> Written { get; } = new();

        public Task CheckpointAsync(string leaseKey, Guid concurrencyToken, ExtendedSequenceNumber checkpoint, CancellationToken cancellationToken = default)
        {
            Written.Enqueue(checkpoint);
            return Task.CompletedTask;
        }

        public Task PrepareCheckpointAsync(string leaseKey, Guid concurrencyToken, ExtendedSequenceNumber pendingCheckpoint, ReadOnlyMemory<byte>? applicationState, CancellationToken cancellationToken = default) =>
            Task.CompletedTask;

        public Task MarkShardEndAsync(string leaseKey, Guid concurrencyToken, IReadOnlyList<string> childShardIds, CancellationToken cancellationToken = default) => Task.CompletedTask;
    }

    private sealed class CollectingSink : IDeadLetterSink
    {
        public ConcurrentQueue<DeadLetterBatch> Batches { get; } = new();

        public Task SendAsync(DeadLetterBatch batch, CancellationToken cancellationToken = default)
        {
            Batches.Enqueue(batch);
            return Task.CompletedTask;
        }
    }
}
