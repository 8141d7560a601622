using System.Diagnostics.Metrics;
using Kinesis.Agent.Configuration;
using Kinesis.Producer;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kinesis.Agent.Hosting;

/// <summary>Registers a <see cref="KinesisAgent"/> as a hosted service.</summary>
public static class KinesisAgentServiceCollectionExtensions
{
    /// <summary>
    /// Registers a <see cref="KinesisAgent"/> (a singleton) and a hosted service that starts it in
    /// <see cref="IHostedService.StartAsync"/> and stops it gracefully in <see cref="IHostedService.StopAsync"/> (records
    /// in flight sent, checkpoints written). The settings are those of <c>agent.json</c>, under the same key names, read
    /// from <paramref name="configuration"/> (for example the <c>KinesisAgent</c> section of <c>appsettings.json</c>) by
    /// <see cref="AgentConfigurationReader.Read(IConfiguration)"/>. They are read and checked when the host starts: a bad
    /// value fails the start with an <see cref="AgentConfigurationException"/> naming its key.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The section holding the agent's settings (<c>flows</c>, <c>checkpointFile</c>, ...).</param>
    /// <param name="configureProducer">Changes the producer options built from the settings (<see cref="KinesisAgent.CreateProducerOptions"/>), or null.</param>
    /// <returns>The service collection.</returns>
    public static IServiceCollection AddKinesisAgent(this IServiceCollection services, IConfiguration configuration, Action<KinesisProducerOptions>? configureProducer = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddSingleton(_ => AgentConfigurationReader.Read(configuration));
        services.AddSingleton(provider =>
        {
            var settings = provider.GetRequiredService<AgentConfiguration>();
            var options = KinesisAgent.CreateProducerOptions(settings);

            // The container's factory lets OpenTelemetry and the host's metrics configuration see the agent's meters.
            options.MeterFactory ??= provider.GetService<IMeterFactory>();
            configureProducer?.Invoke(options);
            return new KinesisAgent(settings, options, provider.GetService<ILoggerFactory>());
        });
        services.AddSingleton<IHostedService, KinesisAgentHostedService>();
        return services;
    }
}
