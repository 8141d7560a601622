namespace Kinesis.Client;

/// <summary>How a <see cref="KinesisConsumer"/> reads its shards.</summary>
public enum RetrievalMode
{
    /// <summary>GetRecords in a loop per shard (shared throughput: 2 MB/s and 5 calls/s per shard across every reader).</summary>
    Polling,

    /// <summary>
    /// Enhanced fan-out: SubscribeToShard over HTTP/2 through a registered stream consumer, with dedicated throughput of
    /// 2 MB/s per shard per consumer and records pushed as they arrive. See <see cref="FanOutOptions"/>.
    /// </summary>
    FanOut,
}
