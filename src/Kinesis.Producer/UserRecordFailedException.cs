namespace Kinesis.Producer;

/// <summary>
/// A user record failed for good: a non-retryable error, its time-to-live ran out, it was throttled with
/// <see cref="KinesisProducerOptions.FailIfThrottled"/>, or the producer shut down. <see cref="Result"/>
/// carries every attempt; <see cref="ErrorCode"/> is the last attempt's code and <see cref="Cause"/> the attempt
/// whose error explains the failure. The message names both, for example
/// <c>Expired: The record was not put within RecordTtl (30 s) after 17 attempts; last error: NetworkError: PutRecords
/// failed on the network: Connection refused (127.0.0.1:4999)</c>.
/// </summary>
public sealed class UserRecordFailedException : KinesisProducerException
{
    /// <summary>Creates the exception for a failed result.</summary>
    public UserRecordFailedException(UserRecordResult result)
        : this(result, FindCause(result.Attempts))
    {
    }

    private UserRecordFailedException(UserRecordResult result, Attempt? cause)
        : base(Describe(result, cause))
    {
        Result = result;
        Cause = cause;
    }

    /// <summary>The record's result, with all its attempts.</summary>
    public UserRecordResult Result { get; }

    /// <summary>The error code of the last attempt (for a record whose time-to-live ran out, <see cref="ProducerErrorCodes.Expired"/>).</summary>
    public string? ErrorCode => Result.Attempts.Count == 0 ? null : Result.Attempts[^1].ErrorCode;

    /// <summary>
    /// The attempt whose error best explains the failure: the last one that failed with a service, network or timeout
    /// error, rather than a final <see cref="ProducerErrorCodes.Expired"/> or <see cref="ProducerErrorCodes.Shutdown"/>
    /// that only says the record ran out of time; the last attempt when no other says more; null without attempts.
    /// Records that failed for the same reason have equal <see cref="Attempt.ErrorCode"/> and <see cref="Attempt.ErrorMessage"/> here.
    /// </summary>
    public Attempt? Cause { get; }

    /// <summary>The last attempt with a real cause; a re-route (wrong shard) only when nothing else failed.</summary>
    private static Attempt? FindCause(IReadOnlyList<Attempt> attempts)
    {
        Attempt? reroute = null;
        for (var i = attempts.Count - 1; i >= 0; i--)
        {
            var attempt = attempts[i];
            switch (attempt.ErrorCode)
            {
                case null or ProducerErrorCodes.Expired or ProducerErrorCodes.Shutdown:
                    continue;
                case ProducerErrorCodes.WrongShard:
                    reroute ??= attempt;
                    continue;
                default:
                    return attempt;
            }
        }

        return reroute ?? (attempts.Count == 0 ? null : attempts[^1]);
    }

    /// <summary>An attempt the producer added without a PutRecords call (see <see cref="Attempt.Duration"/>): the record expired or was never sent.</summary>
    private static bool IsSynthetic(Attempt attempt) =>
        attempt.Duration == TimeSpan.Zero && attempt.ErrorCode is ProducerErrorCodes.Expired or ProducerErrorCodes.Shutdown;

    private static string Describe(UserRecordResult result, Attempt? cause)
    {
        var attempts = result.Attempts;
        if (attempts.Count == 0 || cause is null)
        {
            return "The user record failed.";
        }

        var last = attempts[^1];
        if (ReferenceEquals(cause, last))
        {
            // The last attempt is the cause (a non-retryable error, FailIfThrottled, or a record that ran out of time unsent).
            return attempts.Count == 1
                ? $"{last.ErrorCode}: {last.ErrorMessage}"
                : $"{last.ErrorCode}: {last.ErrorMessage} (after {attempts.Count} attempts)";
        }

        // A final Expired or ProducerShutdown added without a call (zero duration) is synthetic: the tries are the attempts
        // before it. A call that was in flight when the producer shut down was a try like any other.
        var tries = IsSynthetic(last) ? attempts.Count - 1 : attempts.Count;
        return $"{last.ErrorCode}: {last.ErrorMessage?.TrimEnd('.')} after {tries} attempt{(tries == 1 ? string.Empty : "s")}; last error: {cause.ErrorCode}: {cause.ErrorMessage}";
    }
}
