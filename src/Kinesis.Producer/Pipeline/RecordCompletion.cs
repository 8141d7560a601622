using Kinesis.Core.Metrics;

namespace Kinesis.Producer.Pipeline;

/// <summary>
/// Resolves user records: completes or faults their tasks, records the final attempt, and returns their
/// room to the outstanding bounds and the flush tracker. The one place a user record leaves the pipeline.
/// </summary>
internal sealed class RecordCompletion
{
    private readonly OutstandingGate outstanding;
    private readonly TimeProvider time;
    private readonly ProducerMetrics metrics;

    public RecordCompletion(OutstandingGate outstanding, TimeProvider time, ProducerMetrics metrics)
    {
        this.outstanding = outstanding;
        this.time = time;
        this.metrics = metrics;
    }

    public void Succeed(UserRecord user, string shardId, string sequenceNumber, long subSequenceNumber, bool aggregated)
    {
        var attempts = user.Attempts?.ToList() ?? [];
        var result = new UserRecordResult(shardId, sequenceNumber, subSequenceNumber, attempts, aggregated);
        metrics.UserRecordPut(user.Stream.StreamName, shardId, user.Data.Length, Math.Max(attempts.Count - 1, 0));
        Resolve(user);
        user.TrySetResult(result);
    }

    /// <summary>Fails <paramref name="user"/> after adding a synthetic attempt with <paramref name="errorCode"/>.</summary>
    public void Fail(UserRecord user, string errorCode, string message, long now, string? shardId = null)
    {
        var attempt = new Attempt(time.GetUtcNow(), time.GetElapsedTime(user.ReadySince, now), TimeSpan.Zero, errorCode, message, IsSuccessful: false);
        user.Attempts = new AttemptNode(attempt, user.Attempts);
        FailWithAttempts(user, shardId);
    }

    public void Expire(UserRecord user, long now, string? shardId)
    {
        metrics.UserRecordExpired(user.Stream.StreamName, shardId ?? string.Empty);
        Fail(user, ProducerErrorCodes.Expired, "The record was not put within RecordTtl.", now, shardId);
    }

    /// <summary>Fails <paramref name="user"/> with the attempts it already has (the last one carries the error).</summary>
    public void FailWithAttempts(UserRecord user, string? shardId = null)
    {
        var attempts = user.Attempts?.ToList() ?? [];
        var result = new UserRecordResult(null, null, 0, attempts, isAggregated: false);
        metrics.UserRecordFailed(user.Stream.StreamName, shardId ?? string.Empty, Math.Max(attempts.Count - 1, 0));
        Resolve(user);
        user.TrySetException(new UserRecordFailedException(result));
    }

    private void Resolve(UserRecord user)
    {
        outstanding.Exit(user.AccountedBytes);
        user.Stream.RecordResolved();
        user.Epoch.Resolve();
    }
}
