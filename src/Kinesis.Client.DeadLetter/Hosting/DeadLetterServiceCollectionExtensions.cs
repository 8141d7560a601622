using Kinesis.Producer;
using Microsoft.Extensions.DependencyInjection;

namespace Kinesis.Client.DeadLetter.Hosting;

/// <summary>Registers a <see cref="KinesisStreamDeadLetterSink"/> with Microsoft.Extensions.DependencyInjection.</summary>
public static class DeadLetterServiceCollectionExtensions
{
    /// <summary>
    /// Registers a singleton <see cref="KinesisStreamDeadLetterSink"/> writing to <paramref name="streamName"/> with the container's
    /// <see cref="IKinesisProducer"/> (register one with <c>AddKinesisProducer</c>), resolvable also as <see cref="IDeadLetterSink"/>
    /// (the same instance). <c>AddKinesisConsumer</c> uses it when <see cref="PoisonRecordOptions.DeadLetterSink"/> is not set in code;
    /// the retry and age limits stay options of the consumer (<see cref="KinesisConsumerOptions.PoisonRecords"/>). Where several
    /// <see cref="IDeadLetterSink"/> are registered, the last one is used, as everywhere in the container.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="streamName">The dead-letter stream (it must exist), for example read from configuration.</param>
    /// <returns>The service collection.</returns>
    /// <exception cref="ArgumentException"><paramref name="streamName"/> is null, empty or white space.</exception>
    /// <example>
    /// <code>
    /// builder.Services.AddKinesisProducer(builder.Configuration.GetSection("Kinesis:Producer"));
    /// builder.Services.AddKinesisStreamDeadLetterSink(builder.Configuration["Kinesis:DeadLetterStreamName"]!);
    /// builder.Services.AddKinesisConsumer&lt;OrderProcessor&gt;(builder.Configuration.GetSection("Kinesis:Consumer"));
    /// </code>
    /// </example>
    public static IServiceCollection AddKinesisStreamDeadLetterSink(this IServiceCollection services, string streamName)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(streamName);
        services.AddSingleton(provider => new KinesisStreamDeadLetterSink(
            provider.GetService<IKinesisProducer>() ?? throw new InvalidOperationException(
                $"{nameof(AddKinesisStreamDeadLetterSink)} writes through the container's {nameof(IKinesisProducer)}, and none is registered: call AddKinesisProducer too."),
            streamName,
            provider.GetService<TimeProvider>()));
        services.AddSingleton<IDeadLetterSink>(provider => provider.GetRequiredService<KinesisStreamDeadLetterSink>());
        return services;
    }
}
