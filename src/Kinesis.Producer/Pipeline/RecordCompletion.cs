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
        // OutstandingRecords; flushes are released after, so a completed flush implies completed tasks.
        outstanding.Exit(users.Length, record.AccountedBytes);
        stream.RecordsResolved(users.Length);

        // One pass over the records: complete each task and note its flush epoch. Records that travelled together with
        // the same history (nearly always all of them) share one outcome.
        KinesisRecordOutcome? outcome = null;
        AttemptNode? history = null;
        FlushTracker.Epoch? epoch = null;
        var epochCount = 0;
        List<(FlushTracker.Epoch Epoch, int Count)>? earlierEpochs = null;
        for (var sub = 0; sub < users.Length; sub++)
        {
            ref readonly var user = ref users[sub];
            if (outcome is null || !ReferenceEquals(user.Attempts, history))
            {
                history = user.Attempts;
                var success = new Attempt(record.AttemptStartUtc, time.GetElapsedTime(user.ReadySince, record.AttemptStart), record.AttemptDuration, null, null, IsSuccessful: true);
                outcome = new KinesisRecordOutcome(shardId, sequenceNumber, new AttemptNode(success, history).ToList(), aggregated);
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
            if (!user.TrySucceed(new UserRecordResult(outcome, aggregated ? sub : 0)))
            {
                DuplicateCompletion(user.Stream.StreamName, shardId);
            }
        }

        // Flushes are released once every task of the record is complete.
        if (earlierEpochs is not null)
        {
            foreach (var (earlier, count) in earlierEpochs)
            {
                earlier.Resolve(count);
            }
        }

        epoch!.Resolve(epochCount);
        record.ReturnUsers();
    }

    /// <summary>Fails <paramref name="user"/> after adding a synthetic attempt with <paramref name="errorCode"/>.</summary>
    public void Fail(in UserRecord user, string errorCode, string message, long now, string? shardId = null)
    {
        var attempt = new Attempt(time.GetUtcNow(), time.GetElapsedTime(user.ReadySince, now), TimeSpan.Zero, errorCode, message, IsSuccessful: false);
        FailWithAttempts(user, new AttemptNode(attempt, user.Attempts), shardId);
    }

    public void Expire(in UserRecord user, long now, string? shardId)
    {
        metrics.UserRecordExpired(user.Stream.StreamName, shardId ?? string.Empty);
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
        metrics.UserRecordFailed(user.Stream.StreamName, shardId ?? string.Empty, Math.Max(attempts.Count - 1, 0));
        Resolve(user);
        FailOnThreadPool(user, new UserRecordFailedException(result));
    }

    /// <summary>
    /// Faults the task of <paramref name="user"/> with <paramref name="exception"/> (an <see cref="OperationCanceledException"/>
    /// cancels it) from a thread-pool work item, so no continuation runs on the caller's thread or under a pipeline lock.
    /// The caller resolves the record's room and flush epoch; this only completes the task.
    /// </summary>
    public void FailOnThreadPool(in UserRecord user, Exception exception)
    {
        // Failures are rare: the work item may allocate.
        ThreadPool.UnsafeQueueUserWorkItem(
            static state =>
            {
                if (!state.User.TryFail(state.Exception))
                {
                    state.Owner.DuplicateCompletion(state.User.Stream?.StreamName ?? string.Empty, shardId: null);
                }
            },
            (Owner: this, User: user, Exception: exception),
            preferLocal: false);
    }

    private void DuplicateCompletion(string streamName, string? shardId)
    {
        Interlocked.Increment(ref duplicateCompletions);
        LogDuplicateCompletion(logger, streamName, shardId ?? string.Empty);
    }

    private void Resolve(in UserRecord user)
    {
        outstanding.Exit(1, user.AccountedBytes);
        user.Stream.RecordsResolved(1);
        user.Epoch.Resolve(1);
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

    [LoggerMessage(EventId = 4105, Level = LogLevel.Error, Message = "A user record of stream {StreamName} (shard {ShardId}) was completed a second time; the second completion was ignored. This is a bug in the producer: please report it.")]
    private static partial void LogDuplicateCompletion(ILogger logger, string streamName, string shardId);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Error, Message = "A metrics listener threw while put user records were counted; the records are completed all the same.")]
    private static partial void LogMetricsFailed(ILogger logger, Exception exception);
}
