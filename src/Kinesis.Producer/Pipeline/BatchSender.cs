using System.Threading.Channels;
using Kinesis.Core.Api;
using Kinesis.Core.Metrics;
using Microsoft.Extensions.Logging;

namespace Kinesis.Producer.Pipeline;

/// <summary>
/// The producer's single background loop: wakes on new work, aggregate deadlines and rate-limit refills,
/// collects ready Kinesis records per stream into PutRecords calls (at most
/// <see cref="KinesisProducerOptions.MaxConnections"/> in flight), and resolves or retries every record
/// from the response.
/// </summary>
internal sealed partial class BatchSender
{
    // How often pooled aggregators left unused by a burst are given back. When idle, the loop still wakes at least once
    // per ShardMapRefreshInterval, so they go within about that long.
    private static readonly TimeSpan AggregatorTrimInterval = TimeSpan.FromSeconds(10);

    // How long StopAsync waits for the calls in flight, cancelled, to fail their records (an HTTP handler may ignore the
    // cancellation).
    private static readonly TimeSpan SendsStopTimeout = TimeSpan.FromSeconds(5);

    private readonly KinesisApiClient client;
    private readonly KinesisProducerOptions options;
    private readonly TimeProvider time;
    private readonly RecordCompletion completion;
    private readonly Retrier retrier;
    private readonly ShardMapLoader maps;
    private readonly AggregatorPool aggregators;
    private long lastTrim;
    private readonly ILogger logger;
    private readonly ProducerMetrics metrics;
    private readonly Func<IReadOnlyCollection<StreamPipeline>> streams;
    private readonly SemaphoreSlim slots;
    private readonly Channel<byte> wakeUps = Channel.CreateBounded<byte>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource stopping = new();

    // Ends the loop's timed waits: moved at each wait, it calls WakeUp like any other change. A token source
    // per wait cancelled at its deadline threw (and caught) an OperationCanceledException at every timed wake-up.
    private readonly ITimer deadline;
    private int wakeUpPending;

    // When the loop will next wake on its own (timestamp); long.MaxValue while it is scanning, so that every change made
    // during a pass wakes it again.
    private long scheduledWake = long.MaxValue;
    private int activeFlushes;
    private Task? loop;

    // PutRecords calls in flight, each with the retries it started (guarded by itself).
    private readonly HashSet<Task> sends = [];

