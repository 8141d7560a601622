using System.Text;
using Kinesis.Client.Diagnostics;
using Kinesis.Client.Lifecycle;
using Kinesis.Client.Retrieval;
using Kinesis.Core.Aggregation;
using Microsoft.Extensions.Logging.Abstractions;
using Record = Kinesis.Core.Api.Record;

namespace Kinesis.Client.Tests.Consumer;

/// <summary>The poison-record policy on in-memory batches: retry limit, age limit, bisect, partial-batch reports, dead-letter sink.</summary>
public sealed class RecordBatchProcessorPoisonTests
{
    [Fact(Timeout = Kinesis.Testing.TestTimeouts.Unit)]
    public async Task DeliverAsync_BisectWithPoisonInTheMiddle_IsolatesItDeliversTheRestInOrderAndDeadLettersIt()
    {
        var sink = new ListSink();
        var processor = new ScriptedProcessor((input, _) => input.Records.Any(r => r.SequenceNumber == "1005") ? throw new FormatException("poison") : null);
        var (dispatcher, checkpointer, counters) = Create(processor, p => { p.BisectBatchOnError = true; p.MaxRetryAttempts = 1; p.DeadLetterSink = sink; });
        var batch = Batch(Enumerable.Range(1000, 8).Select(i => RecordBatchProcessorTests.Raw(i.ToString())).ToArray());

        var outcome = await dispatcher.DeliverAsync(dispatcher.Prepare(batch)!, batch, CancellationToken.None, CancellationToken.None);

        Assert.Equal(BatchOutcome.Delivered, outcome);
        Assert.Equal(["1000", "1001", "1002", "1003", "1004", "1006", "1007"], processor.Processed);
        var dead = Assert.Single(sink.Batches);
        Assert.Equal("1005", Assert.Single(dead.Records).SequenceNumber);
        Assert.IsType<FormatException>(dead.Exception);
        Assert.Equal(DeadLetterReason.RetriesExhausted, dead.Reason);
        Assert.Equal("shard", dead.ShardId);
        Assert.Equal("stream", dead.StreamName);
        Assert.Equal(5, dead.Attempts); // the batch of 8, of 4, of 2, then the record itself twice (MaxRetryAttempts = 1)
        Assert.Equal(3, counters.BatchesBisected);
        Assert.Equal(1, counters.RecordsDeadLettered);
        Assert.Equal(1, counters.ProcessorRetries);
        Assert.Equal(7, counters.RecordsProcessed);
        Assert.Equal(new ExtendedSequenceNumber("1007"), checkpointer.LargestPermittedCheckpoint);

        // The units delivered: 8, its halves (first half first), recursively, the isolated record twice, then the rest.
        Assert.Equal(["1000/0", "1000/0", "1004/0", "1004/0", "1004/0", "1005/0", "1005/0", "1006/0"], processor.FirstOfEachCall);
        Assert.Equal(["1007", "1003", "1007", "1005", "1004", "1005", "1005", "1007"], processor.BoundsSeen.Select(b => b.SequenceNumber));
    }

    [Fact(Timeout = Kinesis.Testing.TestTimeouts.Unit)]
    public async Task DeliverAsync_SinkFailsThenRecovers_BoundStaysBeforeThePoisonUntilTheSinkAccepts()
    {
        var sink = new ListSink { FailuresLeft = 3 };
        var processor = new ScriptedProcessor((input, _) => input.Records.Any(r => r.SequenceNumber == "1002") ? throw new FormatException("poison") : null);
        var (dispatcher, checkpointer, counters) = Create(processor, p => { p.BisectBatchOnError = true; p.MaxRetryAttempts = 0; p.DeadLetterSink = sink; });
        var boundsInSink = new List<ExtendedSequenceNumber>();
        sink.OnCall = _ => boundsInSink.Add(checkpointer.LargestPermittedCheckpoint);
        var batch = Batch(RecordBatchProcessorTests.Raw("1000"), RecordBatchProcessorTests.Raw("1001"), RecordBatchProcessorTests.Raw("1002"), RecordBatchProcessorTests.Raw("1003"));

        var outcome = await dispatcher.DeliverAsync(dispatcher.Prepare(batch)!, batch, CancellationToken.None, CancellationToken.None);

        Assert.Equal(BatchOutcome.Delivered, outcome);
        Assert.Equal(4, sink.Calls);
        Assert.All(boundsInSink, b => Assert.Equal(new ExtendedSequenceNumber("1001"), b));
        Assert.Equal(3, counters.DeadLetterSinkFailures);
        Assert.Equal(["1000", "1001", "1003"], processor.Processed);
        Assert.Equal(new ExtendedSequenceNumber("1003"), checkpointer.LargestPermittedCheckpoint);
    }

