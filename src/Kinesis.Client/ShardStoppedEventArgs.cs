namespace Kinesis.Client;

/// <summary>Data of <see cref="KinesisConsumer.ShardStopped"/>.</summary>
public sealed class ShardStoppedEventArgs : EventArgs
{
    internal ShardStoppedEventArgs(StreamIdentifier? stream, string leaseKey, string shardId, Exception exception)
    {
        Stream = stream;
        LeaseKey = leaseKey;
        ShardId = shardId;
        Exception = exception;
    }

    /// <summary>
    /// The stream of the shard, for a multi-stream consumer (<see cref="KinesisConsumerOptions.MultiStream"/>), where shard ids
    /// repeat across streams; <see langword="null"/> for a single-stream consumer.
    /// </summary>
    public StreamIdentifier? Stream { get; }

    /// <summary>
    /// The key of the shard's lease: the shard id, or <c>ACCOUNT:STREAM:EPOCH:SHARDID</c> for a multi-stream consumer (as in
    /// <see cref="KinesisConsumer.HeldShardIds"/>).
    /// </summary>
    public string LeaseKey { get; }

    /// <summary>The shard whose processing stopped.</summary>
    public string ShardId { get; }

    /// <summary>The exception the processor threw.</summary>
    public Exception Exception { get; }
}
