namespace Kinesis.Client.Lifecycle;

/// <summary>What to do with the failing part of a batch after the processor failed on it.</summary>
internal enum FailureAction
{
    /// <summary>Deliver the same records again after a backoff.</summary>
    Retry,

    /// <summary>Deliver the two halves separately, first half first (no backoff: a split is not a retry).</summary>
    Split,

    /// <summary>Hand the failing records to the dead-letter sink, then move past them.</summary>
    DeadLetter,

    /// <summary>Log and count the failing records, then move past them (<see cref="PoisonRecordOptions.SkipWithoutDeadLetter"/>).</summary>
    Discard,

    /// <summary>Skip the rest of the batch (<see cref="ProcessorErrorMode.SkipBatch"/>).</summary>
    SkipBatch,

    /// <summary>Stop the shard (<see cref="ProcessorErrorMode.StopShard"/>).</summary>
    StopShard,
}
