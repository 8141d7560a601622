using Kinesis.Client.Diagnostics;
using Kinesis.Client.Retrieval;
using Kinesis.Core.Aggregation;
using Kinesis.Core.Metrics;
using Kinesis.Core.Resilience;
using Microsoft.Extensions.Logging;
using HashKeyRange = Kinesis.Core.Hashing.HashKeyRange;

namespace Kinesis.Client.Lifecycle;

/// <summary>
/// The dispatch path of one shard: deaggregates a GetRecords batch, drops what is at or below the start checkpoint,
/// advances the checkpointer's upper bound, and calls the processor with the configured error handling. It does no I/O
/// of its own, so it can be driven from in-memory batches.
/// </summary>
internal sealed class RecordBatchProcessor
{
    private readonly string shardId;
    private readonly IShardRecordProcessor processor;
    private readonly RecordProcessorCheckpointer checkpointer;
    private readonly Deaggregator deaggregator;
    private readonly HashKeyRange? shardRange;
    private readonly FailureDecision decision;
    private readonly IDeadLetterSink? sink;
    private readonly RetryBackoff backoff;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly ConsumerCounters counters;
    private readonly string streamName;
    private readonly List<DeaggregatedRecord> scratch = [];
    private ExtendedSequenceNumber? filterAtOrBelow;

    /// <summary>Where delivered batches are recorded (RecordsProcessed, DataBytesProcessed, MillisBehindLatest, processing time); none by default.</summary>
    public ConsumerMetrics? Metrics { get; init; }

    /// <summary>
    /// The renewer's view of this acquisition's ownership (held, same acquisition, not expired locally), asked right before
    /// every call of the processor; always true by default.
    /// </summary>
    public Func<bool> IsLeaseHeld { get; init; } = static () => true;

    /// <summary>The processor's exception behind the last <see cref="BatchOutcome.StopShard"/>.</summary>
    public Exception? StopReason { get; private set; }

    public RecordBatchProcessor(
        string shardId,
        IShardRecordProcessor processor,
        RecordProcessorCheckpointer checkpointer,
        Deaggregator deaggregator,
        HashKeyRange? shardRange,
        ExtendedSequenceNumber startCheckpoint,
        KinesisConsumerOptions options,
        ConsumerCounters counters,
        ILogger logger)
    {
        this.shardId = shardId;
        this.processor = processor;
        this.checkpointer = checkpointer;
        this.deaggregator = deaggregator;
        this.shardRange = shardRange;
        this.counters = counters;
        this.logger = logger;
        decision = new FailureDecision(options.ErrorMode, options.PoisonRecords);
        sink = options.PoisonRecords.DeadLetterSink;
        time = options.TimeProvider;
        backoff = RetryBackoff.ForDelays(options.ProcessorRetryBaseDelay, options.ProcessorRetryMaxDelay, time);
        streamName = options.StreamArn is null ? options.StreamName ?? string.Empty : options.ValidatedStreamName;
        filterAtOrBelow = startCheckpoint.IsSentinel ? null : startCheckpoint;
    }

    /// <summary>Turns a batch into the user records to deliver; <see langword="null"/> when nothing is left to deliver.</summary>
    public List<KinesisClientRecord>? Prepare(RecordsBatch batch)
    {
        var records = batch.Records;
        if (records.Count == 0)
        {
            return null;
        }

        scratch.Clear();
        for (var i = 0; i < records.Count; i++)
        {
            var record = records[i];
            var input = new KinesisRecordInput(record.Data, record.PartitionKey, record.SequenceNumber, record.ApproximateArrivalTimestamp ?? default);
            deaggregator.Deaggregate(input, scratch, shardRange);
        }

        var start = 0;
        if (filterAtOrBelow is { } checkpoint)
        {
            // Records come in order, so filtering ends at the first record past the checkpoint.
            while (start < scratch.Count && new ExtendedSequenceNumber(scratch[start].SequenceNumber, scratch[start].SubSequenceNumber) <= checkpoint)
            {
                start++;
            }

            if (start < scratch.Count)
            {
                filterAtOrBelow = null;
            }

            if (start > 0)
            {
                counters.AddFilteredBelowCheckpoint(start);
            }
        }

        if (start == scratch.Count)
        {
            return null;
        }

        var result = new List<KinesisClientRecord>(scratch.Count - start);
        for (var i = start; i < scratch.Count; i++)
        {
            var r = scratch[i];
            result.Add(new KinesisClientRecord
            {
                SequenceNumber = r.SequenceNumber,
                SubSequenceNumber = r.SubSequenceNumber,
                PartitionKey = r.PartitionKey,
                ExplicitHashKey = r.ExplicitHashKey,
                ApproximateArrivalTimestamp = r.ApproximateArrivalTimestamp,
                Data = r.Data,
                IsAggregated = r.IsAggregated,
            });
        }

        scratch.Clear();
        return result;
    }