    [Fact(Timeout = Kinesis.Testing.TestTimeouts.Unit)]
    public async Task DeliverAsync_SinkKeepsFailingThenShutdown_AbandonsWithTheBoundBeforeThePoison()
    {
        var sink = new ListSink { FailuresLeft = int.MaxValue };
        var processor = new ScriptedProcessor((input, _) => input.Records.Any(r => r.SequenceNumber == "1002") ? throw new FormatException("poison") : null);
        var (dispatcher, checkpointer, counters) = Create(processor, p => { p.BisectBatchOnError = true; p.MaxRetryAttempts = 0; p.DeadLetterSink = sink; });
        using var shutdown = new CancellationTokenSource();
        sink.OnCall = _ =>
        {
            if (sink.Calls == 3)
            {
                shutdown.Cancel();
            }
        };
        var batch = Batch(RecordBatchProcessorTests.Raw("1000"), RecordBatchProcessorTests.Raw("1001"), RecordBatchProcessorTests.Raw("1002"), RecordBatchProcessorTests.Raw("1003"));

        var outcome = await dispatcher.DeliverAsync(dispatcher.Prepare(batch)!, batch, shutdown.Token, CancellationToken.None);

        Assert.Equal(BatchOutcome.Abandoned, outcome);
        Assert.Empty(sink.Batches);
        Assert.Equal(0, counters.RecordsDeadLettered);
        Assert.Equal(new ExtendedSequenceNumber("1001"), checkpointer.LargestPermittedCheckpoint);
        Assert.Equal(["1000", "1001"], processor.Processed);
    }

    [Fact(Timeout = Kinesis.Testing.TestTimeouts.Unit)]
    public async Task DeliverAsync_PartialReportInsideAnAggregate_ResumesAtTheReportedSubSequenceNumber()
    {
        var calls = 0;
        ExtendedSequenceNumber? boundAfterReport = null;
        var processor = new ScriptedProcessor((input, checkpointer) =>
        {
            if (++calls == 1)
            {
                input.ReportFailure(input.Records[2]);
                boundAfterReport = checkpointer.LargestPermittedCheckpoint;
            }

            return null;
        });
        var (dispatcher, checkpointer, counters) = Create(processor, _ => { });
        var batch = Batch(RecordBatchProcessorTests.Aggregate("1000", 5), RecordBatchProcessorTests.Raw("1001"));

        var outcome = await dispatcher.DeliverAsync(dispatcher.Prepare(batch)!, batch, CancellationToken.None, CancellationToken.None);

        Assert.Equal(BatchOutcome.Delivered, outcome);
        Assert.Equal(new ExtendedSequenceNumber("1000", 1), boundAfterReport);
        Assert.Equal(["1000/0", "1000/1", "1000/2", "1000/3", "1000/4", "1001/0"], processor.ProcessedPositions);
        Assert.Equal(["1000/0", "1000/2"], processor.FirstOfEachCall);
        Assert.Equal(1, counters.ProcessorFailures);
        Assert.Equal(6, counters.RecordsProcessed);
        Assert.Equal(new ExtendedSequenceNumber("1001"), checkpointer.LargestPermittedCheckpoint);
    }

    [Fact(Timeout = Kinesis.Testing.TestTimeouts.Unit)]
    public async Task DeliverAsync_PartialReportAtTheLimit_DeadLettersOnlyTheReportedRecord()
    {
        var sink = new ListSink();
        var processor = new ScriptedProcessor((input, _) =>
        {
            var poison = input.Records.FirstOrDefault(r => r.SequenceNumber == "1000" && r.SubSequenceNumber == 3);
            if (poison is not null)
            {
                input.ReportFailure(poison.SequenceNumber, poison.SubSequenceNumber, new FormatException("bad user record"));
            }

            return null;
        });
        var (dispatcher, checkpointer, counters) = Create(processor, p => { p.MaxRetryAttempts = 1; p.DeadLetterSink = sink; });
        var batch = Batch(RecordBatchProcessorTests.Aggregate("1000", 5), RecordBatchProcessorTests.Raw("1001"));

        await dispatcher.DeliverAsync(dispatcher.Prepare(batch)!, batch, CancellationToken.None, CancellationToken.None);

        var dead = Assert.Single(sink.Batches);
        var record = Assert.Single(dead.Records);
        Assert.Equal(new ExtendedSequenceNumber("1000", 3), record.ToExtendedSequenceNumber());
        Assert.Equal(2, dead.Attempts);
        Assert.IsType<FormatException>(dead.Exception);
        Assert.Equal(["1000/0", "1000/1", "1000/2", "1000/4", "1001/0"], processor.ProcessedPositions);
        Assert.Equal(["1000/0", "1000/3", "1000/4"], processor.FirstOfEachCall);
        Assert.Equal(new ExtendedSequenceNumber("1001"), checkpointer.LargestPermittedCheckpoint);
        Assert.Equal(1, counters.RecordsDeadLettered);
    }

