using System.Threading.Channels;
using Kinesis.Core.Api;
using Kinesis.Core.Hashing;
using Kinesis.Core.Metrics;
using Kinesis.Core.Resilience;
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
    private static readonly TimeSpan RetryBaseDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan RetryMaxDelay = TimeSpan.FromSeconds(5);

    // How often pooled aggregators left unused by a burst are given back. When idle, the loop still wakes at least once
    // per ShardMapRefreshInterval, so they go within about that long.
    private static readonly TimeSpan AggregatorTrimInterval = TimeSpan.FromSeconds(10);

    private readonly KinesisApiClient client;
    private readonly KinesisProducerOptions options;
    private readonly TimeProvider time;
    private readonly RecordCompletion completion;
    private readonly ShardMapLoader maps;
    private readonly AggregatorPool aggregators;
    private long lastTrim;
    private readonly ILogger logger;
    private readonly ProducerMetrics metrics;
    private readonly Func<IReadOnlyCollection<StreamPipeline>> streams;
    private readonly SemaphoreSlim slots;
    private readonly Channel<byte> wakeUps = Channel.CreateBounded<byte>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource stopping = new();
    private int wakeUpPending;

    // When the loop will next wake on its own (timestamp); long.MaxValue while it is scanning, so that every change made
    // during a pass wakes it again.
    private long scheduledWake = long.MaxValue;
    private int activeFlushes;
    private int inFlightRequests;
    private Task? loop;

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
        this.maps = maps;
        this.streams = streams;
        this.logger = logger;
        slots = new SemaphoreSlim(options.MaxConnections, options.MaxConnections);
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

    /// <summary>Stops the loop and cancels in-flight requests and backoffs; their records fail as shut down.</summary>
    public async Task StopAsync()
    {
        await stopping.CancelAsync().ConfigureAwait(false);
        if (loop is not null)
        {
            await loop.ConfigureAwait(false);
        }

        // In-flight requests observe the cancellation and resolve their records; wait for them briefly.
        var deadline = time.GetTimestamp() + (long)(5 * time.TimestampFrequency);
        while (Volatile.Read(ref inFlightRequests) > 0 && time.GetTimestamp() < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(10), time).ConfigureAwait(false);
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
                        stream.Collect(batch, ref batchBytes, flush, ref wake);
                        if (batch.Count == 0)
                        {
                            slots.Release();
                            nextWake = Math.Min(nextWake, wake);
                            break;
                        }

                        var records = batch.ToArray();
                        batch.Clear();
                        Interlocked.Increment(ref inFlightRequests);
                        _ = SendAsync(stream, records);
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
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds((double)sleep / time.TimestampFrequency), time);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token, deadline.Token);
        try
        {
            await wakeUps.Reader.WaitToReadAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            // The deadline came first.
        }
    }

    private async Task SendAsync(StreamPipeline stream, OutgoingRecord[] records)
    {
        Task? retries = null;
        try
        {
            retries = await SendCoreAsync(stream, records).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Defensive: a bug here must not strand records. Fail them with what we know.
            LogSendFailed(logger, ex, stream.StreamName);
            foreach (var record in records)
            {
                if (record.IsAcknowledged)
                {
                    // Put and handed to completion: its user records may already be reused.
                    continue;
                }

                foreach (ref readonly var user in record.Users)
                {
                    completion.Fail(user, "InternalProducerError", ex.Message, time.GetTimestamp());
                }

                record.Release();
                record.ReturnUsers();
                stream.ReleaseInFlight(record);
            }
        }
        finally
        {
            // The connection is free once the answer is handled; records waiting out a backoff do not hold it.
            slots.Release();
            WakeUp();
        }

        try
        {
            if (retries is not null)
            {
                await retries.ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            // Defensive: retries resolve or re-route their own records; a bug there is logged, never thrown away silently.
            LogRetryFailed(logger, ex, stream.StreamName);
        }
        finally
        {
            Interlocked.Decrement(ref inFlightRequests);
        }
    }

    /// <summary>Sends one PutRecords call and handles its answer; returns the retries it started (waiting out their backoff), if any.</summary>
    private async Task<Task?> SendCoreAsync(StreamPipeline stream, OutgoingRecord[] records)
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

        var startUtc = time.GetUtcNow();
        var start = time.GetTimestamp();
        var userRecords = 0;
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

        PutRecordsResponse? response = null;
        KinesisApiException? error = null;
        try
        {
            response = await client.PutRecordsAsync(new PutRecordsRequest { StreamName = stream.StreamName, Records = entries }, stopping.Token).ConfigureAwait(false);
        }
        catch (KinesisApiException ex)
        {
            error = ex;
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            error = null;
        }

        var end = time.GetTimestamp();
        if (options.Ordering == ProducerOrdering.Relaxed)
        {
            // The shards' places in the stream are settled by the answer: their next records may go now.
            stream.ReleaseInFlight(records);
        }

        metrics.PutRecordsCompleted(stream.StreamName, records.Length, userRecords, time.GetElapsedTime(start, end));
        if (response is null)
        {
            var code = error?.ErrorCode ?? ProducerErrorCodes.Shutdown;
            metrics.Error(stream.StreamName, shard: null, code);
            var message = error?.Message ?? "The producer was disposed while the request was in flight.";
            return Task.WhenAll(records.Select(record => HandleFailureAsync(stream, record, startUtc, start, end, code, message, error)));
        }

        if (response.Records.Count != records.Length)
        {
            var message = $"PutRecords answered {response.Records.Count} results for {records.Length} records.";
            return Task.WhenAll(records.Select(record => HandleFailureAsync(stream, record, startUtc, start, end, "RecordCountMismatch", message, error: null)));
        }

        List<Task>? failures = null;
        var succeeded = completion.StartBatch();
        try
        {
            failures = await HandleResultsAsync(stream, records, response, succeeded, startUtc, start, end).ConfigureAwait(false);
        }
        finally
        {
            succeeded.Dispatch();
        }

        return failures is null ? null : Task.WhenAll(failures);
    }

    /// <summary>
    /// Hands the put records to <paramref name="succeeded"/> and starts handling the failed ones. Failures are handled
    /// concurrently (each waits out its own backoff), so one record's backoff never delays the rest of the response.
    /// </summary>
    private async Task<List<Task>?> HandleResultsAsync(
        StreamPipeline stream, OutgoingRecord[] records, PutRecordsResponse response, RecordCompletion.Batch succeeded, DateTimeOffset startUtc, long start, long end)
    {
        List<Task>? failures = null;
        for (var i = 0; i < records.Length; i++)
        {
            var record = records[i];
            var result = response.Records[i];
            if (result.ErrorCode is not null)
            {
                metrics.Error(stream.StreamName, record.PredictedShardId, result.ErrorCode);
                metrics.KinesisRecordFailed(stream.StreamName, record.PredictedShardId ?? string.Empty);
                (failures ??= []).Add(HandleFailureAsync(stream, record, startUtc, start, end, result.ErrorCode, result.ErrorMessage ?? result.ErrorCode, error: null));
                continue;
            }

            if (record.PredictedShardId is not null && !string.Equals(result.ShardId, record.PredictedShardId, StringComparison.Ordinal)
                && !await IsStillCorrectlyPlacedAsync(stream, record, result.ShardId!).ConfigureAwait(false))
            {
                // The aggregate landed on a shard whose range does not hold all its user records (stale
                // map after resharding): a KCL consumer would drop it, so re-send them under the new map.
                (failures ??= []).Add(HandleFailureAsync(stream, record, startUtc, start, end, ProducerErrorCodes.WrongShard, $"Expected shard {record.PredictedShardId}, got {result.ShardId}.", error: null));
                continue;
            }

            metrics.KinesisRecordPut(stream.StreamName, result.ShardId!, record.Data.Length, record.UserCount);
            record.Release();

            // The successful attempt joins each record's history as the record completes, in the same pass.
            succeeded.Add(record, result.ShardId!, result.SequenceNumber!, startUtc, start, time.GetElapsedTime(start, end));
            if (options.Ordering == ProducerOrdering.StrictPerShard)
            {
                stream.ReleaseInFlight(record);
            }
        }

        return failures;
    }

    /// <summary>A record on an unexpected shard is fine when, by the refreshed map, that shard's range holds every user record in it.</summary>
    private async Task<bool> IsStillCorrectlyPlacedAsync(StreamPipeline stream, OutgoingRecord record, string actualShardId)
    {
        var map = await maps.RefreshAsync(stream).ConfigureAwait(false);
        if (!record.IsAggregated)
        {
            // A single record is routed by its own key: wherever the service put it is right.
            return true;
        }

        if (map is null || !map.TryGetShard(actualShardId, out var actual))
        {
            return false;
        }

        foreach (ref readonly var user in record.Users)
        {
            if (!actual.HashKeyRange.Contains(user.HashKey))
            {
                return false;
            }
        }

        return true;
    }

    private async Task HandleFailureAsync(
        StreamPipeline stream, OutgoingRecord record, DateTimeOffset startUtc, long start, long end, string errorCode, string errorMessage, KinesisApiException? error)
    {
        NewAttempts(record, startUtc, start, end, errorCode, errorMessage);
        var throttled = error?.IsThrottling ?? KinesisErrorCodes.IsThrottling(errorCode);
        var retryable = errorCode switch
        {
            ProducerErrorCodes.Shutdown => false,
            ProducerErrorCodes.WrongShard or "RecordCountMismatch" => true,
            _ => error?.IsRetryable ?? (throttled || KinesisErrorCodes.IsTransient(errorCode)),
        };

        if (!retryable || (throttled && options.FailIfThrottled) || stopping.IsCancellationRequested)
        {
            FailRecord(stream, record);
            return;
        }

        var attempts = 0;
        foreach (ref readonly var user in record.Users)
        {
            attempts = Math.Max(attempts, user.Attempts?.Count ?? 0);
        }

        // Wrong shard is not an overload signal: re-send at once under the refreshed map.
        var delay = errorCode == ProducerErrorCodes.WrongShard ? TimeSpan.Zero : FullJitterDelay(attempts);
        try
        {
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, time, stopping.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            foreach (ref readonly var user in record.Users)
            {
                completion.Fail(user, ProducerErrorCodes.Shutdown, "The producer was disposed while the record was waiting to be retried.", time.GetTimestamp());
            }

            record.Release();
            record.ReturnUsers();
            return;
        }

        if (options.Ordering == ProducerOrdering.StrictPerShard && errorCode != ProducerErrorCodes.WrongShard && stream.TryRequeueInOrder(record))
        {
            WakeUp();
            return;
        }

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

    private void FailRecord(StreamPipeline stream, OutgoingRecord record)
    {
        foreach (ref readonly var user in record.Users)
        {
            completion.FailWithAttempts(user, record.PredictedShardId);
        }

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
                lastNode = new AttemptNode(attempt, lastPrevious);
            }

            user.Attempts = lastNode;
            user.ReadySince = end;
        }
    }

    /// <summary>Exponential backoff with full jitter: uniform in [0, min(max, base * 2^(n-1))] after the n-th failed attempt.</summary>
    private static TimeSpan FullJitterDelay(int attempts) =>
        RetryBackoff.ComputeFullJitterDelay(Math.Max(attempts - 1, 0), RetryBaseDelay, RetryMaxDelay, Random.Shared.NextDouble());

    [LoggerMessage(EventId = 4101, Level = LogLevel.Error, Message = "The producer's send loop failed; it continues.")]
    private static partial void LogLoopFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Error, Message = "Handling a PutRecords call to stream {StreamName} failed; its records are failed.")]
    private static partial void LogSendFailed(ILogger logger, Exception exception, string streamName);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Error, Message = "Retrying records of a PutRecords call to stream {StreamName} failed.")]
    private static partial void LogRetryFailed(ILogger logger, Exception exception, string streamName);
}
