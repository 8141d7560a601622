namespace Kinesis.Producer;

/// <summary>Root of the exceptions the producer throws for records it could not put.</summary>
public class KinesisProducerException : Exception
{
    /// <summary>Creates the exception.</summary>
    public KinesisProducerException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public KinesisProducerException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// A user record failed for good: a non-retryable error, its time-to-live ran out, it was throttled with
/// <see cref="KinesisProducerOptions.FailIfThrottled"/>, or the producer shut down. <see cref="Result"/>
/// carries every attempt; <see cref="ErrorCode"/> is the last attempt's code.
/// </summary>
public sealed class UserRecordFailedException : KinesisProducerException
{
    /// <summary>Creates the exception for a failed result.</summary>
    public UserRecordFailedException(UserRecordResult result)
        : base(Describe(result))
    {
        Result = result;
    }

    /// <summary>The record's result, with all its attempts.</summary>
    public UserRecordResult Result { get; }

    /// <summary>The error code of the last attempt.</summary>
    public string? ErrorCode => Result.Attempts.Count == 0 ? null : Result.Attempts[^1].ErrorCode;

    private static string Describe(UserRecordResult result)
    {
        if (result.Attempts.Count == 0)
        {
            return "The user record failed.";
        }

        var last = result.Attempts[^1];
        return $"The user record failed after {result.Attempts.Count} attempt(s); last error {last.ErrorCode}: {last.ErrorMessage}";
    }
}

/// <summary>Thrown by <see cref="KinesisProducer.PutAsync"/> when the outstanding bounds are reached and <see cref="KinesisProducerOptions.FullMode"/> is <see cref="ProducerFullMode.Throw"/>.</summary>
public sealed class ProducerFullException : KinesisProducerException
{
    /// <summary>Creates the exception.</summary>
    public ProducerFullException(string message)
        : base(message)
    {
    }
}