    [Fact(Timeout = Kinesis.Testing.TestTimeouts.Unit)]
    public async Task DeliverAsync_FailingRecordsOlderThanTheAgeLimit_AreDeadLetteredWithoutRetry()
    {
        var sink = new ListSink();
        var processor = new ScriptedProcessor((_, _) => throw new FormatException("poison"));
        var (dispatcher, checkpointer, counters) = Create(processor, p => { p.MaxRetryAttempts = 100; p.MaximumRecordAge = TimeSpan.FromHours(1); p.DeadLetterSink = sink; });
        var arrival = DateTimeOffset.UtcNow - TimeSpan.FromHours(2);
        var batch = Batch(RecordBatchProcessorTests.Raw("1000", arrival), RecordBatchProcessorTests.Raw("1001", arrival));

        await dispatcher.DeliverAsync(dispatcher.Prepare(batch)!, batch, CancellationToken.None, CancellationToken.None);

        Assert.Equal(1, processor.Calls);
        var dead = Assert.Single(sink.Batches);
        Assert.Equal(DeadLetterReason.RecordAgeExceeded, dead.Reason);
        Assert.Equal(2, dead.Records.Count);
        Assert.Equal(0, counters.ProcessorRetries);
        Assert.Equal(new ExtendedSequenceNumber("1001"), checkpointer.LargestPermittedCheckpoint);
    }

    [Fact(Timeout = Kinesis.Testing.TestTimeouts.Unit)]
    public async Task DeliverAsync_FailingRecordsYoungerThanTheAgeLimit_AreRetried()
    {
        var sink = new ListSink();
        var failures = 2;
        var flaky = new ScriptedProcessor((_, _) => failures-- > 0 ? throw new FormatException("transient") : null);
        var (dispatcher, _, counters) = Create(flaky, p => { p.MaximumRecordAge = TimeSpan.FromHours(1); p.DeadLetterSink = sink; });
        var batch = Batch(RecordBatchProcessorTests.Raw("1000", DateTimeOffset.UtcNow - TimeSpan.FromMinutes(59)));

        await dispatcher.DeliverAsync(dispatcher.Prepare(batch)!, batch, CancellationToken.None, CancellationToken.None);

        Assert.Empty(sink.Batches);
        Assert.Equal(3, flaky.Calls);
        Assert.Equal(2, counters.ProcessorRetries);
    }

    [Fact(Timeout = Kinesis.Testing.TestTimeouts.Unit)]
    public async Task DeliverAsync_LeaseLostDuringRetries_StopsWithoutDeadLetteringAndRestoresTheBound()
    {
        var sink = new ListSink();
        var processor = new ScriptedProcessor((_, _) => throw new FormatException("poison"));
        var held = true;
        var (dispatcher, checkpointer, counters) = Create(processor, p => { p.MaxRetryAttempts = 50; p.DeadLetterSink = sink; }, () => held);
        processor.OnCall = () => held = processor.Calls < 3;
        var batch = Batch(RecordBatchProcessorTests.Raw("1000"), RecordBatchProcessorTests.Raw("1001"));

        await Assert.ThrowsAsync<LeaseLostException>(() => dispatcher.DeliverAsync(dispatcher.Prepare(batch)!, batch, CancellationToken.None, CancellationToken.None));

        Assert.Equal(3, processor.Calls);
        Assert.Equal(0, sink.Calls);
        Assert.Equal(ExtendedSequenceNumber.TrimHorizon, checkpointer.LargestPermittedCheckpoint);
        Assert.Equal(0, counters.RecordsDeadLettered);
    }

