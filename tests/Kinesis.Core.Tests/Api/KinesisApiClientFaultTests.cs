using System.Net;
using Kinesis.Core.Api;
using Kinesis.LocalServices;
using Kinesis.Testing;

namespace Kinesis.Core.Tests.Api;

/// <summary>Faults no emulator produces, injected into the real HTTP pipeline in front of kinesalite or kinesis-local.</summary>
[Collection(LocalAwsCollection.Name)]
public sealed class KinesisApiClientFaultTests(LocalAwsFixture fixture)
{
    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task PutRecords_Throttled_ThrowsThrottlingServiceErrorWithRequestId()
    {
        var faults = new FaultInjectionHandler().ForTarget("PutRecords", Fault.AwsError(HttpStatusCode.BadRequest, "ProvisionedThroughputExceededException", "Rate exceeded for shard"));
        using var client = ApiTestClients.Create(fixture.KinesaliteEndpoint, faults);

        var ex = await Assert.ThrowsAsync<KinesisApiException>(() => client.PutRecordsAsync(OneRecord("any-stream")));

        Assert.Equal(KinesisErrorKind.Service, ex.Kind);
        Assert.Equal(KinesisErrorCodes.ProvisionedThroughputExceeded, ex.ErrorCode);
        Assert.Equal(400, ex.StatusCode);
        Assert.True(ex.IsThrottling);
        Assert.True(ex.IsRetryable);
        Assert.StartsWith("fault-injection-", ex.RequestId, StringComparison.Ordinal);
        Assert.Contains("Rate exceeded", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(LocalAwsServices.SecretAccessKey, ex.ToString(), StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task GetRecords_NamespacedKmsThrottlingType_NormalizesCode()
    {
        var faults = new FaultInjectionHandler().ForTarget("GetRecords", Fault.AwsError(HttpStatusCode.BadRequest, "com.amazonaws.kinesis.v20131202#KMSThrottlingException"));
        using var client = ApiTestClients.Create(fixture.KinesaliteEndpoint, faults);

        var ex = await Assert.ThrowsAsync<KinesisApiException>(() => client.GetRecordsAsync(new GetRecordsRequest { ShardIterator = "AAAA" }));

        Assert.Equal(KinesisErrorCodes.KmsThrottling, ex.ErrorCode);
        Assert.True(ex.IsThrottling);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task DescribeStreamSummary_InternalServerError_IsRetryableServiceError()
    {
        var faults = new FaultInjectionHandler().ForRequest(1, Fault.Respond(HttpStatusCode.InternalServerError, "<html>oops</html>", "text/html"));
        using var client = ApiTestClients.Create(fixture.KinesaliteEndpoint, faults);

        var ex = await Assert.ThrowsAsync<KinesisApiException>(() => client.DescribeStreamSummaryAsync(new DescribeStreamSummaryRequest { StreamName = "s" }));

        Assert.Equal(KinesisErrorKind.Service, ex.Kind);
        Assert.Equal("Http500", ex.ErrorCode);
        Assert.Equal(500, ex.StatusCode);
        Assert.True(ex.IsRetryable);
        Assert.False(ex.IsThrottling);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task PutRecords_MalformedJsonResponse_ThrowsMalformedResponse()
    {
        var faults = new FaultInjectionHandler().ForTarget("PutRecords", Fault.Respond(HttpStatusCode.OK, """{"FailedRecordCount":0,"Records":[{"SequenceNumber":"""));
        using var client = ApiTestClients.Create(fixture.KinesaliteEndpoint, faults);

        var ex = await Assert.ThrowsAsync<KinesisApiException>(() => client.PutRecordsAsync(OneRecord("any-stream")));

        Assert.Equal(KinesisErrorKind.MalformedResponse, ex.Kind);
        Assert.Equal(200, ex.StatusCode);
        Assert.False(ex.IsRetryable);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task ListShards_ConnectionReset_ThrowsRetryableNetworkError()
    {
        var faults = new FaultInjectionHandler().ForRequest(1, Fault.Reset());
        using var client = ApiTestClients.Create(fixture.KinesaliteEndpoint, faults);

        var ex = await Assert.ThrowsAsync<KinesisApiException>(() => client.ListShardsAsync(new ListShardsRequest { StreamName = "s" }));

        Assert.Equal(KinesisErrorKind.Network, ex.Kind);
        Assert.Equal(KinesisErrorCodes.NetworkError, ex.ErrorCode);
        Assert.True(ex.IsRetryable);
        Assert.Null(ex.StatusCode);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task DescribeStreamSummary_ResponseBodyResetMidway_ThrowsNetworkError()
    {
        var name = LocalAwsFixture.UniqueName("bodyreset");
        var faults = new FaultInjectionHandler();
        using var client = ApiTestClients.Create(fixture.KinesaliteEndpoint, faults);
        await ApiTestClients.CreateActiveStreamAsync(client, name, 1);
        faults.ForTarget("DescribeStreamSummary", Fault.ResetResponseBodyAfter(20));

        var ex = await Assert.ThrowsAsync<KinesisApiException>(() => client.DescribeStreamSummaryAsync(new DescribeStreamSummaryRequest { StreamName = name }));

        Assert.Equal(KinesisErrorKind.Network, ex.Kind);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task DescribeStreamSummary_ResponseTruncated_ThrowsMalformedResponse()
    {
        var name = LocalAwsFixture.UniqueName("truncated");
        var faults = new FaultInjectionHandler();
        using var client = ApiTestClients.Create(fixture.KinesaliteEndpoint, faults);
        await ApiTestClients.CreateActiveStreamAsync(client, name, 1);
        faults.ForTarget("DescribeStreamSummary", Fault.TruncateResponseBody(30));

        var ex = await Assert.ThrowsAsync<KinesisApiException>(() => client.DescribeStreamSummaryAsync(new DescribeStreamSummaryRequest { StreamName = name }));

        Assert.Equal(KinesisErrorKind.MalformedResponse, ex.Kind);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task ListShards_ServerStalls_ThrowsTimeoutNotCancellation()
    {
        var faults = new FaultInjectionHandler().ForRequest(1, Fault.Delay(TimeSpan.FromSeconds(30)));
        using var client = ApiTestClients.Create(fixture.KinesaliteEndpoint, faults, requestTimeout: TimeSpan.FromMilliseconds(300));

        var ex = await Assert.ThrowsAsync<KinesisApiException>(() => client.ListShardsAsync(new ListShardsRequest { StreamName = "s" }));

        Assert.Equal(KinesisErrorKind.Timeout, ex.Kind);
        Assert.Equal(KinesisErrorCodes.RequestTimeout, ex.ErrorCode);
        Assert.True(ex.IsRetryable);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task ListShards_CallerCancels_ThrowsOperationCanceled()
    {
        var faults = new FaultInjectionHandler().ForRequest(1, Fault.Delay(TimeSpan.FromSeconds(30)));
        using var client = ApiTestClients.Create(fixture.KinesaliteEndpoint, faults);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.ListShardsAsync(new ListShardsRequest { StreamName = "s" }, cancel.Token));
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task DescribeStreamSummary_SignatureExpiredWithServerDate_ResignsOnceAndSucceeds()
    {
        var name = LocalAwsFixture.UniqueName("skew");
        var faults = new FaultInjectionHandler();
        using var client = ApiTestClients.Create(fixture.KinesaliteEndpoint, faults);
        await ApiTestClients.CreateActiveStreamAsync(client, name, 1);
        var skewError = Fault.AwsError(HttpStatusCode.BadRequest, "InvalidSignatureException", "Signature expired: 20260101T000000Z is now earlier than 20260101T001000Z (20260101T000500Z - 5 min.)");
        faults.ForTarget("DescribeStreamSummary", ServerDateAhead(skewError, TimeSpan.FromMinutes(15)));
        var before = faults.RequestCount;

        var summary = await client.DescribeStreamSummaryAsync(new DescribeStreamSummaryRequest { StreamName = name });

        Assert.Equal(name, summary.StreamDescriptionSummary.StreamName);
        Assert.Equal(2, faults.RequestCount - before);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task DescribeStreamSummary_SkewErrorTwice_ThrowsAfterOneResign()
    {
        var faults = new FaultInjectionHandler();
        using var client = ApiTestClients.Create(fixture.KinesaliteEndpoint, faults);
        var skewError = Fault.AwsError(HttpStatusCode.BadRequest, "InvalidSignatureException", "Signature expired");
        faults.ForTarget("DescribeStreamSummary", ServerDateAhead(skewError, TimeSpan.FromMinutes(15)));
        faults.ForTarget("DescribeStreamSummary", ServerDateAhead(skewError, TimeSpan.FromMinutes(45)));

        var ex = await Assert.ThrowsAsync<KinesisApiException>(() => client.DescribeStreamSummaryAsync(new DescribeStreamSummaryRequest { StreamName = "s" }));

        Assert.Equal("InvalidSignatureException", ex.ErrorCode);
        Assert.Equal(2, faults.RequestCount);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task SubscribeToShard_CorruptFrame_ThrowsMalformedResponse()
    {
        var frame = EventStreamFrames.RecordsEvent("1", ("k", [1, 2, 3]));
        frame[^6] ^= 0x55;
        var faults = new FaultInjectionHandler().ForTarget("SubscribeToShard", Fault.Respond(HttpStatusCode.OK, () => new MemoryStream(frame), EventStreamFrames.ContentType));
        using var client = ApiTestClients.Create(fixture.KinesisLocalEndpoint, faults);

        var ex = await Assert.ThrowsAsync<KinesisApiException>(() => DrainAsync(client));

        Assert.Equal(KinesisErrorKind.MalformedResponse, ex.Kind);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task SubscribeToShard_TruncatedFrame_ThrowsMalformedResponse()
    {
        var frame = EventStreamFrames.RecordsEvent("1", ("k", [1, 2, 3]));
        var faults = new FaultInjectionHandler().ForTarget("SubscribeToShard", Fault.Respond(HttpStatusCode.OK, () => new MemoryStream(frame[..^20]), EventStreamFrames.ContentType));
        using var client = ApiTestClients.Create(fixture.KinesisLocalEndpoint, faults);

        var ex = await Assert.ThrowsAsync<KinesisApiException>(() => DrainAsync(client));

        Assert.Equal(KinesisErrorKind.MalformedResponse, ex.Kind);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task SubscribeToShard_ResetMidStream_ThrowsNetworkError()
    {
        var body = EventStreamFrames.Concat(EventStreamFrames.RecordsEvent("1"), EventStreamFrames.RecordsEvent("2"));
        var faults = new FaultInjectionHandler().ForTarget("SubscribeToShard", Fault.Respond(HttpStatusCode.OK, () => Fault.ResettingStream(body, body.Length - 7), EventStreamFrames.ContentType));
        using var client = ApiTestClients.Create(fixture.KinesisLocalEndpoint, faults);

        var ex = await Assert.ThrowsAsync<KinesisApiException>(() => DrainAsync(client));

        Assert.Equal(KinesisErrorKind.Network, ex.Kind);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task SubscribeToShard_ErrorResponse_ThrowsServiceError()
    {
        var faults = new FaultInjectionHandler().ForTarget("SubscribeToShard", Fault.AwsError(HttpStatusCode.BadRequest, "ResourceInUseException", "Another subscription is active"));
        using var client = ApiTestClients.Create(fixture.KinesisLocalEndpoint, faults);

        var ex = await Assert.ThrowsAsync<KinesisApiException>(() => DrainAsync(client));

        Assert.Equal(KinesisErrorCodes.ResourceInUse, ex.ErrorCode);
        Assert.Equal(400, ex.StatusCode);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task SubscribeToShard_RealSubscriptionResetAfterFirstBytes_ThrowsNetworkError()
    {
        var faults = new FaultInjectionHandler();
        using var client = ApiTestClients.Create(fixture.KinesisLocalEndpoint, faults);
        var name = LocalAwsFixture.UniqueName("subreset");
        var stream = await ApiTestClients.CreateActiveStreamAsync(client, name, 1);
        var shardId = (await client.ListShardsAsync(new ListShardsRequest { StreamName = name })).Shards.Single().ShardId;
        var consumer = await client.RegisterStreamConsumerAsync(new RegisterStreamConsumerRequest { StreamARN = stream.StreamARN!, ConsumerName = "resetter" });
        await client.WaitForConsumerActiveAsync(consumer.Consumer.ConsumerARN, ApiTestClients.ActiveTimeout);
        faults.ForTarget("SubscribeToShard", Fault.ResetResponseBodyAfter(40));
        var request = new SubscribeToShardRequest { ConsumerARN = consumer.Consumer.ConsumerARN, ShardId = shardId, StartingPosition = new StartingPosition { Type = ShardIteratorType.TrimHorizon } };

        var ex = await Assert.ThrowsAsync<KinesisApiException>(async () =>
        {
            await foreach (var e in client.SubscribeToShardAsync(request))
            {
                Assert.Fail("The first frame is longer than 40 bytes, so no event can arrive.");
            }
        });

        Assert.Equal(KinesisErrorKind.Network, ex.Kind);
        Assert.True(ex.IsRetryable);
    }

    private static Fault ServerDateAhead(Fault inner, TimeSpan ahead) =>
        inner.WithResponse(r => r.Headers.Date = DateTimeOffset.UtcNow + ahead);

    private static PutRecordsRequest OneRecord(string stream) =>
        new() { StreamName = stream, Records = [new PutRecordsRequestEntry { PartitionKey = "k", Data = new byte[] { 1 } }] };

    private static async Task DrainAsync(KinesisApiClient client)
    {
        var request = new SubscribeToShardRequest
        {
            ConsumerARN = "arn:aws:kinesis:us-east-1:000000000000:stream/s/consumer/c:1",
            ShardId = "shardId-000000000000",
            StartingPosition = new StartingPosition { Type = ShardIteratorType.Latest },
        };
        await foreach (var e in client.SubscribeToShardAsync(request))
        {
            Assert.NotNull(e);
        }
    }
}
