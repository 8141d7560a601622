namespace Kinesis.Client.Lifecycle;

/// <summary>
/// The poison-record rules, apart from I/O: given the failing unit (how many records, whether the processor named the failed
/// record, how often the unit failed, how old its oldest record is), decides what happens next.
/// </summary>
internal readonly struct FailureDecision
{
    private readonly ProcessorErrorMode mode;
    private readonly int? maxRetryAttempts;
    private readonly TimeSpan? maximumRecordAge;
    private readonly bool bisect;
    private readonly bool hasSink;
    private readonly bool skipWithoutSink;

    public FailureDecision(ProcessorErrorMode mode, PoisonRecordOptions policy)
    {
        this.mode = mode;
        maxRetryAttempts = policy.MaxRetryAttempts;
        maximumRecordAge = policy.MaximumRecordAge;
        bisect = policy.BisectBatchOnError;
        hasSink = policy.DeadLetterSink is not null;
        skipWithoutSink = policy.SkipWithoutDeadLetter;
    }

    /// <summary>Decides for a unit that just failed.</summary>
    /// <param name="records">Records in the failing unit (at least 1).</param>
    /// <param name="recordIdentified">Whether the processor named the failed record (a partial-batch report): then the unit is that record and is not split.</param>
    /// <param name="failures">Failed deliveries of this unit so far, this one included (at least 1).</param>
    /// <param name="oldestAge">The age of the unit's oldest record.</param>
    /// <param name="reason">The limit reached, for <see cref="FailureAction.DeadLetter"/> and <see cref="FailureAction.Discard"/>.</param>
    public FailureAction Decide(int records, bool recordIdentified, int failures, TimeSpan oldestAge, out DeadLetterReason reason)
    {
        reason = default;
        switch (mode)
        {
            case ProcessorErrorMode.StopShard:
                return FailureAction.StopShard;
            case ProcessorErrorMode.SkipBatch:
                return FailureAction.SkipBatch;
        }

        // Isolating first: splitting is not a retry, and it keeps good records out of the dead-letter sink even when they are old.
        if (bisect && !recordIdentified && records > 1)
        {
            return FailureAction.Split;
        }

        if (maximumRecordAge is { } maxAge && oldestAge >= maxAge)
        {
            reason = DeadLetterReason.RecordAgeExceeded;
        }
        else if (maxRetryAttempts is { } max && failures > max)
        {
            reason = DeadLetterReason.RetriesExhausted;
        }
        else
        {
            return FailureAction.Retry;
        }

        // Options validation requires a sink or the opt-in with a limit; without either, retrying is the only lossless choice.
        return hasSink ? FailureAction.DeadLetter : skipWithoutSink ? FailureAction.Discard : FailureAction.Retry;
    }
}
