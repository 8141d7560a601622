using System.Runtime.CompilerServices;
using Kinesis.Core.Metrics;
using Microsoft.Extensions.Logging;

namespace Kinesis.Producer.Pipeline;

/// <summary>
/// Resolves user records: completes or faults their tasks, records the final attempt, and returns their
/// room to the outstanding bounds and the flush tracker. The one place a user record leaves the pipeline.
/// Tasks complete on thread-pool work items that hold no locks (see <see cref="UserRecord"/>).
/// </summary>
/// <remarks>
/// Each user record has one owner at a time, and only its owner resolves it, once. Should a bug ever let a second path
/// complete a record, the second completion is refused, counted in <see cref="DuplicateCompletions"/> and logged as a bug
/// (event 4105): never an exception on a thread-pool thread, which would end the process.
/// </remarks>
internal sealed partial class RecordCompletion
{
    private readonly OutstandingGate outstanding;
    private readonly TimeProvider time;
    private readonly ProducerMetrics metrics;
    private readonly ILogger logger;
    private long duplicateCompletions;

    // Built once: every expired record carries the same message, naming the limit it ran into.
    private readonly string expiredMessage;

    public RecordCompletion(OutstandingGate outstanding, TimeProvider time, ProducerMetrics metrics, UserRecordArrayPool arrays, TimeSpan recordTtl, ILogger logger)
    {
        expiredMessage = $"The record was not put within RecordTtl ({Describe(recordTtl)}).";
        this.outstanding = outstanding;
        this.time = time;
        this.metrics = metrics;
        this.logger = logger;
        Arrays = arrays;
    }

    /// <summary>The arrays user records travel in; completion returns them.</summary>
    public UserRecordArrayPool Arrays { get; }

    /// <summary>Attempts to complete a user record's task a second time, refused: each is a bug in the producer (zero when healthy).</summary>
    public long DuplicateCompletions => Volatile.Read(ref duplicateCompletions);

    /// <summary>
    /// Starts collecting Kinesis records the service accepted, whose user records complete together on the thread
    /// pool: one work item per <see cref="Batch.UserRecordsPerWorkItem"/> user records or so, not one per record, so the
    /// pool's threads are woken rarely.
    /// </summary>
    public Batch StartBatch() => new(this);

    /// <summary>
    /// Completes every user record of a Kinesis record the service accepted. The shared counters are updated once per
    /// Kinesis record, not once per user record: they are contended with the threads calling PutAsync.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Succeed(OutgoingRecord record)
    {
        var shardId = record.AcknowledgedShardId!;
        var sequenceNumber = record.AcknowledgedSequenceNumber!;
        var users = record.Users;
        var aggregated = record.IsAggregated;
        var stream = users[0].Stream;
        try
        {
            // Metrics before the tasks complete, so a caller that awaited its record finds it counted. A pass of its
            // own over the records, so only when someone wants the samples.
            var put = metrics.StartUserRecordsPut(stream.StreamName, shardId);
            if (put.IsRecorded)
            {
                foreach (ref readonly var user in users)
                {
                    // The successful attempt is not in the history yet: the failed ones before it are the retries.
                    put.Add(user.Data.Length, user.Attempts?.Count ?? 0);
                }

                put.Complete();
            }
        }
        catch (Exception ex)
        {
            // Only a throwing metrics listener can get here; the records are put all the same.
            LogMetricsFailed(logger, ex);
        }

        // Room is returned before the tasks complete, so a caller that awaited its record sees it gone from
        // OutstandingRecords; flushes are released after, so a completed flush implies completed tasks. A record whose
        // task is already complete was resolved by whoever completed it: its room is not returned a second time.
        var alreadyCompleted = 0;
        long alreadyCompletedBytes = 0;
        foreach (ref readonly var user in users)
        {
            if (user.Task.IsCompleted)
            {
                alreadyCompleted++;
                alreadyCompletedBytes += user.AccountedBytes;
            }
        }

        outstanding.Exit(users.Length - alreadyCompleted, record.AccountedBytes - alreadyCompletedBytes);
        stream.RecordsResolved(users.Length - alreadyCompleted);

        // One pass over the records: complete each task and note its flush epoch. Records that travelled together with
        // the same history (nearly always all of them) share one outcome.
        KinesisRecordOutcome? outcome = null;
        AttemptNode? history = null;
        FlushTracker.Epoch? epoch = null;
        var epochCount = 0;
        var refused = 0;
        long refusedBytes = 0;
        List<(FlushTracker.Epoch Epoch, int Count)>? earlierEpochs = null;
        for (var sub = 0; sub < users.Length; sub++)
        {
            ref readonly var user = ref users[sub];
            if (outcome is null || !ReferenceEquals(user.Attempts, history))
            {
                history = user.Attempts;
                var success = new Attempt(record.AttemptStartUtc, time.GetElapsedTime(user.ReadySince, record.AttemptStart), record.AttemptDuration, null, null, IsSuccessful: true);
                outcome = new KinesisRecordOutcome(shardId, sequenceNumber, new AttemptNode(success, history, record.AttemptStart + (long)(record.AttemptDuration.TotalSeconds * time.TimestampFrequency)).ToList(), aggregated);
            }

            if (!user.TrySucceed(new UserRecordResult(outcome, aggregated ? sub : 0)))
            {
                // Its flush epoch was resolved by the completion that came first.
                refused++;
                refusedBytes += user.AccountedBytes;
                DuplicateCompletion(user.Stream.StreamName, shardId);
                continue;
            }

            if (!ReferenceEquals(user.Epoch, epoch))
            {
                if (epoch is not null)
                {
                    (earlierEpochs ??= []).Add((epoch, epochCount));
                }

                epoch = user.Epoch;
                epochCount = 0;
            }

            epochCount++;
        }

        if (refused > alreadyCompleted)
        {
            // Completed by another path between the check above and the completion: its room goes back to that path.
            outstanding.Charge(refused - alreadyCompleted, refusedBytes - alreadyCompletedBytes);
            stream.RecordsResolved(alreadyCompleted - refused);
        }

        // Flushes are released once every task of the record is complete.
        if (earlierEpochs is not null)
        {
            foreach (var (earlier, count) in earlierEpochs)
            {
                earlier.Resolve(count);
            }
        }

        epoch?.Resolve(epochCount);
        record.ReturnUsers();
    }

