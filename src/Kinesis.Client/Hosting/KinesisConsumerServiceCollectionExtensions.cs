using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Kinesis.Client.Hosting;

/// <summary>Registers a <see cref="KinesisConsumer"/> as a singleton and a hosted service.</summary>
public static class KinesisConsumerServiceCollectionExtensions
{
    /// <summary>
    /// Registers a singleton <see cref="KinesisConsumer"/> (resolvable from the container, for example to read
    /// <see cref="KinesisConsumer.HeldShardIds"/> or subscribe to <see cref="KinesisConsumer.ShardStopped"/>) and a hosted service
    /// that starts that same instance in <see cref="IHostedService.StartAsync"/> and stops it gracefully in
    /// <see cref="IHostedService.StopAsync"/>; the container disposes it. One <typeparamref name="TProcessor"/> is created per
    /// shard with <see cref="ActivatorUtilities"/> from the root service provider (constructor injection; scoped services
    /// are not available). Options are bound from <paramref name="configuration"/>, then <paramref name="configure"/> runs,
    /// then, when <see cref="PoisonRecordOptions.DeadLetterSink"/> is still <see langword="null"/>, it is set to the
    /// <see cref="IDeadLetterSink"/> registered in the container if any (for example by
    /// <c>AddKinesisStreamDeadLetterSink</c> of package Kinesis.Client.DeadLetter), and they are validated when the host starts
    /// (<c>ValidateOnStart</c>).
    /// </summary>
    /// <typeparam name="TProcessor">The shard record processor.</typeparam>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">A configuration section holding <see cref="KinesisConsumerOptions"/> properties, or <see langword="null"/>.</param>
    /// <param name="configure">Sets options in code (for example credentials or a DynamoDB client), or <see langword="null"/>.</param>
    /// <returns>The service collection.</returns>
    /// <exception cref="InvalidOperationException">A consumer is already registered in <paramref name="services"/>.</exception>
    public static IServiceCollection AddKinesisConsumer<TProcessor>(this IServiceCollection services, IConfiguration? configuration = null, Action<KinesisConsumerOptions>? configure = null)
        where TProcessor : class, IShardRecordProcessor
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(d => d.ServiceType == typeof(KinesisConsumer)))
        {
            // Every registration would share one KinesisConsumerOptions (one worker id, one stream), so a second consumer is a mistake.
            throw new InvalidOperationException($"{nameof(AddKinesisConsumer)} was already called on this service collection; it registers one consumer. Create further {nameof(KinesisConsumer)} instances with its constructor.");
        }

        var builder = services.AddOptions<KinesisConsumerOptions>();
        if (configuration is not null)
        {
            builder.BindRejectingInvalidValues(configuration);
        }

        if (configure is not null)
        {
            builder.Configure(configure);
        }

        // After every Configure, so a sink set in code wins; before validation, so a retry limit with a registered sink is valid.
        builder.PostConfigure<IServiceProvider>((options, provider) =>
        {
            if (options.PoisonRecords is { DeadLetterSink: null } poison)
            {
                poison.DeadLetterSink = provider.GetService<IDeadLetterSink>();
            }
        });
        builder.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KinesisConsumerOptions>>(new OptionsValidator<KinesisConsumerOptions>(static o => o.Validate())));
        services.AddSingleton(provider => new KinesisConsumer(
            WithMeterFactory(provider.GetRequiredService<IOptions<KinesisConsumerOptions>>().Value.Clone(), provider),
            _ => ActivatorUtilities.CreateInstance<TProcessor>(provider),
            provider.GetService<ILoggerFactory>()));
        services.AddSingleton<IHostedService>(provider => new KinesisConsumerHostedService(provider.GetRequiredService<KinesisConsumer>()));
        return services;
    }

    private static KinesisConsumerOptions WithMeterFactory(KinesisConsumerOptions options, IServiceProvider provider)
    {
        // On a copy, so the container's options instance stays as configured. The container's factory lets OpenTelemetry and the host's metrics configuration see the consumer's meter.
        options.MeterFactory ??= provider.GetService<IMeterFactory>();
        return options;
    }
}