    /// <summary>
    /// Delivers the records, handling processor failures (exceptions and partial-batch reports) per
    /// <see cref="KinesisConsumerOptions.ErrorMode"/> and <see cref="KinesisConsumerOptions.PoisonRecords"/>: retry, bisect,
    /// dead-letter, skip or stop. The checkpoint bound never passes a record that was neither processed nor accepted by the
    /// dead-letter sink (nor skipped on purpose). <paramref name="stopRetrying"/> ends a retry loop (graceful shutdown) with
    /// <see cref="BatchOutcome.Abandoned"/>, the bound left after the last record done.
    /// </summary>
    public Task<BatchOutcome> DeliverAsync(List<KinesisClientRecord> records, RecordsBatch batch, CancellationToken stopRetrying, CancellationToken cancellationToken) =>
        DeliverAsync(records, batch, stopRetrying, cancellationToken, lane: null);

    /// <summary>
    /// <see cref="DeliverAsync(List{KinesisClientRecord}, RecordsBatch, CancellationToken, CancellationToken)"/> for one lane of a
    /// batch (<see cref="KinesisConsumerOptions.ParallelizationFactor"/>): the same failure handling over the lane's records, but
    /// the checkpointer's bound belongs to the <see cref="LowWaterMark"/>, so <paramref name="lane"/> is told each position the
    /// lane is done through instead, and the bound is never raised over records still being delivered (no in-call permit).
    /// </summary>
    public Task<BatchOutcome> DeliverLaneAsync(List<KinesisClientRecord> records, RecordsBatch batch, Action<ExtendedSequenceNumber> lane, CancellationToken stopRetrying, CancellationToken cancellationToken) =>
        DeliverAsync(records, batch, stopRetrying, cancellationToken, lane);

