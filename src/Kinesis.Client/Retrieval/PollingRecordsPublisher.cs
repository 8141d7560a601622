using System.Threading.Channels;
using Kinesis.Client.Diagnostics;
using Kinesis.Core.Api;
using Kinesis.Core.Metrics;
using Kinesis.Core.Resilience;
using Microsoft.Extensions.Logging;

namespace Kinesis.Client.Retrieval;

/// <summary>
/// Reads one shard with GetRecords in a background loop and queues the results for the shard consumer, bounded in records
/// and bytes (the KCL's PrefetchRecordsPublisher). Throttling and transient faults back off with full jitter; an expired
/// iterator restarts after the last queued record; a vanished shard is reported as the shard's end.
/// </summary>
internal sealed class PollingRecordsPublisher : IRecordsPublisher
{
    private readonly KinesisApiClient api;
    private readonly StreamAddress stream;
    private readonly string shardId;
    private readonly ExtendedSequenceNumber start;
    private readonly KinesisConsumerOptions options;
    private readonly ConsumerCounters counters;
    private readonly ILogger logger;
    private readonly TimeProvider time;
    private readonly RetryBackoff backoff;
    private readonly Channel<RecordsBatch> queue = Channel.CreateUnbounded<RecordsBatch>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly Channel<bool> spaceFreed = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource stop = new();
    private Task loop = Task.CompletedTask;
    private long queuedRecords;
    private long queuedBytes;
    private int queuedBatches;

    public PollingRecordsPublisher(KinesisApiClient api, StreamAddress stream, string shardId, ExtendedSequenceNumber start, KinesisConsumerOptions options, ConsumerCounters counters, ILogger logger)
    {
        this.api = api;
        this.stream = stream;
        this.shardId = shardId;
        this.start = start;
        this.options = options;
        this.counters = counters;
        this.logger = logger;
        time = options.TimeProvider;
        backoff = RetryBackoff.ForDelays(options.GetRecordsRetryBaseDelay, options.GetRecordsRetryMaxDelay, time);
    }

    /// <summary>Where GetRecords calls and expired iterators are recorded; none by default.</summary>
    public ConsumerMetrics? Metrics { get; init; }

    /// <summary>
    /// The worker-wide grid that idle shards poll on (see <see cref="IdlePollSchedule"/>); without it, every call is due one
    /// interval after the previous call's start.
    /// </summary>
    public IdlePollSchedule? Schedule { get; init; }

    /// <summary>Records fetched and not yet released (for tests of the prefetch bound).</summary>
    internal long QueuedRecords => Volatile.Read(ref queuedRecords);

    public void Start() => loop = RunAsync(stop.Token);

    public ValueTask<RecordsBatch> ReadAsync(CancellationToken cancellationToken) => queue.Reader.ReadAsync(cancellationToken);