    /// <summary>Fails <paramref name="user"/> after adding a synthetic attempt with <paramref name="errorCode"/>.</summary>
    public void Fail(in UserRecord user, string errorCode, string message, long now, string? shardId = null)
    {
        var attempt = new Attempt(time.GetUtcNow(), time.GetElapsedTime(user.ReadySince, now), TimeSpan.Zero, errorCode, message, IsSuccessful: false);
        FailWithAttempts(user, new AttemptNode(attempt, user.Attempts, now), shardId);
    }

    /// <summary>
    /// Fails a record the producer could not handle after admitting it (a bug inside the producer, logged as event 4108),
    /// so its task ends with the cause instead of the exception ending the process.
    /// </summary>
    public void FailInternal(in UserRecord user, Exception exception)
    {
        LogInternalFailure(logger, exception, user.Stream.StreamName);
        Fail(user, ProducerErrorCodes.InternalError, $"The producer failed while handling the record: {exception.GetType().Name}: {exception.Message}", time.GetTimestamp());
    }

    public void Expire(in UserRecord user, long now, string? shardId)
    {
        try
        {
            metrics.UserRecordExpired(user.Stream.StreamName, shardId ?? string.Empty);
        }
        catch (Exception ex)
        {
            // Only a throwing metrics listener can get here; the record expires all the same.
            LogMetricsFailed(logger, ex);
        }

        Fail(user, ProducerErrorCodes.Expired, expiredMessage, now, shardId);
    }