    private async Task<BatchOutcome> DeliverAsync(List<KinesisClientRecord> records, RecordsBatch batch, CancellationToken stopRetrying, CancellationToken cancellationToken, Action<ExtendedSequenceNumber>? lane)
    {
        // Everything up to `done` was processed, dead-lettered or skipped; failing records stay above it.
        var done = checkpointer.LargestPermittedCheckpoint;
        Stack<PendingRange>? pending = null;
        for (var range = new PendingRange(0, records.Count, 0); ; range = pending.Pop())
        {
            var start = range.Start;
            var count = range.Count;
            var earlierFailures = range.EarlierFailures;
            var failures = 0;
            while (count > 0)
            {
                var unit = start == 0 && count == records.Count ? records : records.GetRange(start, count);
                var (failedIndex, exception, declared) = await DeliverOnceAsync(unit, batch, done, lane, cancellationToken).ConfigureAwait(false);
                if (exception is null)
                {
                    done = unit[^1].ToExtendedSequenceNumber();
                    lane?.Invoke(done);
                    break;
                }

                counters.AddProcessorFailure();
                if (failedIndex < 0 && CountCheckpointed(records, start, count, declared) is var checkpointed and > 0)
                {
                    // The processor checkpointed part of the unit before it threw: those records are processed by its own
                    // account, and delivering them again would make it checkpoint backwards.
                    done = records[start + checkpointed - 1].ToExtendedSequenceNumber();
                    start += checkpointed;
                    count -= checkpointed;
                    failures = 0;
                    earlierFailures = 0;
                    lane?.Invoke(done);
                    if (count == 0)
                    {
                        break;
                    }
                }

                if (failedIndex > 0)
                {
                    // A partial-batch report past the first record: progress, so the failing record starts counting afresh.
                    done = unit[failedIndex - 1].ToExtendedSequenceNumber();
                    start += failedIndex;
                    count -= failedIndex;
                    failures = 0;
                    earlierFailures = 0;
                    lane?.Invoke(done);
                }

                failures++;
                var identified = failedIndex >= 0;
                var unitCount = identified ? 1 : count;
                var action = decision.Decide(unitCount, identified, failures, OldestAge(records, start, unitCount), out var reason);
                switch (action)
                {
                    case FailureAction.StopShard:
                        ConsumerLog.ProcessorFailedStopping(logger, shardId, count, exception);
                        counters.AddShardStopped();
                        StopReason = exception;
                        SetBound(done, lane);
                        return BatchOutcome.StopShard;

                    case FailureAction.SkipBatch:
                        ConsumerLog.ProcessorFailedSkipping(logger, shardId, count, records[start].SequenceNumber, records[start + count - 1].SequenceNumber, exception);
                        counters.AddSkipped(count);
                        done = records[start + count - 1].ToExtendedSequenceNumber();
                        lane?.Invoke(done);
                        count = 0;
                        break;

                    case FailureAction.Split:
                        ConsumerLog.ProcessorFailedSplitting(logger, shardId, count, records[start].ToExtendedSequenceNumber(), records[start + count - 1].ToExtendedSequenceNumber(), exception);
                        counters.AddBatchBisected();
                        Metrics?.BatchBisected(streamName, shardId);
                        var half = count / 2;
                        pending ??= new Stack<PendingRange>();
                        pending.Push(new PendingRange(start + half, count - half, earlierFailures + failures));
                        pending.Push(new PendingRange(start, half, earlierFailures + failures));
                        count = 0;
                        break;

                    case FailureAction.DeadLetter:
                    case FailureAction.Discard:
                        var failed = unitCount == records.Count ? records : records.GetRange(start, unitCount);
                        if (action == FailureAction.Discard)
                        {
                            ConsumerLog.SkippedWithoutDeadLetter(logger, shardId, unitCount, failed[0].ToExtendedSequenceNumber(), failed[^1].ToExtendedSequenceNumber(), earlierFailures + failures, reason, exception);
                            counters.AddSkipped(unitCount);
                        }
                        else if (!await SendToSinkAsync(failed, exception, earlierFailures + failures, reason, done, lane, stopRetrying, cancellationToken).ConfigureAwait(false))
                        {
                            SetBound(done, lane);
                            return BatchOutcome.Abandoned;
                        }

                        done = failed[^1].ToExtendedSequenceNumber();
                        lane?.Invoke(done);
                        start += unitCount;
                        count -= unitCount;
                        failures = 0;
                        earlierFailures = 0;
                        break;

                    default:
                        var delay = backoff.GetDelay(failures - 1);
                        ConsumerLog.ProcessorFailedRetrying(logger, shardId, count, failures, delay, exception);
                        if (!await BackOffAsync(delay, stopRetrying, cancellationToken).ConfigureAwait(false))
                        {
                            // Undelivered records must not become checkpointable by the shutdown checkpoint.
                            SetBound(done, lane);
                            return BatchOutcome.Abandoned;
                        }

                        counters.AddProcessorRetry();
                        Metrics?.ProcessRecordsRetried(streamName, shardId);
                        break;
                }
            }

            if (pending is null || pending.Count == 0)
            {
                break;
            }
        }

        SetBound(done, lane);
        return BatchOutcome.Delivered;
    }

    /// <summary>Records up to <paramref name="done"/> are done: the bound is there (one lane), or the lane reports them to its low-water mark.</summary>
    private void SetBound(ExtendedSequenceNumber done, Action<ExtendedSequenceNumber>? lane)
    {
        if (lane is null)
        {
            checkpointer.SetLargestPermitted(done);
        }
        else
        {
            lane(done);
        }
    }

