namespace Kinesis.Producer.Pipeline;

/// <summary>What the pipeline does with a Kinesis record after a PutRecords attempt, as decided by <see cref="Retrier"/>.</summary>
internal enum RetryAction
{
    /// <summary>Put where it was meant to go: its user records succeed.</summary>
    Succeed,

    /// <summary>Put on another shard than predicted: <see cref="Retrier.DecidePlacement"/> tells, by the refreshed map, whether that is fine.</summary>
    CheckPlacement,

    /// <summary>Not put: <see cref="Retrier.DecideFailure"/> tells whether it is retried or failed.</summary>
    Failed,

    /// <summary>Put on a shard whose range does not hold all its user records: they are routed again at once (no backoff).</summary>
    Reroute,

    /// <summary>Retried after <see cref="RetryDecision.Backoff"/>: requeued in order (<see cref="RetryDecision.RequeueInOrder"/>) or routed again.</summary>
    RetryAfter,

    /// <summary>Failed for good with the attempts its user records have (the last carries <see cref="RetryDecision.ErrorCode"/>).</summary>
    Fail,

    /// <summary>Every user record's <see cref="KinesisProducerOptions.RecordTtl"/> has run out: they fail with <see cref="ProducerErrorCodes.Expired"/>, the attempts before kept.</summary>
    Expire,
}
