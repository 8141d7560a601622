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
    public async Task<BatchOutcome> DeliverAsync(List<KinesisClientRecord> records, RecordsBatch batch, CancellationToken stopRetrying, CancellationToken cancellationToken)
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
                var (failedIndex, exception) = await DeliverOnceAsync(unit, batch, done, cancellationToken).ConfigureAwait(false);
                if (exception is null)
                {
                    done = unit[^1].ToExtendedSequenceNumber();
                    break;
                }

                counters.AddProcessorFailure();
                if (failedIndex < 0 && CountCheckpointed(records, start, count) is var checkpointed and > 0)
                {
                    // The processor checkpointed part of the unit before it threw: those records are processed by its own
                    // account, and delivering them again would make it checkpoint backwards.
                    done = records[start + checkpointed - 1].ToExtendedSequenceNumber();
                    start += checkpointed;
                    count -= checkpointed;
                    failures = 0;
                    earlierFailures = 0;
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
                        checkpointer.SetLargestPermitted(done);
                        return BatchOutcome.StopShard;

                    case FailureAction.SkipBatch:
                        ConsumerLog.ProcessorFailedSkipping(logger, shardId, count, records[start].SequenceNumber, records[start + count - 1].SequenceNumber, exception);
                        counters.AddSkipped(count);
                        done = records[start + count - 1].ToExtendedSequenceNumber();
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
                        else if (!await SendToSinkAsync(failed, exception, earlierFailures + failures, reason, done, stopRetrying, cancellationToken).ConfigureAwait(false))
                        {
                            checkpointer.SetLargestPermitted(done);
                            return BatchOutcome.Abandoned;
                        }

                        done = failed[^1].ToExtendedSequenceNumber();
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
                            checkpointer.SetLargestPermitted(done);
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

        checkpointer.SetLargestPermitted(done);
        return BatchOutcome.Delivered;
    }

    /// <summary>One call of the processor: (-1, null) when every record was processed; otherwise the index of the first failed record (-1: all) and the failure.</summary>
    private async Task<(int FailedIndex, Exception? Exception)> DeliverOnceAsync(List<KinesisClientRecord> unit, RecordsBatch batch, ExtendedSequenceNumber done, CancellationToken cancellationToken)
    {
        // Right before the processor sees the records (and before every retry): once the renewer has seen the lease
        // taken, released or expired, no further batch reaches this processor, even if the stop signal is still on its way.
        ThrowIfLeaseNotHeld(unit, done, cancellationToken);
        checkpointer.SetLargestPermitted(unit[^1].ToExtendedSequenceNumber());
        var input = new ProcessRecordsInput
        {
            ShardId = shardId,
            Records = unit,
            MillisBehindLatest = batch.MillisBehindLatest,
            FetchedAt = batch.FetchedAt,
            Checkpointer = checkpointer,
            FailureReported = index => LowerBoundForReport(unit, index, done),
        };
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
            checkpointer.SetLargestPermitted(Max(done, checkpointer.LastCheckpoint));
            return (-1, ex);
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
            return (-1, null);
        }

        var failed = unit[input.FailedIndex];
        ConsumerLog.PartialFailureReported(logger, shardId, failed.ToExtendedSequenceNumber(), unit.Count);
        return (input.FailedIndex, input.ReportedException
            ?? new InvalidOperationException($"The processor of shard {shardId} reported record {failed.ToExtendedSequenceNumber()} as failed."));
    }

    /// <summary>A partial-batch report lowers the checkpoint bound to just before the failed record at once, so a checkpoint in the same call stops there.</summary>
    private void LowerBoundForReport(List<KinesisClientRecord> unit, int index, ExtendedSequenceNumber done)
    {
        var failed = unit[index].ToExtendedSequenceNumber();
        var last = checkpointer.LastCheckpoint;
        if (!last.IsSentinel && last >= failed)
        {
            throw new InvalidOperationException($"Shard {shardId} is already checkpointed at {last}, at or past the reported record {failed}; report the failure before checkpointing past it.");
        }

        checkpointer.SetLargestPermitted(index == 0 ? Max(done, last) : unit[index - 1].ToExtendedSequenceNumber());
    }

    private async Task<bool> SendToSinkAsync(List<KinesisClientRecord> failed, Exception exception, int attempts, DeadLetterReason reason, ExtendedSequenceNumber done, CancellationToken stopRetrying, CancellationToken cancellationToken)
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
            ThrowIfLeaseNotHeld(failed, done, cancellationToken);
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

    private void ThrowIfLeaseNotHeld(List<KinesisClientRecord> records, ExtendedSequenceNumber done, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested || !IsLeaseHeld())
        {
            checkpointer.SetLargestPermitted(done);
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

    /// <summary>How many records from <paramref name="start"/> on are at or below the committed checkpoint.</summary>
    private int CountCheckpointed(List<KinesisClientRecord> records, int start, int count)
    {
        var committed = checkpointer.LastCheckpoint;
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

    /// <summary>Consecutive records of the batch still to deliver, and how often the larger ranges holding them failed.</summary>
    private readonly record struct PendingRange(int Start, int Count, int EarlierFailures);
}
