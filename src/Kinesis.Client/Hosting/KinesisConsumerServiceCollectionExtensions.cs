using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Kinesis.Client.Hosting;

/// <summary>Registers a <see cref="KinesisConsumer"/> as a hosted service.</summary>
public static class KinesisConsumerServiceCollectionExtensions
{
    /// <summary>
    /// Registers a hosted service that starts a <see cref="KinesisConsumer"/> in <see cref="IHostedService.StartAsync"/> and
    /// stops it gracefully in <see cref="IHostedService.StopAsync"/>. One <typeparamref name="TProcessor"/> is created per
    /// shard with <see cref="ActivatorUtilities"/> from the root service provider (constructor injection; scoped services
    /// are not available). Options are bound from <paramref name="configuration"/>, then <paramref name="configure"/> runs,
    /// and they are validated when the host starts (<c>ValidateOnStart</c>).
    /// </summary>
    /// <typeparam name="TProcessor">The shard record processor.</typeparam>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">A configuration section holding <see cref="KinesisConsumerOptions"/> properties, or <see langword="null"/>.</param>
    /// <param name="configure">Sets options in code (for example credentials or a DynamoDB client), or <see langword="null"/>.</param>
    /// <returns>The service collection.</returns>
    public static IServiceCollection AddKinesisConsumer<TProcessor>(this IServiceCollection services, IConfiguration? configuration = null, Action<KinesisConsumerOptions>? configure = null)
        where TProcessor : class, IShardRecordProcessor
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = services.AddOptions<KinesisConsumerOptions>();
        if (configuration is not null)
        {
            builder.Bind(configuration);
        }

        if (configure is not null)
        {
            builder.Configure(configure);
        }

        builder.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KinesisConsumerOptions>, KinesisConsumerOptionsValidator>());
        services.AddSingleton<IHostedService>(provider => new KinesisConsumerHostedService(
            WithMeterFactory(provider.GetRequiredService<IOptions<KinesisConsumerOptions>>().Value, provider),
            _ => ActivatorUtilities.CreateInstance<TProcessor>(provider),
            provider.GetService<ILoggerFactory>()));
        return services;
    }

    private static KinesisConsumerOptions WithMeterFactory(KinesisConsumerOptions options, IServiceProvider provider)
    {
        // The container's factory lets OpenTelemetry and the host's metrics configuration see the consumer's meter.
        options.MeterFactory ??= provider.GetService<IMeterFactory>();
        return options;
    }
}

/// <summary>Validates <see cref="KinesisConsumerOptions"/> with <see cref="KinesisConsumerOptions.Validate"/>.</summary>
internal sealed class KinesisConsumerOptionsValidator : IValidateOptions<KinesisConsumerOptions>
{
    public ValidateOptionsResult Validate(string? name, KinesisConsumerOptions options)
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

/// <summary>Drives a <see cref="KinesisConsumer"/> from the host's lifetime.</summary>
internal sealed class KinesisConsumerHostedService : IHostedService, IAsyncDisposable
{
    public KinesisConsumerHostedService(KinesisConsumerOptions options, Func<string, IShardRecordProcessor> processorFactory, ILoggerFactory? loggerFactory)
    {
        Consumer = new KinesisConsumer(options, processorFactory, loggerFactory);
    }

    public KinesisConsumer Consumer { get; }

    public Task StartAsync(CancellationToken cancellationToken) => Consumer.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Consumer.StopAsync(cancellationToken);

    public ValueTask DisposeAsync() => Consumer.DisposeAsync();
}
