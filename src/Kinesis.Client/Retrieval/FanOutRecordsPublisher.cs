using System.Threading.Channels;
using Kinesis.Client.Diagnostics;
using Kinesis.Core.Api;
using Kinesis.Core.Metrics;
using Kinesis.Core.Resilience;
using Microsoft.Extensions.Logging;

namespace Kinesis.Client.Retrieval;

/// <summary>
/// Reads one shard through enhanced fan-out (the KCL's FanOutRecordsPublisher): SubscribeToShard from the checkpoint, each
/// event with records queued as a batch for the shard consumer, and a new subscription after the last received event's
/// continuation sequence number (AFTER_SEQUENCE_NUMBER, so no gap and no duplicate) whenever one ends.
/// </summary>
/// <remarks>
/// <para>Flow control: at most <see cref="FanOutOptions.MaxBufferedEvents"/> events wait for the processor; while the queue
/// is full the subscription is not read, so HTTP/2 flow control holds the service back once the stream window
/// (<see cref="KinesisApiClientOptions.SubscribeToShardStreamWindowSize"/> with the default handler) is full.</para>
/// <para>Errors back off with full jitter (<see cref="FanOutOptions.RetryBaseDelay"/> to <see cref="FanOutOptions.RetryMaxDelay"/>)
/// and resubscribe: ResourceInUse (the previous subscription is still open at the service), throttling and limits, dropped
/// connections, malformed frames. ResourceNotFound forgets the consumer ARN so it is looked up and registered again; when the
/// shard itself is gone it ends like a polled shard. A subscription silent for <see cref="FanOutOptions.SilenceTimeout"/> is
/// cancelled and restarted. Disposing cancels the subscription at once (a lost lease disposes it).</para>
/// <para>Shard end: an event without a continuation sequence number (its child shards listed), or, for services that only
/// send empty events on a closed shard, <see cref="FanOutOptions.EmptyEventsBeforeShardEndCheck"/> empty events in a row on a
/// shard that ListShards reports closed.</para>
/// </remarks>
internal sealed class FanOutRecordsPublisher : IRecordsPublisher
{
    private const int NotFoundBeforeShardCheck = 3;

    private readonly KinesisApiClient api;
    private readonly FanOutConsumerRegistration registration;
    private readonly StreamAddress stream;
    private readonly string shardId;
    private readonly ExtendedSequenceNumber start;
    private readonly KinesisConsumerOptions options;
    private readonly FanOutOptions fanOut;
    private readonly ConsumerCounters counters;
    private readonly ILogger logger;
    private readonly TimeProvider time;
    private readonly RetryBackoff backoff;
    private readonly Channel<RecordsBatch> queue;
    private readonly CancellationTokenSource stop = new();
    private Task loop = Task.CompletedTask;
    private string? continuation;
    private int failures;
    private int notFound;
    private int emptyEvents;
    private TimeSpan retryDelay;

