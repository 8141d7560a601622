namespace Kinesis.Client;

/// <summary>Data of <see cref="KinesisConsumer.ShardStopped"/>.</summary>
public sealed class ShardStoppedEventArgs : EventArgs
{
    internal ShardStoppedEventArgs(string shardId, Exception exception)
    {
        ShardId = shardId;
        Exception = exception;
    }

    /// <summary>The shard whose processing stopped.</summary>
    public string ShardId { get; }

    /// <summary>The exception the processor threw.</summary>
    public Exception Exception { get; }
}
