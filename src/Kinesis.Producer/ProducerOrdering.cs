namespace Kinesis.Producer;

/// <summary>Per-shard ordering guarantee of the producer.</summary>
public enum ProducerOrdering
{
    /// <summary>
    /// Records of one shard land in <see cref="KinesisProducer.PutAsync"/> order unless a retry intervenes: a
    /// shard has at most one PutRecords call in flight (many shards share each call), and a record that fails
    /// (throttling, a partial failure, a timeout) is retried after records put later, as in the KPL.
    /// </summary>
    Relaxed,

    /// <summary>
    /// Records of one shard are written in <see cref="KinesisProducer.PutAsync"/> order even across retries:
    /// at most one Kinesis record per shard is in flight, and a failed one is retried before anything
    /// after it. Costs throughput per shard (one round trip per Kinesis record); raise
    /// <see cref="KinesisProducerOptions.AggregationMaxSize"/> to compensate. Exceptions: a record that
    /// expires (<see cref="KinesisProducerOptions.RecordTtl"/>) is dropped from the sequence with an error,
    /// and after resharding a record re-sent under the new shard map may follow records of the child shard.
    /// </summary>
    StrictPerShard,
}