    public void Release(RecordsBatch batch)
    {
        Interlocked.Add(ref queuedRecords, -batch.Records.Count);
        Interlocked.Add(ref queuedBytes, -batch.ByteSize);
        Interlocked.Decrement(ref queuedBatches);
        spaceFreed.Writer.TryWrite(true);
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync().ConfigureAwait(false);
        await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        stop.Dispose();
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        await Task.Yield();
        string? iterator = null;
        string? lastSequenceNumber = null;
        var failures = 0;
        long? lastCallStart = null;
        var lastCallReturnedRecords = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await WaitForSpaceAsync(cancellationToken).ConfigureAwait(false);
                iterator ??= await GetIteratorAsync(lastSequenceNumber, cancellationToken).ConfigureAwait(false);

                // The KCL's sleep controller: at most one call per idle interval, measured from the previous call's start.
                // Not a 0 sentinel: a TimeProvider's timestamps may start at 0, which would skip the first spacing.
                if (lastCallStart is { } previousCallStart)
                {
                    if (Schedule is { } schedule)
                    {
                        await schedule.WaitUntilAsync(schedule.NextCallDue(previousCallStart, lastCallReturnedRecords), cancellationToken).ConfigureAwait(false);
                    }
                    else if (options.IdleTimeBetweenReads - time.GetElapsedTime(previousCallStart) is var wait && wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
                    }
                }

                var callStart = time.GetTimestamp();
                lastCallStart = callStart;
                counters.AddGetRecordsCall();
                GetRecordsResponse response;
                try
                {
                    response = await api.GetRecordsAsync(new GetRecordsRequest { ShardIterator = iterator, Limit = options.MaxRecords, StreamARN = stream.Arn }, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    Metrics?.GetRecordsCompleted(stream.StreamName, shardId, false, time.GetElapsedTime(callStart));
                    if (ex is KinesisApiException { IsThrottling: true })
                    {
                        Metrics?.GetRecordsThrottled(stream.StreamName, shardId);
                    }

                    throw;
                }

                Metrics?.GetRecordsCompleted(stream.StreamName, shardId, true, time.GetElapsedTime(callStart));
                failures = 0;
                lastCallReturnedRecords = response.Records.Count > 0;
                var isEnd = response.NextShardIterator is null;
                if (response.Records.Count > 0 || isEnd)
                {
                    Enqueue(new RecordsBatch
                    {
                        Records = response.Records,
                        MillisBehindLatest = response.MillisBehindLatest,
                        FetchedAt = time.GetUtcNow(),
                        IsShardEnd = isEnd,
                        ChildShards = response.ChildShards,
                        ByteSize = RecordsBatch.SizeOf(response.Records),
                    });
                    if (response.Records.Count > 0)
                    {
                        lastSequenceNumber = response.Records[^1].SequenceNumber;
                    }
                }

                if (isEnd)
                {
                    queue.Writer.TryComplete();
                    return;
                }

                iterator = response.NextShardIterator;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (KinesisApiException ex) when (ex.ErrorCode == KinesisErrorCodes.ExpiredIterator)
            {
                counters.AddExpiredIterator();
                Metrics?.ExpiredIterator(stream.StreamName, shardId);
                ConsumerLog.IteratorExpired(logger, shardId, lastSequenceNumber ?? start.SequenceNumber);
                iterator = null;
            }
            catch (KinesisApiException ex) when (ex.ErrorCode == KinesisErrorCodes.ResourceNotFound)
            {
                ConsumerLog.ShardNotFound(logger, shardId);
                Enqueue(new RecordsBatch { Records = [], FetchedAt = time.GetUtcNow(), IsShardEnd = true });
                queue.Writer.TryComplete();
                return;
            }
            catch (Exception ex)
            {
                failures++;
                var delay = backoff.GetDelay(failures - 1);
                if (ex is KinesisApiException { IsThrottling: true })
                {
                    counters.AddGetRecordsThrottled();
                    ConsumerLog.GetRecordsThrottled(logger, shardId, failures, delay);
                }
                else
                {
                    // An iterator may be invalid after an unknown failure (the KCL restarts it on InvalidArgument); a new one
                    // from the last queued record is always correct.
                    counters.AddGetRecordsFailure();
                    ConsumerLog.GetRecordsFailed(logger, shardId, delay, ex);
                    iterator = null;
                }

                await backoff.DelayAsync(delay, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private async Task<string> GetIteratorAsync(string? lastSequenceNumber, CancellationToken cancellationToken)
    {
        var request = lastSequenceNumber is not null
            ? new GetShardIteratorRequest { StreamName = stream.Name, StreamARN = stream.Arn, ShardId = shardId, ShardIteratorType = ShardIteratorType.AfterSequenceNumber, StartingSequenceNumber = lastSequenceNumber }
            : start.SequenceNumber switch
            {
                ExtendedSequenceNumber.TrimHorizonValue => new GetShardIteratorRequest { StreamName = stream.Name, StreamARN = stream.Arn, ShardId = shardId, ShardIteratorType = ShardIteratorType.TrimHorizon },
                ExtendedSequenceNumber.LatestValue => new GetShardIteratorRequest { StreamName = stream.Name, StreamARN = stream.Arn, ShardId = shardId, ShardIteratorType = ShardIteratorType.Latest },
                ExtendedSequenceNumber.AtTimestampValue => new GetShardIteratorRequest { StreamName = stream.Name, StreamARN = stream.Arn, ShardId = shardId, ShardIteratorType = ShardIteratorType.AtTimestamp, Timestamp = options.InitialPositionTimestamp },

                // AT, not AFTER: the checkpoint may sit inside an aggregated record whose remaining user records are
                // still due; the consumer filters what is at or below the checkpoint.
                _ => new GetShardIteratorRequest { StreamName = stream.Name, StreamARN = stream.Arn, ShardId = shardId, ShardIteratorType = ShardIteratorType.AtSequenceNumber, StartingSequenceNumber = start.SequenceNumber },
            };
        var response = await api.GetShardIteratorAsync(request, cancellationToken).ConfigureAwait(false);
        return response.ShardIterator;
    }

    private void Enqueue(RecordsBatch batch)
    {
        Interlocked.Add(ref queuedRecords, batch.Records.Count);
        Interlocked.Add(ref queuedBytes, batch.ByteSize);
        Interlocked.Increment(ref queuedBatches);
        queue.Writer.TryWrite(batch);
    }

    private async Task WaitForSpaceAsync(CancellationToken cancellationToken)
    {
        // One batch is always allowed so a single large response cannot deadlock the shard.
        while (Volatile.Read(ref queuedBatches) > 0
            && (Volatile.Read(ref queuedRecords) >= options.MaxPrefetchRecords || Volatile.Read(ref queuedBytes) >= options.MaxPrefetchBytes))
        {
            await spaceFreed.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
