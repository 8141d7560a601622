namespace Kinesis.Producer;

/// <summary>
/// The operations of a <see cref="KinesisProducer"/> that application code calls: depend on this interface to replace the
/// producer with a fake in unit tests. <see cref="KinesisProducer"/> is the implementation; the hosting extension
/// (<see cref="Hosting.ProducerServiceCollectionExtensions.AddKinesisProducer(Microsoft.Extensions.DependencyInjection.IServiceCollection, Action{KinesisProducerOptions})"/>)
/// registers it under this interface too.
/// </summary>
/// <remarks>
/// Implementations are long-lived and safe for concurrent use. Members may be added to this interface in minor versions
/// before 1.0; a fake should derive its behaviour from the documentation of <see cref="KinesisProducer"/>.
/// </remarks>
public interface IKinesisProducer : IAsyncDisposable
{
    /// <summary>User records submitted and not yet resolved (buffered, in flight or waiting for a retry).</summary>
    long OutstandingRecords { get; }

    /// <summary>Bytes (partition key plus data) of the user records counted by <see cref="OutstandingRecords"/>.</summary>
    long OutstandingBytes { get; }

    /// <summary>Submits a user record; the task completes when a shard has acknowledged it. See <see cref="KinesisProducer.PutAsync"/>.</summary>
    /// <param name="stream">The stream: its name (1 to 128 characters of letters, digits, '_', '-' and '.') or its ARN, of the producer's region.</param>
    /// <param name="partitionKey">1 to 256 characters; its MD5 picks the shard unless <paramref name="explicitHashKey"/> is given.</param>
    /// <param name="data">The payload; with the partition key's UTF-8 bytes at most <see cref="KinesisProducerOptions.MaxRecordSize"/> (1 MiB by default). Keep it unchanged until the task completes.</param>
    /// <param name="explicitHashKey">Optional decimal hash key in [0, 2^128 - 1] that overrides the partition key's hash.</param>
    /// <param name="cancellationToken">Cancels only the wait for room (backpressure).</param>
    /// <returns>The shard and sequence number the record landed at, with the attempts it took.</returns>
    Task<UserRecordResult> PutAsync(
        string stream,
        string partitionKey,
        ReadOnlyMemory<byte> data,
        string? explicitHashKey = null,
        CancellationToken cancellationToken = default);

    /// <summary>Sends everything buffered now and completes when every record submitted before the call is resolved. See <see cref="KinesisProducer.FlushAsync"/>.</summary>
    /// <param name="cancellationToken">Stops waiting; the records are still sent.</param>
    Task FlushAsync(CancellationToken cancellationToken = default);
}