    [Fact(Timeout = Kinesis.Testing.TestTimeouts.Unit)]
    public async Task DeliverAsync_LimitWithSkipOptInAndNoSink_SkipsAndCountsTheRecords()
    {
        var processor = new ScriptedProcessor((input, _) => input.Records.Any(r => r.SequenceNumber == "1001") ? throw new FormatException("poison") : null);
        var (dispatcher, checkpointer, counters) = Create(processor, p => { p.BisectBatchOnError = true; p.MaxRetryAttempts = 0; p.SkipWithoutDeadLetter = true; });
        var batch = Batch(RecordBatchProcessorTests.Raw("1000"), RecordBatchProcessorTests.Raw("1001"), RecordBatchProcessorTests.Raw("1002"));

        await dispatcher.DeliverAsync(dispatcher.Prepare(batch)!, batch, CancellationToken.None, CancellationToken.None);

        Assert.Equal(["1000", "1002"], processor.Processed);
        Assert.Equal(1, counters.RecordsSkipped);
        Assert.Equal(new ExtendedSequenceNumber("1002"), checkpointer.LargestPermittedCheckpoint);
    }

    [Fact(Timeout = Kinesis.Testing.TestTimeouts.Unit)]
    public async Task DeliverAsync_ReportOfARecordNotInTheBatch_IsAProcessorFailure()
    {
        var calls = 0;
        var processor = new ScriptedProcessor((input, _) =>
        {
            if (++calls == 1)
            {
                input.ReportFailure("999", 0);
            }

            return null;
        });
        var (dispatcher, _, counters) = Create(processor, _ => { });
        var batch = Batch(RecordBatchProcessorTests.Raw("1000"));

        await dispatcher.DeliverAsync(dispatcher.Prepare(batch)!, batch, CancellationToken.None, CancellationToken.None);

        Assert.Equal(1, counters.ProcessorFailures);
        Assert.Equal(2, processor.Calls);
    }

    private static (RecordBatchProcessor Dispatcher, RecordProcessorCheckpointer Checkpointer, ConsumerCounters Counters) Create(
        ScriptedProcessor processor, Action<PoisonRecordOptions> configure, Func<bool>? isLeaseHeld = null)
    {
        var counters = new ConsumerCounters();
        var checkpointer = new RecordProcessorCheckpointer("shard", null, Guid.NewGuid(), ExtendedSequenceNumber.TrimHorizon);
        processor.Checkpointer = checkpointer;
        var options = new KinesisConsumerOptions
        {
            StreamName = "stream",
            ProcessorRetryBaseDelay = TimeSpan.FromMilliseconds(1),
            ProcessorRetryMaxDelay = TimeSpan.FromMilliseconds(5),
        };
        configure(options.PoisonRecords);
        var dispatcher = new RecordBatchProcessor("shard", processor, checkpointer, new Deaggregator(), null, ExtendedSequenceNumber.TrimHorizon, options, counters, NullLogger.Instance)
        {
            IsLeaseHeld = isLeaseHeld ?? (static () => true),
        };
        return (dispatcher, checkpointer, counters);
    }

    private static RecordsBatch Batch(params Record[] records) => new() { Records = records, ByteSize = RecordsBatch.SizeOf(records) };

    /// <summary>
    /// Runs a script per call: it throws to fail the call, may report a failure; records of a call that returns count as
    /// processed up to the reported record.
    /// </summary>
    private sealed class ScriptedProcessor(Func<ProcessRecordsInput, RecordProcessorCheckpointer, object?> script) : IShardRecordProcessor
    {
        public int Calls { get; private set; }

        public RecordProcessorCheckpointer Checkpointer { get; set; } = null!;

        public Action? OnCall { get; set; }

        public List<string> Processed { get; } = [];

        public List<string> ProcessedPositions { get; } = [];

        public List<string> FirstOfEachCall { get; } = [];

        public List<ExtendedSequenceNumber> BoundsSeen { get; } = [];

        public Task InitializeAsync(InitializationInput input, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task ProcessRecordsAsync(ProcessRecordsInput input, CancellationToken cancellationToken = default)
        {
            Calls++;
            OnCall?.Invoke();
            FirstOfEachCall.Add(Position(input.Records[0]));
            BoundsSeen.Add(Checkpointer.LargestPermittedCheckpoint);
            script(input, Checkpointer);
            var processed = input.FailedIndex >= 0 ? input.FailedIndex : input.Records.Count;
            for (var i = 0; i < processed; i++)
            {
                if (input.Records[i].SubSequenceNumber == 0)
                {
                    Processed.Add(input.Records[i].SequenceNumber);
                }

                ProcessedPositions.Add(Position(input.Records[i]));
            }

            return Task.CompletedTask;
        }

        public Task LeaseLostAsync(LeaseLostInput input, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task ShardEndedAsync(ShardEndedInput input, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task ShutdownRequestedAsync(ShutdownRequestedInput input, CancellationToken cancellationToken = default) => Task.CompletedTask;

        private static string Position(KinesisClientRecord record) => $"{record.SequenceNumber}/{record.SubSequenceNumber}";
    }
}
