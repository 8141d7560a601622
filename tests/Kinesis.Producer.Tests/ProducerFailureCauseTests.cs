using System.Net;
using System.Net.Sockets;
using Kinesis.Core.Api;
using Kinesis.Testing;

namespace Kinesis.Producer.Tests;

/// <summary>Failed records name what went wrong, and a stream that does not exist fails them at once.</summary>
[Collection(LocalAwsCollection.Name)]
public sealed class ProducerFailureCauseTests(LocalAwsFixture fixture)
{
    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task PutAsync_EndpointPortClosed_FailsAtTtlNamingTheConnectionError()
    {
        var port = ClosedLocalPort();
        await using var producer = new KinesisProducer(ProducerTestKit.Options(new Uri($"http://127.0.0.1:{port}/"), configure: o => o.RecordTtl = TimeSpan.FromSeconds(2)));

        var error = await Assert.ThrowsAsync<UserRecordFailedException>(() => producer.PutAsync("any-stream", "k", ProducerTestKit.Payload("k", 0)));

        // The record ran out of time (as the KPL reports it), but the message and Cause say why.
        Assert.Equal(ProducerErrorCodes.Expired, error.ErrorCode);
        Assert.Equal(KinesisErrorCodes.NetworkError, error.Cause?.ErrorCode);
        Assert.Contains($"127.0.0.1:{port}", error.Cause?.ErrorMessage, StringComparison.Ordinal);
        Assert.StartsWith("Expired: The record was not put within RecordTtl (2 s) after ", error.Message, StringComparison.Ordinal);
        Assert.Contains($"attempts; last error: NetworkError: PutRecords failed on the network: ", error.Message, StringComparison.Ordinal);
        Assert.Contains($"(127.0.0.1:{port})", error.Message, StringComparison.Ordinal);
        Assert.Contains("after " + (error.Result.Attempts.Count - 1) + " attempt", error.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task PutAsync_EndpointNeverCompletesTheHandshake_EachAttemptEndsAtTheConnectTimeoutAndTheCauseSaysSo()
    {
        // The kernel completes the TCP handshake into the listener's backlog; nobody answers the TLS client hello.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var endpoint = new Uri($"https://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}/");

        // A request timeout far beyond the time-to-live: only the connect timeout can end an attempt before the record expires.
        await using var producer = new KinesisProducer(ProducerTestKit.Options(endpoint, configure: o =>
        {
            o.RecordTtl = TimeSpan.FromSeconds(5);
            o.RequestTimeout = KinesisProducerOptions.MaxRequestTimeout;
            o.ConnectTimeout = TimeSpan.FromMilliseconds(300);
        }));

        var error = await Assert.ThrowsAsync<UserRecordFailedException>(() => producer.PutAsync("any-stream", "k", ProducerTestKit.Payload("k", 0)));

        Assert.Equal(ProducerErrorCodes.Expired, error.ErrorCode);
        Assert.Equal(KinesisErrorCodes.NetworkError, error.Cause?.ErrorCode);
        Assert.Contains("ConnectTimeout", error.Message, StringComparison.Ordinal);
    }

    [Theory(Timeout = TestTimeouts.Integration)]
    [InlineData(HttpStatusCode.InternalServerError, "InternalFailure")]
    [InlineData(HttpStatusCode.ServiceUnavailable, "ServiceUnavailable")]
    public async Task PutAsync_ServiceErrorUntilTtl_MessageNamesTheServiceErrorNotExpiry(HttpStatusCode status, string errorCode)
    {
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        var stream = LocalAwsFixture.UniqueName("producer-cause");
        await LocalKinesis.CreateStreamAsync(client, stream, shardCount: 1);
        using var faults = new FaultInjectionHandler().ForTarget("PutRecords", Fault.AwsError(status, errorCode), times: int.MaxValue);

        await using var producer = new KinesisProducer(ProducerTestKit.Options(fixture.KinesisLocalEndpoint, faults, o => o.RecordTtl = TimeSpan.FromMilliseconds(800)));
        var error = await Assert.ThrowsAsync<UserRecordFailedException>(() => producer.PutAsync(stream, "k", ProducerTestKit.Payload("k", 0)));

        Assert.Equal(ProducerErrorCodes.Expired, error.ErrorCode);
        Assert.Equal(errorCode, error.Cause?.ErrorCode);
        Assert.Contains($"RecordTtl (800 ms) after {error.Result.Attempts.Count - 1} attempt", error.Message, StringComparison.Ordinal);
        Assert.Contains($"last error: {errorCode}: ", error.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task PutAsync_StreamDoesNotExist_EveryRecordFailsAtOnceWithoutRetries()
    {
        var stream = LocalAwsFixture.UniqueName("producer-missing");

        // A long time-to-live: a record retried until it ran out would fail as Expired, after many attempts.
        await using var producer = new KinesisProducer(ProducerTestKit.Options(fixture.KinesisLocalEndpoint, configure: o => o.RecordTtl = TimeSpan.FromSeconds(20)));
        var puts = Enumerable.Range(0, 50).Select(i => producer.PutAsync(stream, $"k{i}", ProducerTestKit.Payload("k", i))).ToArray();

        foreach (var put in puts)
        {
            var error = await Assert.ThrowsAsync<UserRecordFailedException>(() => put);
            Assert.Equal(KinesisErrorCodes.ResourceNotFound, error.ErrorCode);
            Assert.Same(error.Result.Attempts[^1], error.Cause);
            Assert.Single(error.Result.Attempts);
            Assert.StartsWith($"{KinesisErrorCodes.ResourceNotFound}: Stream '{stream}' does not exist", error.Message, StringComparison.Ordinal);
        }

        Assert.Equal(0, producer.OutstandingRecords);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task PutAsync_StreamDeletedAfterTheShardMapLoaded_FailsAtOnceWithoutRetries()
    {
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        var stream = LocalAwsFixture.UniqueName("producer-deleted");
        await LocalKinesis.CreateStreamAsync(client, stream, shardCount: 1);

        await using var producer = new KinesisProducer(ProducerTestKit.Options(fixture.KinesisLocalEndpoint, configure: o => o.RecordTtl = TimeSpan.FromSeconds(20)));
        Assert.True((await producer.PutAsync(stream, "k", ProducerTestKit.Payload("k", 0))).IsSuccessful);
        await client.DeleteStreamAsync(new DeleteStreamRequest { StreamName = stream });
        await Eventually.HoldsAsync(
            async () =>
            {
                try
                {
                    await client.DescribeStreamSummaryAsync(new DescribeStreamSummaryRequest { StreamName = stream });
                    return false;
                }
                catch (KinesisApiException ex) when (ex.ErrorCode == KinesisErrorCodes.ResourceNotFound)
                {
                    return true;
                }
            },
            TimeSpan.FromSeconds(30),
            "the stream to be deleted");

        // The shard map still names the old shard: the record goes out and PutRecords answers that the stream is gone.
        var error = await Assert.ThrowsAsync<UserRecordFailedException>(() => producer.PutAsync(stream, "k", ProducerTestKit.Payload("k", 1)));

        Assert.Equal(KinesisErrorCodes.ResourceNotFound, error.ErrorCode);
        Assert.Single(error.Result.Attempts);
        Assert.StartsWith($"{KinesisErrorCodes.ResourceNotFound}: ", error.Message, StringComparison.Ordinal);
    }

    /// <summary>A loopback port nothing listens on: bound by the system, then released.</summary>
    internal static int ClosedLocalPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
