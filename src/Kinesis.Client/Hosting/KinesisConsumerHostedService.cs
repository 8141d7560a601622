using Microsoft.Extensions.Hosting;

namespace Kinesis.Client.Hosting;

/// <summary>Drives a <see cref="KinesisConsumer"/> from the host's lifetime.</summary>
/// <remarks>The consumer is the container's singleton, which the container disposes; this service only starts and stops it.</remarks>
internal sealed class KinesisConsumerHostedService(KinesisConsumer consumer) : IHostedService
{
    public KinesisConsumer Consumer { get; } = consumer;

    public Task StartAsync(CancellationToken cancellationToken) => Consumer.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Consumer.StopAsync(cancellationToken);
}
