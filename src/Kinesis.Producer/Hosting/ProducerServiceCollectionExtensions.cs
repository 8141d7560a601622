using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
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
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KinesisProducerOptions>, KinesisProducerOptionsValidator>());
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

/// <summary>Turns <see cref="KinesisProducerOptions.Validate"/> into options validation, so a bad setting fails host start-up with its name and range.</summary>
internal sealed class KinesisProducerOptionsValidator : IValidateOptions<KinesisProducerOptions>
{
    public ValidateOptionsResult Validate(string? name, KinesisProducerOptions options)
    {
        try
        {
            options.Validate();
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentException ex)
        {
            return ValidateOptionsResult.Fail(ex.Message);
        }
    }
}

/// <summary>Flushes the producer when the host stops, so records put during the host's life are sent.</summary>
internal sealed class ProducerFlushOnShutdown(KinesisProducer producer) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => producer.FlushAsync(cancellationToken);
}
