using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Kinesis.Producer.Hosting;

/// <summary>Registers a <see cref="KinesisProducer"/> with Microsoft.Extensions.DependencyInjection and hosting.</summary>
public static class ProducerServiceCollectionExtensions
{
    /// <summary>
    /// Registers a singleton <see cref="KinesisProducer"/>, resolvable also as <see cref="IKinesisProducer"/> (the same
    /// instance), whose options are bound from
    /// <paramref name="configuration"/> (for example the section "Kinesis:Producer"), then adjusted by
    /// <paramref name="configure"/>. Options are validated when the host starts; on host shutdown the
    /// producer is flushed (within the host's shutdown timeout) and then disposed with the container.
    /// </summary>
    public static IServiceCollection AddKinesisProducer(this IServiceCollection services, IConfiguration? configuration, Action<KinesisProducerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = services.AddOptions<KinesisProducerOptions>();
        if (configuration is not null)
        {
            builder.BindRejectingInvalidValues(configuration);
        }

        if (configure is not null)
        {
            builder.Configure(configure);
        }

        builder.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KinesisProducerOptions>>(new OptionsValidator<KinesisProducerOptions>(static o => o.Validate())));
        services.TryAddSingleton(provider =>
        {
            // A copy: the container's options instance stays as configured.
            var options = provider.GetRequiredService<IOptions<KinesisProducerOptions>>().Value.Clone();
            options.MeterFactory ??= provider.GetService<IMeterFactory>();
            return new KinesisProducer(options, provider.GetService<ILoggerFactory>());
        });
        services.TryAddSingleton<IKinesisProducer>(provider => provider.GetRequiredService<KinesisProducer>());
        services.AddHostedService<ProducerFlushOnShutdown>();
        return services;
    }

    /// <summary>Registers a singleton <see cref="KinesisProducer"/> configured in code; see the other overload.</summary>
    public static IServiceCollection AddKinesisProducer(this IServiceCollection services, Action<KinesisProducerOptions> configure) =>
        services.AddKinesisProducer(configuration: null, configure);
}
