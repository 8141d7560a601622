namespace Kinesis.Producer.Pipeline;

/// <summary>
/// Resolves user records: completes or faults their tasks, records the final attempt, and returns their
/// room to the outstanding bounds and the flush tracker. The one place a user record leaves the pipeline.
/// </summary>
internal sealed class RecordCompletion
{
    private readonly OutstandingGate outstanding;
    private readonly TimeProvider time;

    public RecordCompletion(OutstandingGate outstanding, TimeProvider time)
    {
        this.outstanding = outstanding;
        this.time = time;
    }

    public void Succeed(UserRecord user, string shardId, string sequenceNumber, long subSequenceNumber, bool aggregated)
    {
        var result = new UserRecordResult(shardId, sequenceNumber, subSequenceNumber, user.Attempts?.ToList() ?? [], aggregated);
        Resolve(user);
        user.TrySetResult(result);
    }

    /// <summary>Fails <paramref name="user"/> after adding a synthetic attempt with <paramref name="errorCode"/>.</summary>
    public void Fail(UserRecord user, string errorCode, string message, long now)
    {
        var attempt = new Attempt(time.GetUtcNow(), time.GetElapsedTime(user.ReadySince, now), TimeSpan.Zero, errorCode, message, IsSuccessful: false);
        user.Attempts = new AttemptNode(attempt, user.Attempts);
        FailWithAttempts(user);
    }

    public void Expire(UserRecord user, long now) =>
        Fail(user, ProducerErrorCodes.Expired, "The record was not put within RecordTtl.", now);

    /// <summary>Fails <paramref name="user"/> with the attempts it already has (the last one carries the error).</summary>
    public void FailWithAttempts(UserRecord user)
    {
        var result = new UserRecordResult(null, null, 0, user.Attempts?.ToList() ?? [], isAggregated: false);
        Resolve(user);
        user.TrySetException(new UserRecordFailedException(result));
    }

    private void Resolve(UserRecord user)
    {
        outstanding.Exit(user.AccountedBytes);
        user.Epoch.Resolve();
    }
}
