using Kinesis.Client.Diagnostics;
using Kinesis.Client.Retrieval;
using Kinesis.Core.Hashing;
using Kinesis.Core.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kinesis.Client.Lifecycle;

/// <summary>
/// Per-key parallelism inside a shard (<see cref="KinesisConsumerOptions.ParallelizationFactor"/>, AWS Lambda's
/// ParallelizationFactor): splits a batch's user records into lanes by a hash of the partition key and delivers the lanes
/// concurrently, one processor call per lane at a time, each with <see cref="RecordBatchProcessor"/>'s failure handling. The
/// checkpointer's bound follows the batch's <see cref="LowWaterMark"/>. A batch is finished when every lane is: the next
/// batch, shard end and the terminal callbacks wait for all of them. With a factor of 1 it is the plain sequential delivery.
/// </summary>
internal sealed class PartitionKeyLanes
{
    private readonly RecordBatchProcessor batches;
    private readonly RecordProcessorCheckpointer checkpointer;
    private readonly ConsumerCounters counters;
    private readonly int laneCount;

    public PartitionKeyLanes(RecordBatchProcessor batches, RecordProcessorCheckpointer checkpointer, int laneCount, ConsumerCounters counters)
    {
        this.batches = batches;
        this.checkpointer = checkpointer;
        this.laneCount = laneCount;
        this.counters = counters;
    }

    /// <summary>Where each batch delivered on lanes is logged (event 3090, Debug); none by default.</summary>
    public ILogger Logger { get; init; } = NullLogger.Instance;

    /// <summary>The shard, for the log and the metric.</summary>
    public string ShardId { get; init; } = string.Empty;

    /// <summary>The stream, for the metric.</summary>
    public string StreamName { get; init; } = string.Empty;

    /// <summary>Where the lanes busy per batch are recorded (<see cref="ConsumerMetricNames.LanesBusy"/>); none by default.</summary>
    public ConsumerMetrics? Metrics { get; init; }

    /// <summary>
    /// The lane of a partition key: its 128-bit hash key (MD5, the one Kinesis routes with) modulo <paramref name="laneCount"/>,
    /// so a key always gets the same lane, on every worker.
    /// </summary>
    public static int LaneOf(string partitionKey, int laneCount) =>
        laneCount == 1 ? 0 : (int)(HashKeys.FromPartitionKey(partitionKey) % (UInt128)(uint)laneCount);

    /// <summary>
    /// Delivers the records as <see cref="RecordBatchProcessor.DeliverAsync(List{KinesisClientRecord}, RecordsBatch, CancellationToken, CancellationToken)"/>
    /// does, on up to the factor's lanes. The outcome is the gravest of the lanes' (<see cref="BatchOutcome.StopShard"/>, then
    /// <see cref="BatchOutcome.Abandoned"/>); the other lanes finish what they are doing first. When a lane throws (a lost
    /// lease), the others are cancelled so that none starts another call, and the exception is rethrown once all stopped.
    /// </summary>
    public async Task<BatchOutcome> DeliverAsync(List<KinesisClientRecord> records, RecordsBatch batch, CancellationToken stopRetrying, CancellationToken cancellationToken)
    {
        if (laneCount == 1)
        {
            return await batches.DeliverAsync(records, batch, stopRetrying, cancellationToken).ConfigureAwait(false);
        }

        var laneOf = new int[records.Count];
        var lanes = new List<KinesisClientRecord>?[laneCount];
        for (var i = 0; i < records.Count; i++)
        {
            var lane = LaneOf(records[i].PartitionKey, laneCount);
            laneOf[i] = lane;
            (lanes[lane] ??= []).Add(records[i]);
        }

        var mark = new LowWaterMark(records, laneOf, laneCount, checkpointer.LargestPermittedCheckpoint, checkpointer.SetLargestPermitted);
        using var stopLanes = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = new List<Task<BatchOutcome>>(laneCount);
        for (var lane = 0; lane < laneCount; lane++)
        {
            if (lanes[lane] is { } laneRecords)
            {
                running.Add(RunLaneAsync(lane, laneRecords, batch, mark, stopLanes, stopRetrying));
            }
        }

        counters.AddLaneBatch(running.Count);
        Metrics?.LanesBusy(StreamName, ShardId, running.Count);
        try
        {
            await Task.WhenAll(running).ConfigureAwait(false);
        }
        catch (Exception) when (FirstFault(running, cancellationToken) is { } fault)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(fault);
        }

        var outcome = BatchOutcome.Delivered;
        foreach (var task in running)
        {
            var laneOutcome = await task.ConfigureAwait(false);
            if (laneOutcome == BatchOutcome.StopShard || (laneOutcome == BatchOutcome.Abandoned && outcome != BatchOutcome.StopShard))
            {
                outcome = laneOutcome;
            }
        }

        ConsumerLog.LanesDelivered(Logger, ShardId, records.Count, running.Count, laneCount, outcome.ToString(), mark.Current);
        return outcome;
    }

    /// <summary>
    /// The exception to surface after a lane failed: a lost lease first (the reason the others were cancelled), then anything
    /// other than a cancellation, then the shard consumer's own cancellation.
    /// </summary>
    private static Exception? FirstFault(List<Task<BatchOutcome>> running, CancellationToken cancellationToken)
    {
        Exception? other = null;
        Exception? cancelled = null;
        foreach (var task in running)
        {
            switch (task.Exception?.InnerException)
            {
                case LeaseLostException lost:
                    return lost;
                case OperationCanceledException canceled:
                    cancelled ??= canceled;
                    break;
                case { } ex:
                    other ??= ex;
                    break;
            }
        }

        return other ?? (cancellationToken.IsCancellationRequested ? cancelled : null);
    }

    private async Task<BatchOutcome> RunLaneAsync(int lane, List<KinesisClientRecord> laneRecords, RecordsBatch batch, LowWaterMark mark, CancellationTokenSource stopLanes, CancellationToken stopRetrying)
    {
        try
        {
            return await batches.DeliverLaneAsync(laneRecords, batch, through => mark.Completed(lane, through), stopRetrying, stopLanes.Token).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // A lost lease (or anything unexpected) on one lane: no other lane starts another call. The cancellation also reaches
            // their calls in flight, as a lost lease does on a single lane; the mark stays before every unfinished record.
            await stopLanes.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }
}
