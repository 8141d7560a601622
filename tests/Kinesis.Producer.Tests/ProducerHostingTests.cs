using Kinesis.LocalServices;
using Kinesis.Producer.Hosting;
using Kinesis.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Kinesis.Producer.Tests;

[Collection(LocalAwsCollection.Name)]
public sealed class ProducerHostingTests(LocalAwsFixture fixture)
{
    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task AddKinesisProducer_BoundFromConfiguration_ProducesAndFlushesOnStop()
    {
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        var stream = LocalAwsFixture.UniqueName("producer-hosted");
        await LocalKinesis.CreateStreamAsync(client, stream, shardCount: 1);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kinesis:Producer:Region"] = LocalAwsServices.Region,
            ["Kinesis:Producer:ServiceUrl"] = fixture.KinesisLocalEndpoint.ToString(),
            ["Kinesis:Producer:RecordMaxBufferedTime"] = "00:01:00",
            ["Kinesis:Producer:AggregationMaxSize"] = "100000",
        }).Build();

        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddKinesisProducer(configuration.GetSection("Kinesis:Producer"), o => o.Credentials = LocalKinesis.Credentials);
        using var host = builder.Build();
        await host.StartAsync();

        var producer = host.Services.GetRequiredService<KinesisProducer>();
        Assert.Equal(100_000, host.Services.GetRequiredService<IOptions<KinesisProducerOptions>>().Value.AggregationMaxSize);
        var puts = Enumerable.Range(0, 10).Select(i => producer.PutAsync(stream, "k", ProducerTestKit.Payload("k", i))).ToArray();

        // Buffered for a minute unless the host's stop flushes them.
        await host.StopAsync();

        Assert.All(puts, p => Assert.True(p.IsCompletedSuccessfully));
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task AddKinesisProducer_InvalidOptionInCode_HostStartFailsNamingItAndItsRange()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddKinesisProducer(o =>
        {
            o.Region = LocalAwsServices.Region;
            o.RateLimit = 0;
        });
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => host.StartAsync());
        Assert.Equal("RateLimit", error.ParamName);
        Assert.Contains("between 1 and 100000", error.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task AddKinesisProducer_InvalidOptionInConfiguration_HostStartFailsNamingItAndItsRange()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kinesis:Producer:Region"] = LocalAwsServices.Region,
            ["Kinesis:Producer:RateLimit"] = "0",
        }).Build();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddKinesisProducer(configuration.GetSection("Kinesis:Producer"));
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => host.StartAsync());
        Assert.Equal("RateLimit", error.ParamName);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task AddKinesisProducer_MissingRegion_HostStartFailsNamingIt()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddKinesisProducer(o => o.RateLimit = 80);
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("Region", error.Message, StringComparison.Ordinal);
    }
}
