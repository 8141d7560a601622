using System.Net;
using System.Net.Sockets;
using Kinesis.Client.Hosting;
using Kinesis.Core.Api;
using Kinesis.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Kinesis.Client.Tests.Consumer;

/// <summary>Start-up fails fast, with one exception naming what is missing, instead of running silently for minutes.</summary>
[Collection(LocalAwsCollection.Name)]
public sealed class KinesisConsumerStartTests(LocalAwsFixture fixture)
{
    // Far below the default StartTimeout, so a start that retried a configuration error until then fails the test.
    private static readonly TimeSpan FailFastDeadline = TimeSpan.FromSeconds(15);

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task StartAsync_CallerChangedTheOptionsAfterConstruction_ConsumerKeepsItsOwn()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(1);
        var options = env.CreateOptions("w1");
        await using var consumer = new KinesisConsumer(options, _ => new DelegateShardRecordProcessor((_, _) => Task.CompletedTask));

        // Read by StartAsync: with the caller's object the consumer would look for another stream at a closed port.
        options.StreamName = "changed-after-construction";
        options.Kinesis.ServiceUrl = new Uri("http://127.0.0.1:9");

        using var deadline = new CancellationTokenSource(FailFastDeadline);
        await consumer.StartAsync(deadline.Token);
        await consumer.StopAsync();
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task StartAsync_StreamMissing_FailsNamingStreamAndEndpointAndCreatesNoLeaseTable()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        var consumer = env.CreateConsumer("w1");

        using var deadline = new CancellationTokenSource(FailFastDeadline);
        var ex = await Assert.ThrowsAsync<KinesisConsumerStartException>(() => consumer.StartAsync(deadline.Token));

