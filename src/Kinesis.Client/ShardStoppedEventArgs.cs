namespace Kinesis.Client;

/// <summary>Data of <see cref="KinesisConsumer.ShardStopped"/>.</summary>
public sealed class ShardStoppedEventArgs : EventArgs
{
    internal ShardStoppedEventArgs(string shardId) => ShardId = shardId;

    /// <summary>The shard whose processing stopped.</summary>
    public string ShardId { get; }
}
