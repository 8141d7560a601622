using Microsoft.Extensions.Hosting;

namespace Kinesis.Producer.Hosting;

/// <summary>Flushes the producer when the host stops, so records put during the host's life are sent.</summary>
internal sealed class ProducerFlushOnShutdown(KinesisProducer producer) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => producer.FlushAsync(cancellationToken);
}
