using Kinesis.Client.Diagnostics;
using Kinesis.Client.Retrieval;
using Kinesis.Core.Aggregation;
using Kinesis.Core.Hashing;
using Kinesis.Core.Metrics;
using Kinesis.Core.Resilience;
using Microsoft.Extensions.Logging;

namespace Kinesis.Client.Lifecycle;

/// <summary>How the delivery of one batch ended.</summary>
internal enum BatchOutcome
{
    Delivered,
    Skipped,
    StopShard,
    Abandoned,
}

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
    private readonly ProcessorErrorMode errorMode;
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
        errorMode = options.ErrorMode;
        time = options.TimeProvider;
        backoff = RetryBackoff.ForDelays(options.ProcessorRetryBaseDelay, options.ProcessorRetryMaxDelay, time);
        streamName = options.StreamName ?? string.Empty;
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
    /// Delivers the records, handling processor exceptions per <see cref="KinesisConsumerOptions.ErrorMode"/>.
    /// <paramref name="stopRetrying"/> ends a retry loop (graceful shutdown) with <see cref="BatchOutcome.Abandoned"/>.
    /// </summary>
    public async Task<BatchOutcome> DeliverAsync(List<KinesisClientRecord> records, RecordsBatch batch, CancellationToken stopRetrying, CancellationToken cancellationToken)
    {
        var last = records[^1];
        var previousPermitted = checkpointer.LargestPermittedCheckpoint;
        checkpointer.SetLargestPermitted(last.ToExtendedSequenceNumber());
        var input = new ProcessRecordsInput
        {
            ShardId = shardId,
            Records = records,
            MillisBehindLatest = batch.MillisBehindLatest,
            FetchedAt = batch.FetchedAt,
            Checkpointer = checkpointer,
        };
        for (var attempt = 1; ; attempt++)
        {
            // Right before the processor sees the batch (and before every retry): once the renewer has seen the lease
            // taken, released or expired, no further batch reaches this processor, even if the stop signal is still on its way.
            if (cancellationToken.IsCancellationRequested || !IsLeaseHeld())
            {
                checkpointer.SetLargestPermitted(previousPermitted);
                ConsumerLog.DeliveryRefusedLeaseLost(logger, shardId, records.Count, records[0].SequenceNumber);
                throw new LeaseLostException(shardId, $"The lease of shard '{shardId}' is no longer held by this worker; the batch was not delivered.");
            }

            try
            {
                var started = time.GetTimestamp();
                await processor.ProcessRecordsAsync(input, cancellationToken).ConfigureAwait(false);
                var bytes = SizeOf(records);
                counters.AddProcessed(records.Count, bytes);
                Metrics?.RecordsProcessed(streamName, shardId, records.Count, bytes, batch.MillisBehindLatest, time.GetElapsedTime(started));
                return BatchOutcome.Delivered;
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
                counters.AddProcessorFailure();
                switch (errorMode)
                {
                    case ProcessorErrorMode.SkipBatch:
                        ConsumerLog.ProcessorFailedSkipping(logger, shardId, records.Count, records[0].SequenceNumber, last.SequenceNumber, ex);
                        counters.AddSkipped(records.Count);
                        return BatchOutcome.Skipped;
                    case ProcessorErrorMode.StopShard:
                        ConsumerLog.ProcessorFailedStopping(logger, shardId, records.Count, ex);
                        counters.AddShardStopped();
                        StopReason = ex;
                        checkpointer.SetLargestPermitted(previousPermitted);
                        return BatchOutcome.StopShard;
                    default:
                        var delay = backoff.GetDelay(attempt - 1);
                        ConsumerLog.ProcessorFailedRetrying(logger, shardId, records.Count, attempt, delay, ex);
                        if (stopRetrying.IsCancellationRequested)
                        {
                            // Undelivered records must not become checkpointable by the shutdown checkpoint.
                            checkpointer.SetLargestPermitted(previousPermitted);
                            return BatchOutcome.Abandoned;
                        }

                        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(stopRetrying, cancellationToken))
                        {
                            await backoff.DelayAsync(delay, linked.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                        }

                        cancellationToken.ThrowIfCancellationRequested();
                        if (stopRetrying.IsCancellationRequested)
                        {
                            checkpointer.SetLargestPermitted(previousPermitted);
                            return BatchOutcome.Abandoned;
                        }

                        break;
                }
            }
        }
    }

    private static long SizeOf(List<KinesisClientRecord> records)
    {
        long size = 0;
        foreach (var record in records)
        {
            size += record.Data.Length;
        }

        return size;
    }
}