    public BatchSender(
        KinesisApiClient client,
        KinesisProducerOptions options,
        TimeProvider time,
        RecordCompletion completion,
        ShardMapLoader maps,
        AggregatorPool aggregators,
        Func<IReadOnlyCollection<StreamPipeline>> streams,
        ProducerMetrics metrics,
        ILogger logger)
    {
        this.aggregators = aggregators;
        this.metrics = metrics;
        this.client = client;
        this.options = options;
        this.time = time;
        this.completion = completion;
        retrier = new Retrier(options.Ordering, options.FailIfThrottled);
        this.maps = maps;
        this.streams = streams;
        this.logger = logger;
        slots = new SemaphoreSlim(options.MaxConnections, options.MaxConnections);
        deadline = time.CreateTimer(static state => ((BatchSender)state!).WakeUp(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public CancellationToken StoppingToken => stopping.Token;

    public void Start() => loop = Task.Run(RunAsync);

    /// <summary>
    /// Wakes the loop if it would otherwise sleep past <paramref name="deadline"/> (a timestamp; <see cref="long.MaxValue"/>
    /// for none). Most records change nothing the loop is not already waiting for, so most calls are one read.
    /// </summary>
    public void WakeUpBy(long deadline)
    {
        if (deadline < Volatile.Read(ref scheduledWake))
        {
            WakeUp();
        }
    }

    /// <summary>Wakes the loop; cheap when it is already awake.</summary>
    public void WakeUp()
    {
        // Read first: while a wake-up is pending, callers only read the flag instead of writing its cache line.
        if (Volatile.Read(ref wakeUpPending) == 0 && Interlocked.Exchange(ref wakeUpPending, 1) == 0)
        {
            wakeUps.Writer.TryWrite(0);
        }
    }

    /// <summary>Seals open aggregates at every pass, instead of waiting for deadlines, until <paramref name="flushDone"/> completes.</summary>
    public void RequestFlush(Task flushDone)
    {
        Interlocked.Increment(ref activeFlushes);
        flushDone.ContinueWith(static (_, self) => Interlocked.Decrement(ref ((BatchSender)self!).activeFlushes), this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        WakeUp();
    }

    /// <summary>
    /// Stops the loop and cancels in-flight requests and backoffs, then waits (up to <see cref="SendsStopTimeout"/>) for the
    /// calls in flight: each fails its own records as shut down. A call that outlives the wait still resolves its records
    /// when it ends; nothing else touches them.
    /// </summary>
    public async Task StopAsync()
    {
        await stopping.CancelAsync().ConfigureAwait(false);
        if (loop is not null)
        {
            await loop.ConfigureAwait(false);
        }

        deadline.Dispose();

        // The loop has ended, so no call starts from here on.
        Task[] inFlight;
        lock (sends)
        {
            inFlight = [.. sends];
        }

        if (inFlight.Length == 0)
        {
            return;
        }

        try
        {
            await Task.WhenAll(inFlight).WaitAsync(SendsStopTimeout, time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            LogSendsOutlivedStop(logger, inFlight.Count(send => !send.IsCompleted), SendsStopTimeout);
        }
    }

    private async Task RunAsync()
    {
        var batch = new List<OutgoingRecord>(options.CollectionMaxCount);
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                // Consume the signal first, then re-arm: a wake-up that lands in between is either still in
                // the channel or was made after its work was visible to the pass below. Re-arming first lost
                // wake-ups (the flag stayed set after its signal was consumed) and stranded queued records.
                while (wakeUps.Reader.TryRead(out _))
                {
                }

                Volatile.Write(ref scheduledWake, long.MaxValue);
                Volatile.Write(ref wakeUpPending, 0);

                var flush = Volatile.Read(ref activeFlushes) > 0;
                var nextWake = long.MaxValue;
                TrimIfDue();
                foreach (var stream in streams())
                {
                    maps.RefreshIfDue(stream);
                    while (true)
                    {
                        // The connection slot is taken before records leave their buffers, so a stop while
                        // waiting for one strands nothing: what is still buffered fails with a clear reason.
                        await slots.WaitAsync(stopping.Token).ConfigureAwait(false);
                        var batchBytes = 0;
                        var wake = long.MaxValue;
                        try
                        {
                            stream.Collect(batch, ref batchBytes, flush, ref wake);
                        }
                        catch
                        {
                            // A bug while collecting (logged by the catch below): what was already taken out of its
                            // buffers still goes out, on this slot; otherwise the slot goes back.
                            if (batch.Count == 0)
                            {
                                slots.Release();
                            }
                            else
                            {
                                var collected = batch.ToArray();
                                batch.Clear();
                                StartSend(stream, collected);
                            }

                            throw;
                        }

                        if (batch.Count == 0)
                        {
                            slots.Release();
                            nextWake = Math.Min(nextWake, wake);
                            break;
                        }

                        var records = batch.ToArray();
                        batch.Clear();
                        StartSend(stream, records);
                        if (wake > time.GetTimestamp())
                        {
                            nextWake = Math.Min(nextWake, wake);
                            break;
                        }
                    }
                }

                await WaitForWorkAsync(nextWake).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The loop must not die: log, pause briefly, carry on.
                LogLoopFailed(logger, ex);
                await Task.Delay(TimeSpan.FromMilliseconds(100), time).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Gives back the pooled aggregators a burst left behind, every <see cref="AggregatorTrimInterval"/> at most.</summary>
    private void TrimIfDue()
    {
        var now = time.GetTimestamp();
        if (now - lastTrim >= AggregatorTrimInterval.TotalSeconds * time.TimestampFrequency)
        {
            lastTrim = now;
            aggregators.Trim();
        }
    }

    private async Task WaitForWorkAsync(long nextWake)
    {
        var refreshWake = (long)(options.ShardMapRefreshInterval.TotalSeconds * time.TimestampFrequency);
        var now = time.GetTimestamp();
        var wait = nextWake == long.MaxValue ? refreshWake : Math.Max(0, nextWake - now);
        if (wait == 0)
        {
            return;
        }

        var sleep = Math.Min(wait, refreshWake);

        // Published after the pass's scan: a change the scan missed either saw long.MaxValue and woke us, or sees this.
        Volatile.Write(ref scheduledWake, now + sleep);

        // A deadline of an earlier wait that fires late only adds one pass; the next pass moves the timer again.
        deadline.Change(TimeSpan.FromSeconds((double)sleep / time.TimestampFrequency), Timeout.InfiniteTimeSpan);
        await wakeUps.Reader.WaitToReadAsync(stopping.Token).ConfigureAwait(false);
    }

    /// <summary>Starts a PutRecords call, tracked (with the retries it starts) until it ends, so <see cref="StopAsync"/> can await it.</summary>
    private void StartSend(StreamPipeline stream, OutgoingRecord[] records)
    {
        var send = SendAsync(stream, records);
        lock (sends)
        {
            sends.Add(send);
        }

        // Untracked when it ends (at once if it already has): added first, so it cannot be removed before it is added.
        send.ContinueWith(
            static (done, self) =>
            {
                var sender = (BatchSender)self!;
                lock (sender.sends)
                {
                    sender.sends.Remove(done);
                }
            },
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>
    /// Makes one PutRecords call and hands each of its records to exactly one resolver (<see cref="Resolve"/>), which puts,
    /// re-routes, requeues or fails it. A record is this method's alone until it is handed on, and this method may fail it
    /// only until then. Never throws; completes once every resolver it started has finished (backoffs included).
    /// </summary>
    private async Task SendAsync(StreamPipeline stream, OutgoingRecord[] records)
    {
        var handedOn = 0;
        var inFlightReleased = false;
        List<Task>? resolving = null;
        var succeeded = completion.StartBatch();
        try
        {
            var call = await PutRecordsAsync(stream, records).ConfigureAwait(false);
            if (options.Ordering == ProducerOrdering.Relaxed)
            {
                // The shards' places in the stream are settled by the answer: their next records may go now.
                stream.ReleaseInFlight(records);
                inFlightReleased = true;
            }

            metrics.PutRecordsCompleted(stream.StreamName, records.Length, call.UserRecords, time.GetElapsedTime(call.Start, call.End));
            if (call.Response is null)
            {
                metrics.Error(stream.StreamName, shard: null, call.ErrorCode!);
            }

            while (handedOn < records.Length)
            {
                var index = handedOn++;
                var resolved = Resolve(stream, records[index], call, index, records.Length, succeeded);
                if (!resolved.IsCompleted)
                {
                    (resolving ??= []).Add(resolved);
                }
            }
        }
        catch (Exception ex)
        {
            // A bug (everything above handles its own errors). Records already handed on are their resolvers' to finish.
            LogSendFailed(logger, ex, stream.Stream);
            for (; handedOn < records.Length; handedOn++)
            {
                FailAll(stream, records[handedOn], Retrier.InternalError, ex.Message);
            }

            if (!inFlightReleased && options.Ordering == ProducerOrdering.Relaxed)
            {
                stream.ReleaseInFlight(records);
            }
        }
        finally
        {
            succeeded.Dispatch();

            // The connection is free once the answer is handled; records waiting out a backoff do not hold it.
            slots.Release();
            WakeUp();
        }

        if (resolving is not null)
        {
            // Resolvers catch their own errors: this never throws.
            await Task.WhenAll(resolving).ConfigureAwait(false);
        }
    }

    /// <summary>Encodes <paramref name="records"/> and sends them in one PutRecords call. Never throws: a failure is the call's outcome.</summary>
    private async Task<PutRecordsCall> PutRecordsAsync(StreamPipeline stream, OutgoingRecord[] records)
    {
        var startUtc = time.GetUtcNow();
        var start = time.GetTimestamp();
        var userRecords = 0;
        try
        {
            OutgoingRecord.EnsureEncoded(records);
            var entries = new PutRecordsRequestEntry[records.Length];
            for (var i = 0; i < records.Length; i++)
            {
                entries[i] = new PutRecordsRequestEntry
                {
                    PartitionKey = records[i].PartitionKey,
                    ExplicitHashKey = records[i].ExplicitHashKey,
                    Data = records[i].Data,
                };
            }

            startUtc = time.GetUtcNow();
            start = time.GetTimestamp();
            foreach (var record in records)
            {
                userRecords += record.UserCount;
                var buffering = metrics.StartBufferingTimes(stream.StreamName, record.PredictedShardId ?? string.Empty);
                if (buffering.IsRecorded)
                {
                    // A pass over every user record, which sit in other cores' caches: only when someone wants the samples.
                    foreach (ref readonly var user in record.Users)
                    {
                        buffering.Add(time.GetElapsedTime(user.ReadySince, start));
                    }

                    buffering.Complete();
                }
            }

            var response = await client.PutRecordsAsync(new PutRecordsRequest { StreamName = stream.RequestStreamName, StreamARN = stream.StreamArn, Records = entries }, stopping.Token).ConfigureAwait(false);
            return new PutRecordsCall(startUtc, start, time.GetTimestamp(), userRecords, response, null, null, null);
        }
        catch (KinesisApiException ex)
        {
            return new PutRecordsCall(startUtc, start, time.GetTimestamp(), userRecords, null, ex, ex.ErrorCode, ex.Message);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return new PutRecordsCall(startUtc, start, time.GetTimestamp(), userRecords, null, null, ProducerErrorCodes.Shutdown, "The producer was disposed while the request was in flight.");
        }
        catch (Exception ex)
        {
            // Not a service answer (a throwing HTTP handler, a disposed client, a bug): the records fail with what we know.
            LogSendFailed(logger, ex, stream.Stream);
            return new PutRecordsCall(startUtc, start, time.GetTimestamp(), userRecords, null, null, Retrier.InternalError, ex.Message);
        }
    }

    /// <summary>
    /// Resolves one record of an answered call as <see cref="Retrier"/> decides: hands it to <paramref name="succeeded"/>,
    /// or to a retry or a failure. The record is this method's until it hands it on, exactly once; an error before that
    /// fails it, one after is only logged. Never throws; the task is complete unless a backoff or a shard map refresh is awaited.
    /// </summary>
    private Task Resolve(StreamPipeline stream, OutgoingRecord record, PutRecordsCall call, int index, int sent, RecordCompletion.Batch succeeded)
    {
        var owned = true;
        try
        {
            var decision = Retrier.DecideOutcome(call, index, sent, record.PredictedShardId);
            switch (decision.Action)
            {
                case RetryAction.Succeed:
                    var result = call.Response!.Records[index];
                    metrics.KinesisRecordPut(stream.StreamName, result.ShardId!, record.Data.Length, record.UserCount);
                    record.Release();
                    owned = false;
                    Acknowledge(stream, record, call, result, succeeded);
                    break;
                case RetryAction.CheckPlacement:
                    owned = false;
                    return ResolveOnOtherShardAsync(stream, record, call, call.Response!.Records[index]);
                default:
                    if (call.Response is not null && decision.ErrorCode != Retrier.RecordCountMismatch)
                    {
                        metrics.Error(stream.StreamName, record.PredictedShardId, decision.ErrorCode!);
                        metrics.KinesisRecordFailed(stream.StreamName, record.PredictedShardId ?? string.Empty);
                    }

                    owned = false;
                    return RetryOrFailAsync(stream, record, call, decision.ErrorCode!, decision.ErrorMessage!, decision.Error);
            }
        }
        catch (Exception ex)
        {
            LogResolveFailed(logger, ex, stream.Stream);
            if (owned)
            {
                FailAll(stream, record, Retrier.InternalError, ex.Message);
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>Hands a put record to <paramref name="succeeded"/>, after which its user records are no longer the sender's.</summary>
    private void Acknowledge(StreamPipeline stream, OutgoingRecord record, PutRecordsCall call, PutRecordsResultEntry result, RecordCompletion.Batch succeeded)
    {
        // The successful attempt joins each record's history as the record completes, in the same pass.
        succeeded.Add(record, result.ShardId!, result.SequenceNumber!, call.StartUtc, call.Start, time.GetElapsedTime(call.Start, call.End));
        if (options.Ordering == ProducerOrdering.StrictPerShard)
        {
            stream.ReleaseInFlight(record);
        }
    }

    /// <summary>A record put on another shard than predicted: by the refreshed map, <see cref="Retrier.DecidePlacement"/> succeeds or re-sends it.</summary>
    private async Task ResolveOnOtherShardAsync(StreamPipeline stream, OutgoingRecord record, PutRecordsCall call, PutRecordsResultEntry result)
    {
        var owned = true;
        try
        {
            var map = await maps.RefreshAsync(stream).ConfigureAwait(false);
            Kinesis.Core.Hashing.HashKeyRange? actualRange = map is not null && map.TryGetShard(result.ShardId!, out var actual) ? actual.HashKeyRange : null;
            var decision = Retrier.DecidePlacement(record.Users, actualRange, record.PredictedShardId, result.ShardId!);
            if (decision.Action != RetryAction.Succeed)
            {
                owned = false;
                await RetryOrFailAsync(stream, record, call, decision.ErrorCode!, decision.ErrorMessage!, error: null).ConfigureAwait(false);
                return;
            }

            metrics.KinesisRecordPut(stream.StreamName, result.ShardId!, record.Data.Length, record.UserCount);
            record.Release();

            // A batch of its own: the call's batch belongs to SendAsync, which may still be adding to it.
            var succeeded = completion.StartBatch();
            owned = false;
            Acknowledge(stream, record, call, result, succeeded);
            succeeded.Dispatch();
        }
        catch (Exception ex)
        {
            LogResolveFailed(logger, ex, stream.Stream);
            if (owned)
            {
                FailAll(stream, record, Retrier.InternalError, ex.Message);
            }
        }
    }

    /// <summary>
    /// Owns a record that failed an attempt until it hands it on: carries out <see cref="Retrier.DecideFailure"/>, which
    /// fails or expires it, or has it wait out its backoff and then requeued (strict ordering) or routed again. Never throws.
    /// </summary>
    private async Task RetryOrFailAsync(StreamPipeline stream, OutgoingRecord record, PutRecordsCall call, string errorCode, string errorMessage, KinesisApiException? error)
    {
        var owned = true;
        try
        {
            NewAttempts(record, call.StartUtc, call.Start, call.End, errorCode, errorMessage);
            var attempts = 0;
            var latestExpiry = long.MinValue;
            foreach (ref readonly var user in record.Users)
            {
                attempts = Math.Max(attempts, user.Attempts?.Count ?? 0);
                latestExpiry = Math.Max(latestExpiry, user.ExpiresAt);
            }

            var now = time.GetTimestamp();
            var decision = retrier.DecideFailure(errorCode, errorMessage, error, attempts, latestExpiry, now, stopping.IsCancellationRequested, Random.Shared.NextDouble());
            if (decision.Throttled)
            {
                metrics.KinesisRecordThrottled(stream.StreamName, record.PredictedShardId);
            }

            switch (decision.Action)
            {
                case RetryAction.Fail:
                    owned = false;
                    FailRecord(stream, record);
                    return;
                case RetryAction.Expire:
                    owned = false;
                    ExpireRecord(stream, record, now);
                    return;
                case RetryAction.RetryAfter when decision.Backoff > TimeSpan.Zero:
                    try
                    {
                        await Task.Delay(decision.Backoff, time, stopping.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                    {
                        owned = false;
                        FailAll(stream, record, ProducerErrorCodes.Shutdown, "The producer was disposed while the record was waiting to be retried.");
                        return;
                    }

                    break;
            }

            if (decision.RequeueInOrder && stream.TryRequeueInOrder(record))
            {
                // Back in its shard's queue: the stream owns it now.
                owned = false;
                WakeUp();
                return;
            }

            // From here its user records belong to the stream they are routed to (which fails them if it has stopped).
            owned = false;
            record.Release();
            foreach (ref readonly var user in record.Users)
            {
                WakeUpBy(stream.Route(user));
            }

            record.ReturnUsers();
            if (options.Ordering == ProducerOrdering.StrictPerShard)
            {
                stream.ReleaseInFlight(record);
            }

            WakeUp();
        }
        catch (Exception ex)
        {
            LogRetryFailed(logger, ex, stream.Stream);
            if (owned)
            {
                FailAll(stream, record, Retrier.InternalError, ex.Message);
            }
        }
    }

    /// <summary>Fails every user record of <paramref name="record"/> as expired, after the attempts it has (the last one is the cause).</summary>
    private void ExpireRecord(StreamPipeline stream, OutgoingRecord record, long now)
    {
        foreach (ref readonly var user in record.Users)
        {
            completion.Expire(user, now, record.PredictedShardId);
        }

        Discard(stream, record);
    }

    /// <summary>Fails every user record of <paramref name="record"/> with the attempts it has (the last one carries the error).</summary>
    private void FailRecord(StreamPipeline stream, OutgoingRecord record)
    {
        foreach (ref readonly var user in record.Users)
        {
            completion.FailWithAttempts(user, record.PredictedShardId);
        }

        Discard(stream, record);
    }

    /// <summary>Fails every user record of <paramref name="record"/> with a synthetic attempt carrying <paramref name="errorCode"/>.</summary>
    private void FailAll(StreamPipeline stream, OutgoingRecord record, string errorCode, string message)
    {
        var now = time.GetTimestamp();
        foreach (ref readonly var user in record.Users)
        {
            completion.Fail(user, errorCode, message, now, record.PredictedShardId);
        }

        Discard(stream, record);
    }

    /// <summary>Returns a failed record's buffers and, under strict ordering, lets its shard send again.</summary>
    private void Discard(StreamPipeline stream, OutgoingRecord record)
    {
        record.Release();
        record.ReturnUsers();
        if (options.Ordering == ProducerOrdering.StrictPerShard)
        {
            stream.ReleaseInFlight(record);
        }
    }

    /// <summary>Appends a failed attempt to every user record; records with the same history share one node.</summary>
    private void NewAttempts(OutgoingRecord record, DateTimeOffset startUtc, long start, long end, string errorCode, string errorMessage)
    {
        AttemptNode? lastPrevious = null;
        AttemptNode? lastNode = null;
        var duration = time.GetElapsedTime(start, end);
        foreach (ref var user in record.Users)
        {
            if (lastNode is null || !ReferenceEquals(user.Attempts, lastPrevious))
            {
                lastPrevious = user.Attempts;
                var attempt = new Attempt(startUtc, time.GetElapsedTime(user.ReadySince, start), duration, errorCode, errorMessage, IsSuccessful: false);
                lastNode = new AttemptNode(attempt, lastPrevious, readySince: end);
            }

            user.Attempts = lastNode;
        }
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Error, Message = "The producer's send loop failed; it continues.")]
    private static partial void LogLoopFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Error, Message = "A PutRecords call to stream {StreamName} failed unexpectedly; its records are failed.")]
    private static partial void LogSendFailed(ILogger logger, Exception exception, string streamName);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Error, Message = "Retrying records of a PutRecords call to stream {StreamName} failed.")]
    private static partial void LogRetryFailed(ILogger logger, Exception exception, string streamName);

    [LoggerMessage(EventId = 4106, Level = LogLevel.Error, Message = "Resolving a record of a PutRecords call to stream {StreamName} failed.")]
    private static partial void LogResolveFailed(ILogger logger, Exception exception, string streamName);

    [LoggerMessage(EventId = 4107, Level = LogLevel.Warning, Message = "{Count} PutRecords calls were still in flight {Timeout} after the producer stopped; each fails its records when it ends.")]
    private static partial void LogSendsOutlivedStop(ILogger logger, int count, TimeSpan timeout);
}
