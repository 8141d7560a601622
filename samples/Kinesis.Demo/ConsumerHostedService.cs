using Kinesis.Client;
using Microsoft.Extensions.Hosting;

namespace Kinesis.Demo;

/// <summary>
/// Hosts one <see cref="KinesisConsumer"/> with its own worker id. AddKinesisConsumer registers one consumer
/// per host; the demo wants two workers in the same process to show lease sharing, so it hosts them itself.
/// </summary>
internal sealed class ConsumerHostedService(KinesisConsumer consumer) : IHostedService, IAsyncDisposable
{
    public Task StartAsync(CancellationToken cancellationToken) => consumer.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => consumer.StopAsync(cancellationToken);

    public ValueTask DisposeAsync() => consumer.DisposeAsync();
}
