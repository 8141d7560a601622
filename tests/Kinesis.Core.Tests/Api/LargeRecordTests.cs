using System.Globalization;
using Amazon.Runtime;
using Kinesis.Core.Aggregation;
using Kinesis.Core.Api;
using Kinesis.LocalServices;
using Kinesis.Testing;

namespace Kinesis.Core.Tests.Api;

/// <summary>Records above 1 MiB (up to 10 MiB) for streams whose maximum record size is raised.</summary>
[Collection(LocalAwsCollection.Name)]
public sealed class LargeRecordTests(LocalAwsFixture fixture)
{
    private const int TwoMebibytes = 2 * 1024 * 1024;

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task PutRecord_AboveOneMebibyteAtTheDefaultLimit_ThrowsNamingTheOptionAndTheLimit()
    {
        using var neverCalled = new FaultInjectionHandler();
        using var client = Create(new Uri("http://127.0.0.1:9/"), neverCalled);

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => client.PutRecordAsync(new PutRecordRequest { StreamName = "s", PartitionKey = "k", Data = new byte[TwoMebibytes] }));

        Assert.Contains("KinesisApiClientOptions.MaxRecordSize", ex.Message, StringComparison.Ordinal);
        Assert.Contains(KinesisLimits.MaxRecordSize.ToString(CultureInfo.InvariantCulture), ex.Message, StringComparison.Ordinal);
        Assert.Contains(KinesisLimits.MaxLargeRecordSize.ToString(CultureInfo.InvariantCulture), ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, neverCalled.RequestCount);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task PutRecords_RaisedLimit_AcceptsTenMebibytesInAllAndRefusesOneByteMore()
    {
        using var handler = new FaultInjectionHandler().When(_ => true, Fault.Respond(System.Net.HttpStatusCode.OK, """{"FailedRecordCount":0,"Records":[{"SequenceNumber":"1","ShardId":"shardId-000000000000"}]}"""), times: 10);
        using var client = Create(new Uri("http://127.0.0.1:9/"), handler, KinesisLimits.MaxLargeRecordSize);
        var tenMebibytes = new byte[KinesisLimits.MaxLargeRecordSize - 1];

        await client.PutRecordsAsync(new PutRecordsRequest { StreamName = "s", Records = [new PutRecordsRequestEntry { PartitionKey = "k", Data = tenMebibytes }] });
        var tooLarge = await Assert.ThrowsAsync<ArgumentException>(() => client.PutRecordsAsync(new PutRecordsRequest
        {
            StreamName = "s",
            Records = [new PutRecordsRequestEntry { PartitionKey = "k", Data = new byte[KinesisLimits.MaxLargeRecordSize / 2] }, new PutRecordsRequestEntry { PartitionKey = "k", Data = new byte[KinesisLimits.MaxLargeRecordSize / 2] }],
        }));
        var recordTooLarge = await Assert.ThrowsAsync<ArgumentException>(() => client.PutRecordAsync(new PutRecordRequest { StreamName = "s", PartitionKey = "kk", Data = tenMebibytes }));

        Assert.Equal(1, handler.RequestCount);
        Assert.Contains(KinesisLimits.MaxLargePutRecordsSize.ToString(CultureInfo.InvariantCulture), tooLarge.Message, StringComparison.Ordinal);
        Assert.Contains("KinesisApiClientOptions.MaxRecordSize", recordTooLarge.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(KinesisLimits.MaxRecordSize - 1)]
    [InlineData(KinesisLimits.MaxLargeRecordSize + 1)]
    public void MaxRecordSizeOption_OutOfRange_ThrowsNamingTheRange(int value)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new KinesisApiClientOptions { MaxRecordSize = value });

