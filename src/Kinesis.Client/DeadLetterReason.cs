namespace Kinesis.Client;

/// <summary>Why records were handed to an <see cref="IDeadLetterSink"/>.</summary>
public enum DeadLetterReason
{
    /// <summary>They failed <see cref="PoisonRecordOptions.MaxRetryAttempts"/> + 1 times.</summary>
    RetriesExhausted,

    /// <summary>They failed and the oldest is at least <see cref="PoisonRecordOptions.MaximumRecordAge"/> old.</summary>
    RecordAgeExceeded,
}
