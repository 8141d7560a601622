using Microsoft.Extensions.Hosting;

namespace Kinesis.Agent.Hosting;

/// <summary>Drives the registered <see cref="KinesisAgent"/> from the host's lifetime; the container disposes the agent.</summary>
internal sealed class KinesisAgentHostedService : IHostedService
{
    private readonly KinesisAgent agent;

    public KinesisAgentHostedService(KinesisAgent agent)
    {
        this.agent = agent;
    }

    public Task StartAsync(CancellationToken cancellationToken) => agent.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => agent.StopAsync(cancellationToken);
}
