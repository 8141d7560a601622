using System.Diagnostics.Metrics;
using Kinesis.Client.Hosting;
using Kinesis.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Kinesis.Client.Tests.Consumer;

[Collection(LocalAwsCollection.Name)]
public sealed class KinesisConsumerHostingTests(LocalAwsFixture fixture)
{
    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task AddKinesisConsumer_HostStartAndStop_ProcessesWithDiProcessorAndMeterFactoryAndReleasesLeases()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(1);
        var expected = await env.PutRawAsync(keys: 2, first: 0, count: 5);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kinesis:ApplicationName"] = env.ApplicationName,
            ["Kinesis:StreamName"] = env.StreamName,
            ["Kinesis:WorkerId"] = "hosted",
            ["Kinesis:InitialPosition"] = "TrimHorizon",
            ["Kinesis:IdleTimeBetweenReads"] = "00:00:00.150",
        }).Build();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton(env.Deliveries);
        builder.Services.AddKinesisConsumer<HostedRecordingProcessor>(configuration.GetSection("Kinesis"), o =>
        {
            var template = env.CreateOptions("hosted");
            o.Kinesis = template.Kinesis;
            o.DynamoDbClient = template.DynamoDbClient;
            o.Leases = template.Leases;
        });
        using var host = builder.Build();
        var consumer = host.Services.GetRequiredService<KinesisConsumer>();
        Assert.Same(consumer, host.Services.GetServices<IHostedService>().OfType<KinesisConsumerHostedService>().Single().Consumer);
        Assert.Same(host.Services.GetRequiredService<IMeterFactory>(), consumer.Metrics.Meter.Scope);

        await host.StartAsync();
        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(expected), TimeSpan.FromSeconds(60), "records processed by the hosted consumer");
        await host.StopAsync();

        Assert.All(await env.ListLeasesAsync(), l => Assert.Null(l.LeaseOwner));
        Assert.All(env.Deliveries, d => Assert.Equal("hosted", d.WorkerId));
    }

    [Fact]
    public void AddKinesisConsumer_ResolvesTheConsumerTheHostedServiceRuns()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddKinesisConsumer<HostedRecordingProcessor>(configure: o =>
        {
            o.ApplicationName = "resolvable";
            o.StreamName = "s";
            o.Kinesis.Region = "eu-west-1";
        });
        using var host = builder.Build();

        var consumer = host.Services.GetRequiredService<KinesisConsumer>();

        Assert.Same(consumer, host.Services.GetRequiredService<KinesisConsumer>());
        Assert.Same(consumer, host.Services.GetServices<IHostedService>().OfType<KinesisConsumerHostedService>().Single().Consumer);
    }

    [Fact]
    public void AddKinesisConsumer_CalledTwice_ThrowsInsteadOfRunningTwoConsumersWithOneWorkerId()
    {
        var services = new ServiceCollection();
        services.AddKinesisConsumer<HostedRecordingProcessor>();

        Assert.Throws<InvalidOperationException>(() => services.AddKinesisConsumer<HostedRecordingProcessor>());
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task AddKinesisConsumer_OutOfRangeValueInConfiguration_FailsAtStartNamingItAndItsRange()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kinesis:ApplicationName"] = "app",
            ["Kinesis:StreamName"] = "s",
            ["Kinesis:Leases:FailoverTime"] = "00:00:00.010",
        }).Build();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddKinesisConsumer<HostedRecordingProcessor>(configuration.GetSection("Kinesis"));
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => host.StartAsync());

        Assert.Equal(nameof(LeaseManagementOptions.FailoverTime), ex.ParamName);
        Assert.Contains("must be between 00:00:00.1000000 and 01:00:00", ex.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task AddKinesisConsumer_InvalidOptions_FailsAtStart()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddKinesisConsumer<HostedRecordingProcessor>(configure: o => o.StreamName = "s");
        using var host = builder.Build();
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains(nameof(KinesisConsumerOptions.ApplicationName), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddKinesisConsumer_StreamArnAndMultiStreamInConfiguration_AreBoundAndValid()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Single:ApplicationName"] = "app",
            ["Single:StreamArn"] = "arn:aws:kinesis:eu-west-1:123456789012:stream/orders",
            ["Single:Kinesis:Region"] = "eu-west-1",
            ["Multi:ApplicationName"] = "app",
            ["Multi:Kinesis:Region"] = "eu-west-1",
            ["Multi:MultiStream:Streams:0:StreamName"] = "orders",
            ["Multi:MultiStream:Streams:1:StreamArn"] = "arn:aws:kinesis:eu-west-1:210987654321:stream/clicks",
            ["Multi:MultiStream:Streams:1:CreationEpoch"] = "1700000000",
            ["Multi:MultiStream:Streams:1:InitialPosition"] = "TrimHorizon",
            ["Multi:MultiStream:FormerStreamsLeasesDeletionDelay"] = "00:10:00",
        }).Build();

        foreach (var section in new[] { "Single", "Multi" })
        {
            var services = new ServiceCollection();
            services.AddKinesisConsumer<HostedRecordingProcessor>(configuration.GetSection(section));
            using var provider = services.BuildServiceProvider();
            var options = provider.GetRequiredService<IOptions<KinesisConsumerOptions>>().Value;
            options.Validate();
            if (section == "Single")
            {
                Assert.Equal("arn:aws:kinesis:eu-west-1:123456789012:stream/orders", options.StreamArn);
                Assert.Null(options.StreamName);
            }
            else
            {
                Assert.Equal(["orders", null], options.MultiStream.Streams.Select(s => s.StreamName));
                Assert.Equal(1_700_000_000, options.MultiStream.Streams[1].CreationEpoch);
                Assert.Equal(InitialPositionInStream.TrimHorizon, options.MultiStream.Streams[1].InitialPosition);
                Assert.Equal(TimeSpan.FromMinutes(10), options.MultiStream.FormerStreamsLeasesDeletionDelay);
            }
        }
    }

    /// <summary>Created per shard by ActivatorUtilities, with the delivery log injected.</summary>
    internal sealed class HostedRecordingProcessor(System.Collections.Concurrent.ConcurrentQueue<Delivery> deliveries) : IShardRecordProcessor
    {
        private readonly RecordingProcessor inner = new("hosted", deliveries);

        public Task InitializeAsync(InitializationInput input, CancellationToken cancellationToken = default) => inner.InitializeAsync(input, cancellationToken);

        public Task ProcessRecordsAsync(ProcessRecordsInput input, CancellationToken cancellationToken = default) => inner.ProcessRecordsAsync(input, cancellationToken);

        public Task LeaseLostAsync(LeaseLostInput input, CancellationToken cancellationToken = default) => inner.LeaseLostAsync(input, cancellationToken);

        public Task ShardEndedAsync(ShardEndedInput input, CancellationToken cancellationToken = default) => inner.ShardEndedAsync(input, cancellationToken);

        public Task ShutdownRequestedAsync(ShutdownRequestedInput input, CancellationToken cancellationToken = default) => inner.ShutdownRequestedAsync(input, cancellationToken);
    }
}
