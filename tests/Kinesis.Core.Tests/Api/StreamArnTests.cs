using Kinesis.Core.Api;
using Kinesis.Testing;

namespace Kinesis.Core.Tests.Api;

public sealed class StreamArnTests : IDisposable
{
    private const string Arn = "arn:aws:kinesis:us-east-1:123456789012:stream/orders";
    private readonly FaultInjectionHandler neverCalled = new();
    private readonly KinesisApiClient client;

    // ApiTestClients signs for LocalAwsServices.Region (us-east-1).
    public StreamArnTests() => client = ApiTestClients.Create(new Uri("http://127.0.0.1:9/"), neverCalled);

    public static TheoryData<string> NotStreamArns =>
    [
        "orders",
        "arn:aws:kinesis:us-east-1:123456789012:stream/",
        "arn:aws:kinesis:us-east-1:12345678901:stream/orders",
        "arn:aws:sqs:us-east-1:123456789012:stream/orders",
        "arn:gcp:kinesis:us-east-1:123456789012:stream/orders",
        "arn:aws:kinesis:US-EAST-1:123456789012:stream/orders",
        "arn:aws:kinesis:us-east-1:123456789012:table/orders",
        "arn:aws:kinesis:us-east-1:123456789012:stream/orders/consumer/c:1700000000",
        "arn:aws:kinesis:us-east-1:123456789012:stream/has space",
    ];

    [Fact]
    public void Parse_StreamArn_SplitsItsParts()
    {
        var arn = StreamArn.Parse("arn:aws-cn:kinesis:cn-north-1:123456789012:stream/a_b.c-d", expectedRegion: null, "stream");

        Assert.Equal(("aws-cn", "cn-north-1", "123456789012", "a_b.c-d"), (arn.Partition, arn.Region, arn.AccountId, arn.StreamName));
        Assert.True(StreamArn.IsArn(arn.Value));
        Assert.False(StreamArn.IsArn("orders"));
    }

    [Theory]
    [MemberData(nameof(NotStreamArns))]
    public void Parse_NotAStreamArn_ThrowsNamingTheArgumentAndTheForm(string value)
    {
        var ex = Assert.Throws<ArgumentException>(() => StreamArn.Parse(value, expectedRegion: null, "stream"));

        Assert.Equal("stream", ex.ParamName);
        Assert.Contains("arn:<partition>:kinesis:<region>:<12-digit account>:stream/<name>", ex.Message, StringComparison.Ordinal);
        Assert.False(StreamArn.TryParse(value, out _));
    }

    [Fact]
    public void Parse_ArnOfAnotherRegion_ThrowsNamingBothRegions()
    {
        var ex = Assert.Throws<ArgumentException>(() => StreamArn.Parse("arn:aws:kinesis:eu-west-1:123456789012:stream/orders", "us-east-1", "stream"));

        Assert.Equal("stream", ex.ParamName);
        Assert.Contains("'eu-west-1'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'us-east-1'", ex.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task ApiClient_StreamArnOfAnotherRegion_ThrowsBeforeSendingOnEveryStreamCall()
    {
        const string Other = "arn:aws:kinesis:eu-west-1:123456789012:stream/orders";
        Func<Task>[] calls =
        [
            () => client.DescribeStreamSummaryAsync(new DescribeStreamSummaryRequest { StreamARN = Other }),
            () => client.ListShardsAsync(new ListShardsRequest { StreamARN = Other }),
            () => client.PutRecordAsync(new PutRecordRequest { StreamARN = Other, PartitionKey = "k", Data = new byte[1] }),
            () => client.PutRecordsAsync(new PutRecordsRequest { StreamARN = Other, Records = [new PutRecordsRequestEntry { PartitionKey = "k", Data = new byte[1] }] }),
            () => client.GetShardIteratorAsync(new GetShardIteratorRequest { StreamARN = Other, ShardId = "shardId-000000000000", ShardIteratorType = ShardIteratorType.Latest }),
            () => client.GetRecordsAsync(new GetRecordsRequest { StreamARN = Other, ShardIterator = "it" }),
            () => client.UpdateShardCountAsync(new UpdateShardCountRequest { StreamARN = Other, TargetShardCount = 2 }),
            () => client.SplitShardAsync(new SplitShardRequest { StreamARN = Other, ShardToSplit = "s", NewStartingHashKey = "1" }),
            () => client.MergeShardsAsync(new MergeShardsRequest { StreamARN = Other, ShardToMerge = "a", AdjacentShardToMerge = "b" }),
            () => client.DeleteStreamAsync(new DeleteStreamRequest { StreamARN = Other }),
            () => client.UpdateMaxRecordSizeAsync(new UpdateMaxRecordSizeRequest { StreamARN = Other, MaxRecordSizeInKiB = 2048 }),
            () => client.RegisterStreamConsumerAsync(new RegisterStreamConsumerRequest { StreamARN = Other, ConsumerName = "c" }),
            () => client.ListStreamConsumersAsync(new ListStreamConsumersRequest { StreamARN = Other }),
            () => client.DescribeStreamConsumerAsync(new StreamConsumerRequest { StreamARN = Other, ConsumerName = "c" }),
            () => client.WaitForStreamActiveAsync(Other, TimeSpan.FromSeconds(1)),
        ];

        foreach (var call in calls)
        {
            var ex = await Assert.ThrowsAnyAsync<ArgumentException>(call);
            Assert.Contains("'eu-west-1'", ex.Message, StringComparison.Ordinal);
        }

        Assert.Equal(0, neverCalled.RequestCount);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task ApiClient_NameAndArnOfDifferentStreams_ThrowsBeforeSending()
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => client.DescribeStreamSummaryAsync(new DescribeStreamSummaryRequest { StreamName = "payments", StreamARN = Arn }));

        Assert.Equal("request", ex.ParamName);
        Assert.Contains("different streams", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, neverCalled.RequestCount);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task ApiClient_MalformedArn_ThrowsBeforeSending()
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => client.ListShardsAsync(new ListShardsRequest { StreamARN = "arn:aws:kinesis:us-east-1:123:stream/orders" }));

        Assert.Contains("12 digits", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, neverCalled.RequestCount);
    }

    public void Dispose()
    {
        client.Dispose();
        neverCalled.Dispose();
    }
}