    /// <summary>One call of the processor: (-1, null) when every record was processed; otherwise the index of the first failed record (-1: all) and the failure.</summary>
    private async Task<(int FailedIndex, Exception? Exception, ExtendedSequenceNumber? Declared)> DeliverOnceAsync(List<KinesisClientRecord> unit, RecordsBatch batch, ExtendedSequenceNumber done, Action<ExtendedSequenceNumber>? lane, CancellationToken cancellationToken)
    {
        // Right before the processor sees the records (and before every retry): once the renewer has seen the lease
        // taken, released or expired, no further batch reaches this processor, even if the stop signal is still on its way.
        ThrowIfLeaseNotHeld(unit, done, lane, cancellationToken);

        // One lane: the processor may checkpoint anywhere in the unit during the call. Several lanes: the bound is the low-water
        // mark, which other lanes' calls move; records of a call in flight are not done and never become checkpointable early.
        if (lane is null)
        {
            checkpointer.SetLargestPermitted(unit[^1].ToExtendedSequenceNumber());
        }

        var laneCall = lane is null ? null : new LaneCall(shardId, unit, lane, checkpointer);
        var input = new ProcessRecordsInput
        {
            ShardId = shardId,
            Records = unit,
            MillisBehindLatest = batch.MillisBehindLatest,
            FetchedAt = batch.FetchedAt,
            Checkpointer = laneCall is null ? checkpointer : checkpointer.ForLaneCall(laneCall.DeclareDone),
            FailureReported = index => LowerBoundForReport(unit, index, done, laneCall),
        };
        laneCall?.Attach(input);
        var started = time.GetTimestamp();
        try
        {
            await processor.ProcessRecordsAsync(input, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (LeaseLostException)
        {
            // Not a processor fault: the checkpoint failed because another worker owns the shard now.
            throw;
        }
        catch (Exception ex)
        {
            input.IsClosed = true;
            if (lane is null)
            {
                checkpointer.SetLargestPermitted(Max(done, checkpointer.LastCheckpoint));
            }

            return (-1, ex, laneCall?.Declared);
        }

        input.IsClosed = true;
        var processed = input.FailedIndex >= 0 ? input.FailedIndex : unit.Count;
        if (processed > 0)
        {
            var bytes = SizeOf(unit, processed);
            counters.AddProcessed(processed, bytes);
            Metrics?.RecordsProcessed(streamName, shardId, processed, bytes, batch.MillisBehindLatest, time.GetElapsedTime(started));
        }

        if (input.FailedIndex < 0)
        {
            return (-1, null, null);
        }

        var failed = unit[input.FailedIndex];
        ConsumerLog.PartialFailureReported(logger, shardId, failed.ToExtendedSequenceNumber(), unit.Count);
        return (input.FailedIndex, input.ReportedException
            ?? new InvalidOperationException($"The processor of shard {shardId} reported record {failed.ToExtendedSequenceNumber()} as failed."), null);
    }

    /// <summary>A partial-batch report lowers the checkpoint bound to just before the failed record at once, so a checkpoint in the same call stops there.</summary>
    private void LowerBoundForReport(List<KinesisClientRecord> unit, int index, ExtendedSequenceNumber done, LaneCall? laneCall)
    {
        var failed = unit[index].ToExtendedSequenceNumber();
        var last = laneCall?.Declared is { } declared && declared > checkpointer.LastCheckpoint ? declared : checkpointer.LastCheckpoint;
        if (!last.IsSentinel && last >= failed)
        {
            throw new InvalidOperationException($"Shard {shardId} is already checkpointed at {last}, at or past the reported record {failed}; report the failure before checkpointing past it.");
        }

        // Several lanes: the bound never covered the call's records, so there is nothing to lower.
        if (laneCall is null)
        {
            checkpointer.SetLargestPermitted(index == 0 ? Max(done, last) : unit[index - 1].ToExtendedSequenceNumber());
        }
    }

    private async Task<bool> SendToSinkAsync(List<KinesisClientRecord> failed, Exception exception, int attempts, DeadLetterReason reason, ExtendedSequenceNumber done, Action<ExtendedSequenceNumber>? lane, CancellationToken stopRetrying, CancellationToken cancellationToken)
    {
        var deadLetters = new DeadLetterBatch
        {
            StreamName = streamName,
            ShardId = shardId,
            Records = failed,
            Exception = exception,
            Attempts = attempts,
            Reason = reason,
        };
        ConsumerLog.DeadLettering(logger, shardId, failed.Count, deadLetters.FirstSequenceNumber, deadLetters.LastSequenceNumber, attempts, reason, exception);
        for (var attempt = 1; ; attempt++)
        {
            // The sink's records are not checkpointable until it accepted them, and a lost lease ends the attempts: the next owner starts before them.
            ThrowIfLeaseNotHeld(failed, done, lane, cancellationToken);
            try
            {
                await sink!.SendAsync(deadLetters, cancellationToken).ConfigureAwait(false);
                counters.AddDeadLettered(failed.Count);
                Metrics?.RecordsDeadLettered(streamName, shardId, failed.Count);
                return true;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                counters.AddDeadLetterSinkFailure();
                var delay = backoff.GetDelay(attempt - 1);
                ConsumerLog.DeadLetterSinkFailed(logger, shardId, failed.Count, attempt, delay, ex);
                if (!await BackOffAsync(delay, stopRetrying, cancellationToken).ConfigureAwait(false))
                {
                    return false;
                }
            }
        }
    }

    /// <summary>Waits <paramref name="delay"/>; false when a graceful stop asks to give up retrying (before or during the wait).</summary>
    private async Task<bool> BackOffAsync(TimeSpan delay, CancellationToken stopRetrying, CancellationToken cancellationToken)
    {
        if (stopRetrying.IsCancellationRequested)
        {
            return false;
        }

        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(stopRetrying, cancellationToken))
        {
            await backoff.DelayAsync(delay, linked.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        cancellationToken.ThrowIfCancellationRequested();
        return !stopRetrying.IsCancellationRequested;
    }

    private void ThrowIfLeaseNotHeld(List<KinesisClientRecord> records, ExtendedSequenceNumber done, Action<ExtendedSequenceNumber>? lane, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested || !IsLeaseHeld())
        {
            SetBound(done, lane);
            ConsumerLog.DeliveryRefusedLeaseLost(logger, shardId, records.Count, records[0].SequenceNumber);
            throw new LeaseLostException(shardId, $"The lease of shard '{shardId}' is no longer held by this worker; the batch was not delivered.");
        }
    }

    private TimeSpan OldestAge(List<KinesisClientRecord> records, int start, int count)
    {
        // Records arrive in order, but an aggregate's user records share one timestamp; take the minimum anyway. An unknown
        // (default) timestamp does not make a record old.
        var oldest = DateTimeOffset.MaxValue;
        for (var i = start; i < start + count; i++)
        {
            var arrival = records[i].ApproximateArrivalTimestamp;
            if (arrival != default && arrival < oldest)
            {
                oldest = arrival;
            }
        }

        return oldest == DateTimeOffset.MaxValue ? TimeSpan.Zero : time.GetUtcNow() - oldest;
    }

    /// <summary>How many records from <paramref name="start"/> on are at or below the committed checkpoint (or what a lane call's checkpoint counted as done).</summary>
    private int CountCheckpointed(List<KinesisClientRecord> records, int start, int count, ExtendedSequenceNumber? declared)
    {
        var committed = declared is not null && declared > checkpointer.LastCheckpoint ? declared : checkpointer.LastCheckpoint;
        if (committed.IsSentinel)
        {
            return 0;
        }

        var n = 0;
        while (n < count && records[start + n].ToExtendedSequenceNumber() <= committed)
        {
            n++;
        }

        return n;
    }

    private static ExtendedSequenceNumber Max(ExtendedSequenceNumber left, ExtendedSequenceNumber right) => left >= right ? left : right;

    private static long SizeOf(List<KinesisClientRecord> records, int count)
    {
        long size = 0;
        for (var i = 0; i < count; i++)
        {
            size += records[i].Data.Length;
        }

        return size;
    }

    /// <summary>
    /// One processor call on a lane and its checkpointer (<see cref="RecordProcessorCheckpointer.ForLaneCall"/>): a checkpoint
    /// during the call counts the call's records up to it as done, at most up to the record before a reported failure.
    /// </summary>
    private sealed class LaneCall(string shardId, List<KinesisClientRecord> unit, Action<ExtendedSequenceNumber> lane, RecordProcessorCheckpointer checkpointer)
    {
        private ProcessRecordsInput? input;

        /// <summary>The last position the processor's checkpoints counted as done in this call, or <see langword="null"/>.</summary>
        public ExtendedSequenceNumber? Declared { get; private set; }

        public void Attach(ProcessRecordsInput callInput) => input = callInput;

        /// <summary>Counts the call's records up to <paramref name="through"/> (null: all of them) as done; returns the bound afterwards.</summary>
        public ExtendedSequenceNumber DeclareDone(ExtendedSequenceNumber? through)
        {
            // After the call returned, its records were already reported (or are being delivered again): the checkpoint only
            // goes to the mark.
            if (input is { IsClosed: false } call)
            {
                ExtendedSequenceNumber? limit = call.FailedIndex switch
                {
                    < 0 => unit[^1].ToExtendedSequenceNumber(),
                    0 => null,
                    var index => unit[index - 1].ToExtendedSequenceNumber(),
                };
                if (through is not null && call.FailedIndex >= 0 && through >= unit[call.FailedIndex].ToExtendedSequenceNumber())
                {
                    throw new ArgumentException(
                        $"Checkpoint {through} for shard {shardId} is at or past the record reported failed ({unit[call.FailedIndex].ToExtendedSequenceNumber()}).", "sequenceNumber");
                }

                var target = through is null || (limit is not null && through > limit) ? limit : through;
                if (target is not null && (Declared is null || target > Declared))
                {
                    Declared = target;
                    lane(target);
                }
            }

            return checkpointer.LargestPermittedCheckpoint;
        }
    }

    /// <summary>Consecutive records of the batch still to deliver, and how often the larger ranges holding them failed.</summary>
    private readonly record struct PendingRange(int Start, int Count, int EarlierFailures);
}