    public FanOutRecordsPublisher(
        KinesisApiClient api,
        FanOutConsumerRegistration registration,
        StreamAddress stream,
        string shardId,
        ExtendedSequenceNumber start,
        KinesisConsumerOptions options,
        ConsumerCounters counters,
        ILogger logger)
    {
        this.api = api;
        this.registration = registration;
        this.stream = stream;
        this.shardId = shardId;
        this.start = start;
        this.options = options;
        this.counters = counters;
        this.logger = logger;
        fanOut = options.FanOut;
        time = options.TimeProvider;
        backoff = RetryBackoff.ForDelays(fanOut.RetryBaseDelay, fanOut.RetryMaxDelay, time);
        queue = Channel.CreateBounded<RecordsBatch>(new BoundedChannelOptions(fanOut.MaxBufferedEvents)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    private enum SubscriptionEnd
    {
        /// <summary>The service ended the subscription (or it went silent): resubscribe at once.</summary>
        Resubscribe,

        /// <summary>The subscription failed: back off, then resubscribe.</summary>
        Failed,

        /// <summary>The shard ended; its last batch is queued.</summary>
        ShardEnd,
    }

    /// <summary>Where subscriptions are recorded; none by default.</summary>
    public ConsumerMetrics? Metrics { get; init; }

    /// <summary>Events queued and not yet read by the shard consumer (for tests of the bound).</summary>
    internal int QueuedEvents => queue.Reader.Count;

    public void Start() => loop = RunAsync(stop.Token);

    public ValueTask<RecordsBatch> ReadAsync(CancellationToken cancellationToken) => queue.Reader.ReadAsync(cancellationToken);

    public void Release(RecordsBatch batch)
    {
        // The bounded queue frees a slot when the batch is read; nothing else is held.
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
        while (!cancellationToken.IsCancellationRequested)
        {
            SubscriptionEnd end;
            try
            {
                end = await SubscribeOnceAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            if (end == SubscriptionEnd.ShardEnd)
            {
                queue.Writer.TryComplete();
                return;
            }

            if (end == SubscriptionEnd.Failed)
            {
                await backoff.DelayAsync(retryDelay, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private async Task<SubscriptionEnd> SubscribeOnceAsync(CancellationToken cancellationToken)
    {
        string arn;
        try
        {
            arn = await registration.GetConsumerArnAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return Failure(ex, null);
        }

        var position = CurrentPosition();
        using var silence = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
        using var subscription = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, silence.Token);
        var request = new SubscribeToShardRequest { ConsumerARN = arn, ShardId = shardId, StartingPosition = position };
        FanOutLog.Subscribed(logger, shardId, position.Type.ToString(), position.SequenceNumber);
        var started = time.GetTimestamp();
        var answered = false;
        var events = 0;
        IAsyncEnumerator<SubscribeToShardEvent>? enumerator = null;
        try
        {
            enumerator = api.SubscribeToShardAsync(request, subscription.Token).GetAsyncEnumerator(subscription.Token);
            while (true)
            {
                // Only time spent waiting for the service counts as silence, not time spent waiting for queue space.
                silence.CancelAfter(fanOut.SilenceTimeout);
                var hasEvent = await enumerator.MoveNextAsync().ConfigureAwait(false);
                silence.CancelAfter(Timeout.InfiniteTimeSpan);
                if (!answered)
                {
                    answered = true;
                    counters.AddSubscription();
                    Metrics?.SubscribeToShardCompleted(stream.StreamName, shardId, true, time.GetElapsedTime(started));
                }

                if (!hasEvent)
                {
                    counters.AddSubscriptionCompleted();
                    FanOutLog.SubscriptionCompleted(logger, shardId, events, continuation);
                    if (events > 0)
                    {
                        return SubscriptionEnd.Resubscribe;
                    }

                    // A subscription that ends without a single event must not turn into a tight resubscription loop.
                    failures++;
                    retryDelay = backoff.GetDelay(failures - 1);
                    return SubscriptionEnd.Failed;
                }

                events++;
                failures = 0;
                notFound = 0;
                if (await HandleEventAsync(enumerator.Current, subscription.Token).ConfigureAwait(false))
                {
                    return SubscriptionEnd.ShardEnd;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception) when (silence.IsCancellationRequested)
        {
            counters.AddSubscriptionSilence();
            FanOutLog.SubscriptionSilent(logger, shardId, fanOut.SilenceTimeout, continuation);
            return SubscriptionEnd.Resubscribe;
        }
        catch (KinesisApiException ex) when (ex.ErrorCode == KinesisErrorCodes.ResourceNotFound)
        {
            FanOutLog.ConsumerNotFound(logger, shardId);
            registration.Invalidate(arn);
            if (++notFound >= NotFoundBeforeShardCheck && await IsShardGoneAsync(cancellationToken).ConfigureAwait(false))
            {
                ConsumerLog.ShardNotFound(logger, shardId);
                await queue.Writer.WriteAsync(new RecordsBatch { Records = [], FetchedAt = time.GetUtcNow(), IsShardEnd = true }, cancellationToken).ConfigureAwait(false);
                return SubscriptionEnd.ShardEnd;
            }

            return Failure(ex, answered ? null : time.GetElapsedTime(started));
        }
        catch (Exception ex)
        {
            return Failure(ex, answered ? null : time.GetElapsedTime(started));
        }
        finally
        {
            // Disposing the enumerator closes the HTTP/2 stream at once (also when the lease was lost).
            if (enumerator is not null)
            {
                await enumerator.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Counts a failed subscription and chooses the backoff; <paramref name="refusedAfter"/> is set when the call itself failed.</summary>
    private SubscriptionEnd Failure(Exception ex, TimeSpan? refusedAfter)
    {
        failures++;
        counters.AddSubscriptionFailure();
        if (refusedAfter is { } latency)
        {
            Metrics?.SubscribeToShardCompleted(stream.StreamName, shardId, false, latency);
        }

        var code = ex is KinesisApiException api ? api.ErrorCode : ex.GetType().Name;
        if (ex is KinesisApiException { IsThrottling: true } or KinesisApiException { ErrorCode: KinesisErrorCodes.LimitExceeded })
        {
            Metrics?.SubscribeToShardThrottled(stream.StreamName, shardId);
        }

        retryDelay = backoff.GetDelay(failures - 1);
        FanOutLog.SubscriptionFailed(logger, shardId, code, failures, retryDelay, ex);
        return SubscriptionEnd.Failed;
    }

    /// <summary>Queues the event's records; returns whether the shard ended.</summary>
    private async Task<bool> HandleEventAsync(SubscribeToShardEvent subscribeEvent, CancellationToken cancellationToken)
    {
        var isEnd = subscribeEvent.ContinuationSequenceNumber is null;
        if (subscribeEvent.Records.Count > 0 || isEnd)
        {
            emptyEvents = 0;
            await queue.Writer.WriteAsync(
                new RecordsBatch
                {
                    Records = subscribeEvent.Records,
                    MillisBehindLatest = subscribeEvent.MillisBehindLatest,
                    FetchedAt = time.GetUtcNow(),
                    IsShardEnd = isEnd,
                    ChildShards = subscribeEvent.ChildShards,
                    ByteSize = RecordsBatch.SizeOf(subscribeEvent.Records),
                },
                cancellationToken).ConfigureAwait(false);
        }

        if (isEnd)
        {
            return true;
        }

        // Queued in order and this publisher dies with its shard consumer, so everything up to here will be delivered.
        continuation = subscribeEvent.ContinuationSequenceNumber;
        if (subscribeEvent.Records.Count > 0 || ++emptyEvents < fanOut.EmptyEventsBeforeShardEndCheck)
        {
            return false;
        }

        emptyEvents = 0;
        var children = await ClosedShardChildrenAsync(cancellationToken).ConfigureAwait(false);
        if (children is null)
        {
            return false;
        }

        FanOutLog.ShardEndByListShards(logger, shardId, fanOut.EmptyEventsBeforeShardEndCheck, children.Count);
        await queue.Writer.WriteAsync(new RecordsBatch { Records = [], FetchedAt = time.GetUtcNow(), IsShardEnd = true, ChildShards = children }, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>The shard's children when ListShards reports it closed, <see langword="null"/> while it is open (or the check failed).</summary>
    private async Task<List<ChildShard>?> ClosedShardChildrenAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<Shard> shards;
        try
        {
            shards = await ListAllShardsAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            FanOutLog.ShardEndCheckFailed(logger, shardId, ex);
            return null;
        }

        Shard? self = null;
        var children = new List<ChildShard>();
        foreach (var shard in shards)
        {
            if (shard.ShardId == shardId)
            {
                self = shard;
            }
            else if (shard.ParentShardId == shardId || shard.AdjacentParentShardId == shardId)
            {
                var parents = new List<string>(2);
                if (shard.ParentShardId is { } parent)
                {
                    parents.Add(parent);
                }

                if (shard.AdjacentParentShardId is { } adjacent)
                {
                    parents.Add(adjacent);
                }

                children.Add(new ChildShard { ShardId = shard.ShardId, ParentShards = parents, HashKeyRange = shard.HashKeyRange });
            }
        }

        // Empty events in a row on a closed shard mean it is fully read: the service sends records before heartbeats.
        return self is null || self.SequenceNumberRange.EndingSequenceNumber is not null ? children : null;
    }

    private async Task<bool> IsShardGoneAsync(CancellationToken cancellationToken)
    {
        try
        {
            var shards = await ListAllShardsAsync(cancellationToken).ConfigureAwait(false);
            foreach (var shard in shards)
            {
                if (shard.ShardId == shardId)
                {
                    return false;
                }
            }

            return true;
        }
        catch (KinesisApiException ex) when (ex.ErrorCode == KinesisErrorCodes.ResourceNotFound)
        {
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            FanOutLog.ShardEndCheckFailed(logger, shardId, ex);
            return false;
        }
    }

    private Task<IReadOnlyList<Shard>> ListAllShardsAsync(CancellationToken cancellationToken) =>
        api.ListAllShardsAsync(stream.ListShardsRequest(), cancellationToken);

    private StartingPosition CurrentPosition()
    {
        if (continuation is { } after)
        {
            return new StartingPosition { Type = ShardIteratorType.AfterSequenceNumber, SequenceNumber = after };
        }

        return start.SequenceNumber switch
        {
            ExtendedSequenceNumber.TrimHorizonValue => new StartingPosition { Type = ShardIteratorType.TrimHorizon },
            ExtendedSequenceNumber.LatestValue => new StartingPosition { Type = ShardIteratorType.Latest },
            ExtendedSequenceNumber.AtTimestampValue => new StartingPosition { Type = ShardIteratorType.AtTimestamp, Timestamp = options.InitialPositionTimestamp },

            // AT, not AFTER: the checkpoint may sit inside an aggregated record; the consumer filters what is at or below it.
            _ => new StartingPosition { Type = ShardIteratorType.AtSequenceNumber, SequenceNumber = start.SequenceNumber },
        };
    }
}