    /// <summary>A duration as people write it: "800 ms", "30 s", "2.5 s".</summary>
    private static string Describe(TimeSpan duration) => duration < TimeSpan.FromSeconds(1)
        ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{duration.TotalMilliseconds:0.###} ms")
        : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{duration.TotalSeconds:0.###} s");

    /// <summary>Fails <paramref name="user"/> with the attempts it already has (the last one carries the error).</summary>
    public void FailWithAttempts(in UserRecord user, string? shardId = null) => FailWithAttempts(user, user.Attempts, shardId);

    private void FailWithAttempts(in UserRecord user, AttemptNode? history, string? shardId)
    {
        var attempts = history?.ToList() ?? [];
        var result = new UserRecordResult(new KinesisRecordOutcome(null, null, attempts, isAggregated: false), 0);
        FailOnThreadPool(user, new UserRecordFailedException(result), holdsRoom: true, shardId ?? string.Empty, Math.Max(attempts.Count - 1, 0));
    }

    /// <summary>
    /// Cancels the task of a record that was never admitted (its wait for room was cancelled), from a thread-pool work
    /// item, and resolves it (it holds no room).
    /// </summary>
    public void CancelOnThreadPool(in UserRecord user, OperationCanceledException exception) =>
        FailOnThreadPool(user, exception, holdsRoom: false, shardId: null, retries: 0);

    /// <summary>
    /// Faults the task of <paramref name="user"/> with <paramref name="exception"/> (an <see cref="OperationCanceledException"/>
    /// cancels it) from a thread-pool work item, so no continuation runs on the caller's thread or under a pipeline lock,
    /// and resolves the record there: its room (when <paramref name="holdsRoom"/>) before the task completes, its flush
    /// epoch after. A record whose task is already complete was resolved by whoever completed it; it is counted as a
    /// duplicate completion and nothing of it is resolved again.
    /// </summary>
    private void FailOnThreadPool(in UserRecord user, Exception exception, bool holdsRoom, string? shardId, int retries)
    {
        // Failures are rare: the work item may allocate.
        ThreadPool.UnsafeQueueUserWorkItem(
            static state => state.Owner.FailNow(state.User, state.Exception, state.HoldsRoom, state.ShardId, state.Retries),
            (Owner: this, User: user, Exception: exception, HoldsRoom: holdsRoom, ShardId: shardId, Retries: retries),
            preferLocal: false);
    }

    private void FailNow(in UserRecord user, Exception exception, bool holdsRoom, string? shardId, int retries)
    {
        var streamName = user.Stream.StreamName;
        if (user.Task.IsCompleted)
        {
            DuplicateCompletion(streamName, shardId);
            return;
        }

        if (shardId is not null)
        {
            try
            {
                metrics.UserRecordFailed(streamName, shardId, retries);
            }
            catch (Exception ex)
            {
                // Only a throwing metrics listener can get here; the record fails all the same.
                LogMetricsFailed(logger, ex);
            }
        }

        Release(user, holdsRoom, 1);
        if (!user.TryFail(exception))
        {
            // Completed by another path since the check above: the room goes back to it.
            Release(user, holdsRoom, -1);
            DuplicateCompletion(streamName, shardId);
            return;
        }

        user.Epoch.Resolve(1);
    }

    /// <summary>Returns (<paramref name="count"/> 1) or takes back (-1) the room of <paramref name="user"/> and its count as resolved.</summary>
    private void Release(in UserRecord user, bool holdsRoom, int count)
    {
        if (holdsRoom)
        {
            if (count > 0)
            {
                outstanding.Exit(1, user.AccountedBytes);
            }
            else
            {
                outstanding.Charge(1, user.AccountedBytes);
            }
        }

        user.Stream.RecordsResolved(count);
    }

    private void DuplicateCompletion(string streamName, string? shardId)
    {
        Interlocked.Increment(ref duplicateCompletions);
        LogDuplicateCompletion(logger, streamName, shardId ?? string.Empty);
    }

    /// <summary>Acknowledged Kinesis records whose user records complete in one thread-pool work item.</summary>
    internal sealed class Batch : IThreadPoolWorkItem
    {
        /// <summary>About how many user records one work item completes (one aggregate of small records is hundreds).</summary>
        public const int UserRecordsPerWorkItem = 4096;

        private readonly RecordCompletion owner;
        private List<OutgoingRecord> records = [];
        private int userRecords;

        public Batch(RecordCompletion owner) => this.owner = owner;

        /// <summary>Adds a record the service put; the caller must not touch its user records afterwards.</summary>
        public void Add(OutgoingRecord record, string shardId, string sequenceNumber, DateTimeOffset attemptStartUtc, long attemptStart, TimeSpan attemptDuration)
        {
            record.Acknowledge(shardId, sequenceNumber, attemptStartUtc, attemptStart, attemptDuration);
            records.Add(record);
            userRecords += record.UserCount;
            if (userRecords >= UserRecordsPerWorkItem)
            {
                Dispatch();
            }
        }

        /// <summary>Queues what was added since the last dispatch.</summary>
        public void Dispatch()
        {
            if (records.Count == 0)
            {
                return;
            }

            var work = new Batch(owner) { records = records };
            records = [];
            userRecords = 0;
            ThreadPool.UnsafeQueueUserWorkItem(work, preferLocal: false);
        }

        void IThreadPoolWorkItem.Execute()
        {
            foreach (var record in records)
            {
                owner.Succeed(record);
            }
        }
    }

    [LoggerMessage(EventId = 4108, Level = LogLevel.Error, Message = "Handling an admitted user record of stream {StreamName} failed inside the producer; the record fails with ProducerInternalError. This is a bug in the producer: please report it.")]
    private static partial void LogInternalFailure(ILogger logger, Exception exception, string streamName);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Error, Message = "A user record of stream {StreamName} (shard {ShardId}) was completed a second time; the second completion was ignored. This is a bug in the producer: please report it.")]
    private static partial void LogDuplicateCompletion(ILogger logger, string streamName, string shardId);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Error, Message = "A metrics listener threw while put user records were counted; the records are completed all the same.")]
    private static partial void LogMetricsFailed(ILogger logger, Exception exception);
}