        Assert.Equal(nameof(KinesisApiClientOptions.MaxRecordSize), ex.ParamName);
        Assert.Contains(KinesisLimits.MaxLargeRecordSize.ToString(CultureInfo.InvariantCulture), ex.Message, StringComparison.Ordinal);
    }

    [Theory(Timeout = TestTimeouts.Unit)]
    [InlineData(1023)]
    [InlineData(10241)]
    public async Task StreamMaxRecordSize_OutOfRange_ThrowsBeforeSending(int kib)
    {
        using var neverCalled = new FaultInjectionHandler();
        using var client = Create(new Uri("http://127.0.0.1:9/"), neverCalled);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.UpdateMaxRecordSizeAsync(new UpdateMaxRecordSizeRequest { StreamARN = "arn:aws:kinesis:us-east-1:000000000000:stream/s", MaxRecordSizeInKiB = kib }));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.CreateStreamAsync(new CreateStreamRequest { StreamName = "s", ShardCount = 1, MaxRecordSizeInKiB = kib }));

        Assert.Equal(0, neverCalled.RequestCount);
    }

    [Fact]
    public void Deaggregate_AggregateOfTwoFourMebibyteRecords_DeliversBothWhole()
    {
        using var aggregator = new RecordAggregator(KinesisLimits.MaxLargeRecordSize);
        var first = ApiTestClients.Bytes(4 * 1024 * 1024, 1);
        var second = ApiTestClients.Bytes(4 * 1024 * 1024, 2);
        Assert.True(aggregator.TryAdd("a", first));
        Assert.True(aggregator.TryAdd("b", second));
        var encoded = new System.Buffers.ArrayBufferWriter<byte>();
        aggregator.Encode(encoded);
        var records = new List<DeaggregatedRecord>();

        new Deaggregator().Deaggregate(new KinesisRecordInput(encoded.WrittenMemory, "a", "1", DateTimeOffset.UtcNow), records);

        Assert.Equal(2, records.Count);
        Assert.True(records[0].Data.Span.SequenceEqual(first));
        Assert.True(records[1].Data.Span.SequenceEqual(second));
        Assert.True(encoded.WrittenCount > KinesisLimits.MaxRecordSize * 8);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task KinesisLocal_StreamRaisedToTwoMebibytes_TakesAndReturnsARecordAboveOneMebibyte()
    {
        using var client = Create(fixture.KinesisLocalEndpoint, maxRecordSize: TwoMebibytes);
        var name = LocalAwsFixture.UniqueName("large");
        var arn = (await ApiTestClients.CreateActiveStreamAsync(client, name, 1)).StreamARN!;

        await client.UpdateMaxRecordSizeAsync(new UpdateMaxRecordSizeRequest { StreamARN = arn, MaxRecordSizeInKiB = TwoMebibytes / 1024 });
        var summary = await client.WaitForStreamActiveAsync(arn, ApiTestClients.ActiveTimeout);
        var data = ApiTestClients.Bytes((TwoMebibytes * 3) / 4, 7);
        var put = await client.PutRecordsAsync(new PutRecordsRequest { StreamARN = arn, Records = [new PutRecordsRequestEntry { PartitionKey = "big", Data = data }] });
        var iterator = await client.GetShardIteratorAsync(new GetShardIteratorRequest { StreamARN = arn, ShardId = put.Records[0].ShardId!, ShardIteratorType = ShardIteratorType.TrimHorizon });
        var read = await client.GetRecordsAsync(new GetRecordsRequest { ShardIterator = iterator.ShardIterator });

        Assert.Equal(TwoMebibytes / 1024, summary.MaxRecordSizeInKiB);
        Assert.Equal(0, put.FailedRecordCount);
        Assert.True(Assert.Single(read.Records).Data.Span.SequenceEqual(data));
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task KinesisLocal_CreateStreamWithMaxRecordSize_ReportsIt()
    {
        using var client = Create(fixture.KinesisLocalEndpoint);
        var name = LocalAwsFixture.UniqueName("large-create");

        await client.CreateStreamAsync(new CreateStreamRequest { StreamName = name, ShardCount = 1, MaxRecordSizeInKiB = KinesisLimits.MaxMaxRecordSizeInKiB });
        var summary = await client.WaitForStreamActiveAsync(name, ApiTestClients.ActiveTimeout);

        Assert.Equal(KinesisLimits.MaxMaxRecordSizeInKiB, summary.MaxRecordSizeInKiB);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task KinesisLocal_DefaultStream_RefusesARecordAboveOneMebibyteByItsOwnLimit()
    {
        using var client = Create(fixture.KinesisLocalEndpoint, maxRecordSize: TwoMebibytes);
        var name = LocalAwsFixture.UniqueName("large-default");
        await ApiTestClients.CreateActiveStreamAsync(client, name, 1);

        var put = await client.PutRecordsAsync(new PutRecordsRequest { StreamName = name, Records = [new PutRecordsRequestEntry { PartitionKey = "k", Data = new byte[1_500_000] }] });

        Assert.Equal(1, put.FailedRecordCount);
        Assert.Equal("InvalidArgumentException", put.Records[0].ErrorCode);
        Assert.Contains("1048576", put.Records[0].ErrorMessage, StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task Kinesalite_RecordAboveOneMebibyte_RefusedWhateverTheStreamSays()
    {
        using var client = Create(fixture.KinesaliteEndpoint, maxRecordSize: TwoMebibytes);
        var name = LocalAwsFixture.UniqueName("large-kinesalite");
        await client.CreateStreamAsync(new CreateStreamRequest { StreamName = name, ShardCount = 1, MaxRecordSizeInKiB = TwoMebibytes / 1024 });
        var summary = await client.WaitForStreamActiveAsync(name, ApiTestClients.ActiveTimeout);

        var error = await Assert.ThrowsAsync<KinesisApiException>(() => client.PutRecordAsync(new PutRecordRequest { StreamName = name, PartitionKey = "k", Data = new byte[1_500_000] }));

        Assert.Null(summary.MaxRecordSizeInKiB);
        Assert.Equal("ValidationException", error.ErrorCode);
        Assert.False(error.IsRetryable);
    }

    private static KinesisApiClient Create(Uri endpoint, HttpMessageHandler? handler = null, int maxRecordSize = KinesisLimits.MaxRecordSize) =>
        new(new KinesisApiClientOptions
        {
            Region = LocalAwsServices.Region,
            ServiceUrl = endpoint,
            Credentials = new BasicAWSCredentials(LocalAwsServices.AccessKeyId, LocalAwsServices.SecretAccessKey),
            HttpHandler = handler,
            MaxRecordSize = maxRecordSize,
        });
}
