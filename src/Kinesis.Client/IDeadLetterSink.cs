namespace Kinesis.Client;

/// <summary>
/// The on-failure destination of <see cref="PoisonRecordOptions.DeadLetterSink"/>: receives the records the processor kept
/// failing on once a limit of <see cref="PoisonRecordOptions"/> is reached, before the consumer moves past them.
/// </summary>
/// <remarks>
/// Called from the shard's processing task, one call at a time per shard (calls for different shards run concurrently, so an
/// implementation shared by shards must be safe for concurrent use). Return only once the records are stored durably: the
/// consumer then lets the processor checkpoint past them. An exception is logged (event 3082) and counted, and the same
/// batch is passed again after a full-jitter backoff (<see cref="KinesisConsumerOptions.ProcessorRetryBaseDelay"/> to
/// <see cref="KinesisConsumerOptions.ProcessorRetryMaxDelay"/>) for as long as the lease is held; the shard waits meanwhile.
/// After a failover or a crash the same records may be passed again (at least once).
/// </remarks>
public interface IDeadLetterSink
{
    /// <summary>Stores the failed records with their failure.</summary>
    /// <param name="batch">The failed records, in shard order, and what is known about the failure.</param>
    /// <param name="cancellationToken">Cancelled when the lease is lost or the consumer is disposed.</param>
    Task SendAsync(DeadLetterBatch batch, CancellationToken cancellationToken = default);
}
