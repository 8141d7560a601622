using Kinesis.Core.Api;
using Kinesis.LocalServices;
using Kinesis.Testing;

namespace Kinesis.Core.Tests.Api;

/// <summary>Streams named by ARN only, and on-demand streams, against kinesis-local (kinesalite knows neither).</summary>
[Collection(LocalAwsCollection.Name)]
public sealed class StreamArnIntegrationTests(LocalAwsFixture fixture)
{
    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task StreamCalls_NamedByArnOnly_SendStreamArnAndNoStreamName()
    {
        using var setup = ApiTestClients.Create(fixture.KinesisLocalEndpoint);
        var name = LocalAwsFixture.UniqueName("arn-only");
        var arn = (await ApiTestClients.CreateActiveStreamAsync(setup, name, 1)).StreamARN!;
        using var recorder = new StreamNamingRecorder();
        using var client = ApiTestClients.Create(fixture.KinesisLocalEndpoint, recorder);

        var summary = await client.WaitForStreamActiveAsync(arn, ApiTestClients.ActiveTimeout);
        var shard = (await client.ListAllShardsAsync(new ListShardsRequest { StreamARN = arn })).Single();
        var one = await client.PutRecordAsync(new PutRecordRequest { StreamARN = arn, PartitionKey = "k", Data = "one"u8.ToArray() });
        await client.PutRecordsAsync(new PutRecordsRequest { StreamARN = arn, Records = [new PutRecordsRequestEntry { PartitionKey = "k", Data = "two"u8.ToArray() }] });
        var iterator = await client.GetShardIteratorAsync(new GetShardIteratorRequest { StreamARN = arn, ShardId = shard.ShardId, ShardIteratorType = ShardIteratorType.AtSequenceNumber, StartingSequenceNumber = one.SequenceNumber });
        var read = await client.GetRecordsAsync(new GetRecordsRequest { StreamARN = arn, ShardIterator = iterator.ShardIterator });
        await client.UpdateShardCountAsync(new UpdateShardCountRequest { StreamARN = arn, TargetShardCount = 2 });

        Assert.Equal(name, summary.StreamName);
        Assert.Equal(["one", "two"], read.Records.Select(r => System.Text.Encoding.UTF8.GetString(r.Data.Span)));
        var sent = recorder.Requests.ToArray();
        Assert.Equal(
            ["DescribeStreamSummary", "ListShards", "PutRecord", "PutRecords", "GetShardIterator", "GetRecords", "UpdateShardCount"],
            sent.Select(r => r.Operation));
        Assert.All(sent, r => Assert.Equal((null, arn), (r.StreamName, r.StreamArn)));
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task CreateStream_OnDemandThenWrittenAndReadByArn_RoundTrips()
    {
        using var client = ApiTestClients.Create(fixture.KinesisLocalEndpoint);
        var name = LocalAwsFixture.UniqueName("on-demand-arn");
        await client.CreateStreamAsync(new CreateStreamRequest { StreamName = name, StreamMode = StreamMode.OnDemand });
        var arn = (await client.WaitForStreamActiveAsync(name, ApiTestClients.ActiveTimeout)).StreamARN!;

        var put = await client.PutRecordAsync(new PutRecordRequest { StreamARN = arn, PartitionKey = "k", Data = "on-demand"u8.ToArray() });
        var iterator = await client.GetShardIteratorAsync(new GetShardIteratorRequest { StreamARN = arn, ShardId = put.ShardId, ShardIteratorType = ShardIteratorType.TrimHorizon });
        var read = await client.GetRecordsAsync(new GetRecordsRequest { ShardIterator = iterator.ShardIterator });

        Assert.Equal(StreamMode.OnDemand, (await client.DescribeStreamSummaryAsync(new DescribeStreamSummaryRequest { StreamARN = arn })).StreamDescriptionSummary.StreamMode);
        Assert.Equal("on-demand", System.Text.Encoding.UTF8.GetString(Assert.Single(read.Records).Data.Span));
        Assert.StartsWith($"arn:aws:kinesis:{LocalAwsServices.Region}:", arn, StringComparison.Ordinal);
    }
}
