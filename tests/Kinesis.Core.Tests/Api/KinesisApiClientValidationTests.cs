using Kinesis.Core.Api;
using Kinesis.Core.Http;
using Kinesis.Testing;

namespace Kinesis.Core.Tests.Api;

public sealed class KinesisApiClientValidationTests : IDisposable
{
    private const string MaxHashKey = "340282366920938463463374607431768211455";
    private readonly FaultInjectionHandler neverCalled = new();
    private readonly KinesisApiClient client;

    public KinesisApiClientValidationTests() =>
        client = ApiTestClients.Create(new Uri("http://127.0.0.1:9/"), neverCalled);

    public static TheoryData<string> BadStreamNames => ["", new string('a', 129), "has space", "slash/name", "ünicode"];

    [Theory(Timeout = TestTimeouts.Unit)]
    [MemberData(nameof(BadStreamNames))]
    public async Task CreateStream_BadName_ThrowsArgumentException(string name)
    {
        var ex = await Assert.ThrowsAnyAsync<ArgumentException>(() => client.CreateStreamAsync(new CreateStreamRequest { StreamName = name, ShardCount = 1 }));

        Assert.Equal("request", ex.ParamName);
        Assert.Equal(0, neverCalled.RequestCount);
    }

    [Theory(Timeout = TestTimeouts.Unit)]
    [InlineData(0, "256")]
    [InlineData(257, "256")]
    public async Task PutRecord_PartitionKeyLength_ThrowsNamingLimit(int length, string limit)
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => client.PutRecordAsync(new PutRecordRequest { StreamName = "s", PartitionKey = new string('k', length), Data = new byte[1] }));

        Assert.Contains(limit, ex.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task PutRecord_DataPlusKeyOverOneMebibyte_ThrowsNamingLimit()
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => client.PutRecordAsync(new PutRecordRequest { StreamName = "s", PartitionKey = "é", Data = new byte[KinesisLimits.MaxRecordSize - 1] }));

        Assert.Contains(KinesisLimits.MaxRecordSize.ToString(System.Globalization.CultureInfo.InvariantCulture), ex.Message, StringComparison.Ordinal);
    }

    [Theory(Timeout = TestTimeouts.Unit)]
    [InlineData("-1")]
    [InlineData("340282366920938463463374607431768211456")]
    [InlineData("1e5")]
    [InlineData(" 5")]
    [InlineData("")]
    public async Task PutRecords_BadExplicitHashKey_Throws(string hashKey)
    {
        var request = new PutRecordsRequest { StreamName = "s", Records = [new PutRecordsRequestEntry { PartitionKey = "k", Data = new byte[1], ExplicitHashKey = hashKey }] };

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => client.PutRecordsAsync(request));

        Assert.Contains("2^128", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IsHashKey_Bounds_AcceptsZeroAndMax()
    {
        Assert.True(KinesisRequestValidator.IsHashKey("0"));
        Assert.True(KinesisRequestValidator.IsHashKey(MaxHashKey));
    }

    [Theory(Timeout = TestTimeouts.Unit)]
    [InlineData(0)]
    [InlineData(501)]
    public async Task PutRecords_RecordCountOutOfRange_ThrowsNaming500(int count)
    {
        var records = Enumerable.Range(0, count).Select(_ => new PutRecordsRequestEntry { PartitionKey = "k", Data = new byte[1] }).ToArray();

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => client.PutRecordsAsync(new PutRecordsRequest { StreamName = "s", Records = records }));

        Assert.Contains("500", ex.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task PutRecords_OverFiveMebibytes_ThrowsNamingLimit()
    {
        var data = new byte[1_000_000];
        var records = Enumerable.Range(0, 6).Select(_ => new PutRecordsRequestEntry { PartitionKey = "k", Data = data }).ToArray();

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => client.PutRecordsAsync(new PutRecordsRequest { StreamName = "s", Records = records }));

        Assert.Contains(KinesisLimits.MaxPutRecordsSize.ToString(System.Globalization.CultureInfo.InvariantCulture), ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, neverCalled.RequestCount);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task GetShardIterator_AtSequenceNumberWithoutSequence_Throws()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => client.GetShardIteratorAsync(new GetShardIteratorRequest { StreamName = "s", ShardId = "x", ShardIteratorType = ShardIteratorType.AtSequenceNumber }));
        await Assert.ThrowsAsync<ArgumentException>(() => client.GetShardIteratorAsync(new GetShardIteratorRequest { StreamName = "s", ShardId = "x", ShardIteratorType = ShardIteratorType.AtTimestamp }));
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task ListShards_NextTokenWithStreamName_Throws()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => client.ListShardsAsync(new ListShardsRequest { StreamName = "s", NextToken = "t" }));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.ListShardsAsync(new ListShardsRequest { StreamName = "s", MaxResults = 0 }));
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task ListStreams_NextTokenWithStartNameOrLimitOutOfRange_ThrowsWithoutSending()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => client.ListStreamsAsync(new ListStreamsRequest { ExclusiveStartStreamName = "s", NextToken = "t" }));
        await Assert.ThrowsAsync<ArgumentException>(() => client.ListStreamsAsync(new ListStreamsRequest { ExclusiveStartStreamName = "has space" }));
        var ex = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.ListStreamsAsync(new ListStreamsRequest { Limit = ListStreamsRequest.MaxLimit + 1 }));
        Assert.Contains("10000", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, neverCalled.RequestCount);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task SplitShard_HashKeyNotDecimal_Throws()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => client.SplitShardAsync(new SplitShardRequest { StreamName = "s", ShardToSplit = "x", NewStartingHashKey = "0x10" }));
    }

    [Fact]
    public void Options_Defaults_AreTheDocumentedConstants()
    {
        var options = new KinesisApiClientOptions();

        Assert.Equal(KinesisApiClientOptions.DefaultRequestTimeout, options.RequestTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), KinesisApiClientOptions.DefaultRequestTimeout);
        Assert.Equal(KinesisApiClientOptions.DefaultMaxConnections, options.MaxConnections);
        Assert.Equal(KinesisApiClientOptions.DefaultConnectTimeout, options.ConnectTimeout);
        Assert.Equal(TimeSpan.FromSeconds(6), KinesisApiClientOptions.DefaultConnectTimeout);
        Assert.False(options.AllowInsecureHttp);
        Assert.False(options.UseHttp2ForRequests);
        Assert.Null(options.Credentials);
        Assert.Null(options.ServiceUrl);
        Assert.Null(options.HttpHandler);
        Assert.Same(TimeProvider.System, options.TimeProvider);
    }

    [Fact]
    public void Options_OutOfRange_ThrowNamingPropertyAndRange()
    {
        var options = new KinesisApiClientOptions();

        var timeout = Assert.Throws<ArgumentOutOfRangeException>(() => options.RequestTimeout = TimeSpan.FromMilliseconds(10));
        var connections = Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxConnections = 0);
        var connect = Assert.Throws<ArgumentOutOfRangeException>(() => options.ConnectTimeout = TimeSpan.FromMinutes(6));

        Assert.Equal(nameof(KinesisApiClientOptions.RequestTimeout), timeout.ParamName);
        Assert.Equal(nameof(KinesisApiClientOptions.MaxConnections), connections.ParamName);
        Assert.Contains("1024", connections.Message, StringComparison.Ordinal);
        Assert.Equal(nameof(KinesisApiClientOptions.ConnectTimeout), connect.ParamName);
    }

    [Theory]
    [InlineData("us-east-1", "https://kinesis.us-east-1.amazonaws.com/")]
    [InlineData("cn-north-1", "https://kinesis.cn-north-1.amazonaws.com.cn/")]
    [InlineData("us-gov-west-1", "https://kinesis.us-gov-west-1.amazonaws.com/")]
    [InlineData("us-iso-east-1", "https://kinesis.us-iso-east-1.c2s.ic.gov/")]
    public void Constructor_RegionOnly_ResolvesPartitionEndpoint(string region, string expected)
    {
        using var regional = new KinesisApiClient(new KinesisApiClientOptions { Region = region, Credentials = new Amazon.Runtime.BasicAWSCredentials("a", "b") });

        Assert.Equal(new Uri(expected), regional.Endpoint);
        Assert.Equal(new Uri("https://monitoring.eu-west-1.amazonaws.com/"), AwsServiceEndpoint.Resolve("monitoring", "eu-west-1"));
    }

    [Theory]
    [InlineData("http://kinesis.internal.example/", false, false)]
    [InlineData("http://kinesis.internal.example/", true, true)]
    [InlineData("http://localhost:4567/", false, true)]
    [InlineData("http://[::1]:4567/", false, true)]
    [InlineData("https://vpce-123.kinesis.us-east-1.vpce.amazonaws.com/", false, true)]
    [InlineData("ftp://example/", true, false)]
    public void Constructor_ServiceUrl_AllowsPlainHttpOnlyToLoopbackOrWithOptIn(string url, bool allowInsecure, bool accepted)
    {
        var options = new KinesisApiClientOptions { Region = "us-east-1", ServiceUrl = new Uri(url), AllowInsecureHttp = allowInsecure };

        var ex = Xunit.Record.Exception(() => new KinesisApiClient(options).Dispose());

        Assert.Equal(accepted, ex is null);
        if (!accepted)
        {
            Assert.IsType<ArgumentException>(ex);
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("US-EAST-1")]
    [InlineData("")]
    public void Constructor_BadRegion_Throws(string? region)
    {
        Assert.ThrowsAny<ArgumentException>(() => new KinesisApiClient(new KinesisApiClientOptions { Region = region }));
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task Dispose_ThenCall_ThrowsObjectDisposed()
    {
        var disposable = ApiTestClients.Create(new Uri("http://127.0.0.1:9/"), new FaultInjectionHandler());
        await disposable.DisposeAsync();
        disposable.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => disposable.ListShardsAsync(new ListShardsRequest { StreamName = "s" }));
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task AnyCall_CredentialProviderFails_ThrowsCredentialsErrorWithoutSending()
    {
        using var handler = new FaultInjectionHandler();
        using var failing = new KinesisApiClient(new KinesisApiClientOptions { Region = "us-east-1", ServiceUrl = new Uri("http://127.0.0.1:9/"), Credentials = new FailingCredentials(), HttpHandler = handler });

        var ex = await Assert.ThrowsAsync<KinesisApiException>(() => failing.ListShardsAsync(new ListShardsRequest { StreamName = "s" }));

        Assert.Equal(KinesisErrorKind.Credentials, ex.Kind);
        Assert.Equal(KinesisErrorCodes.CredentialsUnavailable, ex.ErrorCode);
        Assert.False(ex.IsRetryable);
        Assert.Equal(0, handler.RequestCount);
    }

    public void Dispose()
    {
        client.Dispose();
        neverCalled.Dispose();
    }

    private sealed class FailingCredentials : Amazon.Runtime.AWSCredentials
    {
        public override Amazon.Runtime.ImmutableCredentials GetCredentials() => throw new Amazon.Runtime.AmazonClientException("No credentials in the environment.");
    }
}
