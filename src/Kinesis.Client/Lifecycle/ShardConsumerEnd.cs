namespace Kinesis.Client.Lifecycle;

/// <summary>How a shard consumer ended.</summary>
internal enum ShardConsumerEnd
{
    /// <summary>The shard reached SHARD_END and the processor checkpointed it.</summary>
    ShardEnd,

    /// <summary>The lease was lost or the consumer was cancelled.</summary>
    LeaseLost,

    /// <summary>A graceful shutdown was requested and the processor was notified.</summary>
    ShutdownRequested,

    /// <summary>The processor failed under <see cref="ProcessorErrorMode.StopShard"/>.</summary>
    Stopped,
}