        Assert.Equal(KinesisConsumerStartFailure.StreamNotFound, ex.Reason);
        Assert.False(ex.IsRetryable);
        Assert.Equal($"Stream '{env.StreamName}' was not found at Kinesis endpoint {fixture.KinesisLocalEndpoint}.", ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
        var tables = await env.DynamoDb.ListTablesAsync();
        Assert.DoesNotContain(env.ApplicationName, tables.TableNames);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task StartAsync_KinesisPortClosed_FailsFastNamingTheEndpoint()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        var closed = new Uri($"http://127.0.0.1:{ClosedPort()}/");
        var consumer = env.CreateConsumer("w1", configure: o => o.Kinesis.ServiceUrl = closed);

        using var deadline = new CancellationTokenSource(FailFastDeadline);
        var ex = await Assert.ThrowsAsync<KinesisConsumerStartException>(() => consumer.StartAsync(deadline.Token));

        Assert.Equal(KinesisConsumerStartFailure.KinesisUnreachable, ex.Reason);
        Assert.Equal(closed, ex.Endpoint);
        Assert.StartsWith($"Kinesis endpoint {closed} is unreachable: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains("refused", ex.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain('\n', ex.Message);
        var tables = await env.DynamoDb.ListTablesAsync();
        Assert.DoesNotContain(env.ApplicationName, tables.TableNames);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task StartAsync_DynamoDbPortClosed_FailsFastNamingTheEndpoint()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(1);
        var closed = new Uri($"http://127.0.0.1:{ClosedPort()}/");
        var consumer = env.CreateConsumer("w1", configure: o =>
        {
            o.DynamoDbClient = null;
            o.DynamoDbServiceUrl = closed;
        });

        using var deadline = new CancellationTokenSource(FailFastDeadline);
        var ex = await Assert.ThrowsAsync<KinesisConsumerStartException>(() => consumer.StartAsync(deadline.Token));

        Assert.Equal(KinesisConsumerStartFailure.LeaseTableUnreachable, ex.Reason);
        Assert.Equal(closed, ex.Endpoint);
        Assert.StartsWith($"DynamoDB endpoint {closed} (lease table '{env.ApplicationName}') is unreachable: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains("refused", ex.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task StartAsync_DynamoDbNeverCompletesTheHandshake_FailsAtTheConnectTimeoutNamingTheEndpoint()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(1);

        // The kernel completes the TCP handshake into the listener's backlog; nobody answers the TLS client hello.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var endpoint = new Uri($"https://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}/");
        var consumer = env.CreateConsumer("w1", configure: o =>
        {
            o.DynamoDbClient = null;
            o.DynamoDbServiceUrl = endpoint;
            o.DynamoDbConnectTimeout = TimeSpan.FromMilliseconds(500);
        });

        using var deadline = new CancellationTokenSource(FailFastDeadline);
        var ex = await Assert.ThrowsAsync<KinesisConsumerStartException>(() => consumer.StartAsync(deadline.Token));

        Assert.Equal(KinesisConsumerStartFailure.LeaseTableUnreachable, ex.Reason);
        Assert.True(ex.IsRetryable);
        Assert.StartsWith($"DynamoDB endpoint {endpoint} (lease table '{env.ApplicationName}') is unreachable: ", ex.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task StartAsync_KinesisFailsTransientlyUntilTheStartTimeout_FailsNamingTheLastErrorAndCreatesNoLeaseTable()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(1);
        var faults = new FaultInjectionHandler()
            .ForTarget("DescribeStreamSummary", Fault.AwsError(HttpStatusCode.ServiceUnavailable, KinesisErrorCodes.ServiceUnavailable, "Slow down."), times: int.MaxValue);
        var consumer = env.CreateConsumer("w1", kinesisHandler: faults, configure: o => o.StartTimeout = TimeSpan.FromSeconds(2));

        using var deadline = new CancellationTokenSource(FailFastDeadline);
        var ex = await Assert.ThrowsAsync<KinesisConsumerStartException>(() => consumer.StartAsync(deadline.Token));

        Assert.Equal(KinesisConsumerStartFailure.KinesisFailed, ex.Reason);
        Assert.True(ex.IsRetryable);
        Assert.StartsWith($"Kinesis endpoint {fixture.KinesisLocalEndpoint} kept failing while describing stream '{env.StreamName}' until StartTimeout (2 s) ran out; last error: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains(KinesisErrorCodes.ServiceUnavailable, ex.Message, StringComparison.Ordinal);
        var tables = await env.DynamoDb.ListTablesAsync();
        Assert.DoesNotContain(env.ApplicationName, tables.TableNames);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task StartAsync_KinesisNeverAnswers_FailsAtTheStartTimeoutSayingSo()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(1);
        var faults = new FaultInjectionHandler().ForTarget("DescribeStreamSummary", Fault.Delay(TimeSpan.FromMinutes(5)), times: int.MaxValue);
        var consumer = env.CreateConsumer("w1", kinesisHandler: faults, configure: o => o.StartTimeout = TimeSpan.FromSeconds(1));

        using var deadline = new CancellationTokenSource(FailFastDeadline);
        var ex = await Assert.ThrowsAsync<KinesisConsumerStartException>(() => consumer.StartAsync(deadline.Token));

        Assert.Equal(KinesisConsumerStartFailure.KinesisFailed, ex.Reason);
        Assert.True(ex.IsRetryable);
        Assert.Equal($"Kinesis endpoint {fixture.KinesisLocalEndpoint} kept failing while describing stream '{env.StreamName}' until StartTimeout (1 s) ran out; no attempt had answered", ex.Message);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task StartAsync_KinesisRefusesAccess_FailsAtOnceWithoutRetrying()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(1);
        var faults = new FaultInjectionHandler()
            .ForTarget("DescribeStreamSummary", Fault.AwsError(HttpStatusCode.BadRequest, "AccessDeniedException", "User is not authorized to perform kinesis:DescribeStreamSummary."), times: int.MaxValue);
        var consumer = env.CreateConsumer("w1", kinesisHandler: faults);

        using var deadline = new CancellationTokenSource(FailFastDeadline);
        var ex = await Assert.ThrowsAsync<KinesisConsumerStartException>(() => consumer.StartAsync(deadline.Token));

        Assert.Equal(KinesisConsumerStartFailure.KinesisFailed, ex.Reason);
        Assert.False(ex.IsRetryable);
        Assert.Equal(1, faults.RequestCount);
        Assert.StartsWith($"Kinesis endpoint {fixture.KinesisLocalEndpoint} failed while describing stream '{env.StreamName}': ", ex.Message, StringComparison.Ordinal);
        Assert.Contains("not authorized", ex.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task StartAsync_AfterAFailedStart_CanBeStartedAgainOnceTheStreamExists()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        var consumer = env.CreateConsumer("w1");
        await Assert.ThrowsAsync<KinesisConsumerStartException>(() => consumer.StartAsync());

        await env.CreateStreamAsync(1);
        var expected = await env.PutRawAsync(keys: 2, first: 0, count: 3);
        await consumer.StartAsync();

        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(expected), TimeSpan.FromSeconds(60), "records delivered after the second start");
        await consumer.StopAsync();
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task AddKinesisConsumer_StreamMissing_HostStartFailsWithTheSameException()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddKinesisConsumer<KinesisConsumerHostingTests.HostedRecordingProcessor>(configure: o =>
        {
            var template = env.CreateOptions("hosted");
            o.ApplicationName = template.ApplicationName;
            o.StreamName = template.StreamName;
            o.Kinesis = template.Kinesis;
            o.DynamoDbClient = template.DynamoDbClient;
            o.Leases = template.Leases;
        });
        builder.Services.AddSingleton(env.Deliveries);
        using var host = builder.Build();

        using var deadline = new CancellationTokenSource(FailFastDeadline);
        var ex = await Assert.ThrowsAsync<KinesisConsumerStartException>(() => host.StartAsync(deadline.Token));

        Assert.Equal(KinesisConsumerStartFailure.StreamNotFound, ex.Reason);
        Assert.Equal($"Stream '{env.StreamName}' was not found at Kinesis endpoint {fixture.KinesisLocalEndpoint}.", ex.Message);
        var tables = await env.DynamoDb.ListTablesAsync();
        Assert.DoesNotContain(env.ApplicationName, tables.TableNames);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task StartAsync_TransientFaultsAtStart_RetriesAndStartsWithLeasesInPlace()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(2);
        var expected = await env.PutRawAsync(keys: 4, first: 0, count: 3);
        var faults = new FaultInjectionHandler()
            .ForTarget("DescribeStreamSummary", Fault.AwsError(HttpStatusCode.ServiceUnavailable, "ServiceUnavailable"), times: 3)
            .ForTarget("ListShards", Fault.AwsError(HttpStatusCode.InternalServerError, KinesisErrorCodes.InternalFailure), times: 3);
        env.DynamoDbHandler.FaultType = "ThrottlingException";
        env.DynamoDbHandler.InjectFaults("DescribeTable", 3);
        var consumer = env.CreateConsumer("w1", kinesisHandler: faults);

        await consumer.StartAsync();

        // The first shard sync is part of the start: its transient failures are retried, so every shard has a lease now.
        Assert.Equal(2, (await env.ListLeasesAsync()).Count);
        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(expected), TimeSpan.FromSeconds(60), "records delivered after a start with transient faults");
        await consumer.StopAsync();
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task AddKinesisConsumer_LocalKinesisEndpointWithoutDynamoDb_HostStartFailsNamingTheMissingOption()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddKinesisConsumer<KinesisConsumerHostingTests.HostedRecordingProcessor>(configure: o =>
        {
            o.ApplicationName = "app";
            o.StreamName = "s";
            o.Kinesis.Region = "us-east-1";
            o.Kinesis.ServiceUrl = new Uri("http://localhost:4567/");
        });
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(nameof(KinesisConsumerOptions.DynamoDbServiceUrl), ex.Message, StringComparison.Ordinal);
        Assert.Contains("AWS DynamoDB", ex.Message, StringComparison.Ordinal);
    }

    internal static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
