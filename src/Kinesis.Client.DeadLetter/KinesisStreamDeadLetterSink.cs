using Kinesis.Producer;

namespace Kinesis.Client.DeadLetter;

/// <summary>
/// An <see cref="IDeadLetterSink"/> that writes each failed user record to another Kinesis stream through a
/// <see cref="KinesisProducer"/>: one <see cref="DeadLetterEnvelope"/> per record, under the record's original partition
/// key (so records of one key stay together in the dead-letter stream). Safe for concurrent use by every shard of a consumer.
/// </summary>
/// <remarks>
/// <see cref="SendAsync"/> completes when the producer has put every envelope of the batch (it flushes the producer's
/// buffer instead of waiting for its linger time), and throws when any could not be put; the consumer then calls it again
/// with the whole batch, so an envelope may be written more than once (at least once). The producer is not disposed by
/// the sink; it may be shared with the rest of the application.
/// </remarks>
public sealed class KinesisStreamDeadLetterSink : IDeadLetterSink
{
    private readonly IKinesisProducer producer;
    private readonly string streamName;
    private readonly TimeProvider time;

    /// <summary>Creates a sink writing to <paramref name="streamName"/>.</summary>
    /// <param name="producer">The producer to write with.</param>
    /// <param name="streamName">The dead-letter stream (it must exist).</param>
    /// <param name="timeProvider">The clock of the envelope's <c>deadLetteredAt</c>; default <see cref="TimeProvider.System"/>.</param>
    /// <exception cref="ArgumentException">The stream name is empty.</exception>
    public KinesisStreamDeadLetterSink(IKinesisProducer producer, string streamName, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(producer);
        ArgumentException.ThrowIfNullOrWhiteSpace(streamName);
        this.producer = producer;
        this.streamName = streamName;
        time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The dead-letter stream.</summary>
    public string StreamName => streamName;

    /// <inheritdoc/>
    public async Task SendAsync(DeadLetterBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var now = time.GetUtcNow();
        var puts = new Task<UserRecordResult>[batch.Records.Count];
        for (var i = 0; i < puts.Length; i++)
        {
            var record = batch.Records[i];
            puts[i] = producer.PutAsync(streamName, record.PartitionKey, DeadLetterEnvelope.Create(batch, record, now), cancellationToken: cancellationToken);
        }

        await producer.FlushAsync(cancellationToken).ConfigureAwait(false);
        await Task.WhenAll(puts).WaitAsync(cancellationToken).ConfigureAwait(false);
    }
}
