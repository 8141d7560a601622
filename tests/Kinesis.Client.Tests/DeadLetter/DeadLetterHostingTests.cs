using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Kinesis.Client.DeadLetter;
using Kinesis.Client.DeadLetter.Hosting;
using Kinesis.Client.Hosting;
using Kinesis.Client.Tests.Consumer;
using Kinesis.Core.Api;
using Kinesis.LocalServices;
using Kinesis.Producer;
using Kinesis.Producer.Hosting;
using Kinesis.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Kinesis.Client.Tests.DeadLetter;

/// <summary>The dead-letter sink through the host: the container's sink is the consumer's, and the stream sink registers in one call.</summary>
[Collection(LocalAwsCollection.Name)]
public sealed class DeadLetterHostingTests(LocalAwsFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task AddKinesisStreamDeadLetterSink_LimitsFromConfigurationOnly_HostedConsumerDeadLettersThePoisonToTheStream()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(1);
        var deadLetterStream = LocalAwsFixture.UniqueName("dlq");
        await env.Kinesis.CreateStreamAsync(new CreateStreamRequest { StreamName = deadLetterStream, ShardCount = 1 });
        await env.Kinesis.WaitForStreamActiveAsync(deadLetterStream, Deadline);
        var payloads = await env.PutRawAsync(keys: 1, first: 0, count: 8);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kinesis:Consumer:ApplicationName"] = env.ApplicationName,
            ["Kinesis:Consumer:StreamName"] = env.StreamName,
            ["Kinesis:Consumer:WorkerId"] = "hosted",
            ["Kinesis:Consumer:InitialPosition"] = "TrimHorizon",
            ["Kinesis:Consumer:IdleTimeBetweenReads"] = "00:00:00.150",
            ["Kinesis:Consumer:PoisonRecords:BisectBatchOnError"] = "true",
            ["Kinesis:Consumer:PoisonRecords:MaxRetryAttempts"] = "1",
            ["Kinesis:Producer:Region"] = LocalAwsServices.Region,
            ["Kinesis:Producer:ServiceUrl"] = fixture.KinesisLocalEndpoint.ToString(),
            ["Kinesis:Producer:AggregationEnabled"] = "false",
            ["Kinesis:DeadLetterStreamName"] = deadLetterStream,
        }).Build();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton(env.Deliveries);
        builder.Services.AddKinesisProducer(configuration.GetSection("Kinesis:Producer"), o => o.Credentials = LocalKinesis.Credentials);
        builder.Services.AddKinesisStreamDeadLetterSink(configuration["Kinesis:DeadLetterStreamName"]!);
        builder.Services.AddKinesisConsumer<FailOnMarkedRecordProcessor>(configuration.GetSection("Kinesis:Consumer"), o =>
        {
            var template = env.CreateOptions("hosted");
            o.Kinesis = template.Kinesis;
            o.DynamoDbClient = template.DynamoDbClient;
            o.Leases = template.Leases;
        });
        using var host = builder.Build();

        await host.StartAsync();
        await Eventually.HoldsAsync(() => env.Deliveries.Count >= 7, Deadline, "every good record delivered");
        var dead = await PoisonRecordIntegrationTests.ReadAllAsync(env.Kinesis, deadLetterStream, 1);
        await host.StopAsync();

        Assert.Same(host.Services.GetRequiredService<IDeadLetterSink>(), host.Services.GetRequiredService<IOptions<KinesisConsumerOptions>>().Value.PoisonRecords.DeadLetterSink);
        Assert.Equal(payloads.Where(p => p != FailOnMarkedRecordProcessor.Marked), env.Deliveries.Select(d => d.Payload));
        var record = Assert.Single(dead);
        Assert.Equal("key-0", record.PartitionKey);
        using var envelope = JsonDocument.Parse(record.Data);
        Assert.Equal(FailOnMarkedRecordProcessor.Marked, Encoding.UTF8.GetString(envelope.RootElement.GetProperty("data").GetBytesFromBase64()));
        Assert.Equal("RetriesExhausted", envelope.RootElement.GetProperty("reason").GetString());
    }

    [Fact]
    public void AddKinesisConsumer_SinkSetInCode_WinsOverTheContainersSink()
    {
        var inCode = new ListSink();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton<IDeadLetterSink>(new ListSink());
        builder.Services.AddKinesisConsumer<FailOnMarkedRecordProcessor>(configure: o =>
        {
            o.ApplicationName = "sinks";
            o.StreamName = "s";
            o.Kinesis.Region = "eu-west-1";
            o.PoisonRecords.MaxRetryAttempts = 0;
            o.PoisonRecords.DeadLetterSink = inCode;
        });
        using var host = builder.Build();

        Assert.Same(inCode, host.Services.GetRequiredService<IOptions<KinesisConsumerOptions>>().Value.PoisonRecords.DeadLetterSink);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task AddKinesisConsumer_RetryLimitWithoutAnySink_StillFailsAtStartNamingTheSink()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddKinesisConsumer<FailOnMarkedRecordProcessor>(configure: o =>
        {
            o.ApplicationName = "no-sink";
            o.StreamName = "s";
            o.Kinesis.Region = "eu-west-1";
            o.PoisonRecords.MaxRetryAttempts = 0;
        });
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("DeadLetterSink", error.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task AddKinesisStreamDeadLetterSink_ResolvesOneSinkAsBothTypesWritingToTheStream()
    {
        var services = new ServiceCollection();
        services.AddKinesisProducer(o => o.Region = "eu-west-1");
        services.AddKinesisStreamDeadLetterSink("orders-dead-letters");
        await using var provider = services.BuildServiceProvider();

        var sink = provider.GetRequiredService<KinesisStreamDeadLetterSink>();

        Assert.Same(sink, provider.GetRequiredService<IDeadLetterSink>());
        Assert.Equal("orders-dead-letters", sink.StreamName);
    }

    [Fact]
    public void AddKinesisStreamDeadLetterSink_NoProducerRegistered_SaysToRegisterOne()
    {
        var services = new ServiceCollection();
        services.AddKinesisStreamDeadLetterSink("orders-dead-letters");
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IDeadLetterSink>());

        Assert.Contains("AddKinesisProducer", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" ")]
    public void AddKinesisStreamDeadLetterSink_NoStreamName_ThrowsArgumentException(string? streamName) =>
        Assert.ThrowsAny<ArgumentException>(() => new ServiceCollection().AddKinesisStreamDeadLetterSink(streamName!));

    /// <summary>Fails every call whose batch holds <see cref="Marked"/>; otherwise records the deliveries and checkpoints.</summary>
    internal sealed class FailOnMarkedRecordProcessor(ConcurrentQueue<Delivery> deliveries) : IShardRecordProcessor
    {
        public const string Marked = "key-0:3";

        public Task InitializeAsync(InitializationInput input, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public async Task ProcessRecordsAsync(ProcessRecordsInput input, CancellationToken cancellationToken = default)
        {
            foreach (var record in input.Records)
            {
                if (Encoding.UTF8.GetString(record.Data.Span) == Marked)
                {
                    throw new FormatException($"marked record {Marked}");
                }
            }

            foreach (var record in input.Records)
            {
                deliveries.Enqueue(new Delivery("hosted", input.ShardId, record.SequenceNumber, record.SubSequenceNumber, record.PartitionKey, Encoding.UTF8.GetString(record.Data.Span), record.IsAggregated));
            }

            await input.Checkpointer.CheckpointAsync(cancellationToken);
        }

        public Task LeaseLostAsync(LeaseLostInput input, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task ShardEndedAsync(ShardEndedInput input, CancellationToken cancellationToken = default) => input.Checkpointer.CheckpointAsync(cancellationToken);

        public Task ShutdownRequestedAsync(ShutdownRequestedInput input, CancellationToken cancellationToken = default) => input.Checkpointer.CheckpointAsync(cancellationToken);
    }
}
