using System.Text;
using System.Text.Json;
using Kinesis.Core.Api;
using Kinesis.Core.Api.Serialization;
using Kinesis.Core.Hashing;

namespace Kinesis.Core.Tests.Api;

/// <summary>
/// The control-plane bodies written and read through the source-generated context: the wire format and the parsing rules
/// (required members named, absent lists empty, unknown statuses Unknown) of the hand-written writer and parser it replaced.
/// </summary>
public sealed class ControlPlaneJsonTests
{
    [Fact]
    public void Requests_AllOptionalMembersUnset_WriteOnlyWhatIsSet()
    {
        Assert.Equal("""{"StreamName":"s","ShardCount":2}""", Write(new CreateStreamRequest { StreamName = "s", ShardCount = 2 }, ControlPlaneJson.CreateStream));
        Assert.Equal("""{"StreamName":"s"}""", Write(new DeleteStreamRequest { StreamName = "s" }, ControlPlaneJson.DeleteStream));
        Assert.Equal("""{"StreamARN":"a","EnforceConsumerDeletion":true}""", Write(new DeleteStreamRequest { StreamARN = "a", EnforceConsumerDeletion = true }, ControlPlaneJson.DeleteStream));
        Assert.Equal("""{"StreamName":"s","TargetShardCount":4,"ScalingType":"UNIFORM_SCALING"}""", Write(new UpdateShardCountRequest { StreamName = "s", TargetShardCount = 4 }, ControlPlaneJson.UpdateShardCount));
        Assert.Equal("""{"StreamName":"s","ShardToSplit":"shardId-0","NewStartingHashKey":"170141183460469231731687303715884105728"}""", Write(new SplitShardRequest { StreamName = "s", ShardToSplit = "shardId-0", NewStartingHashKey = "170141183460469231731687303715884105728" }, ControlPlaneJson.SplitShard));
        Assert.Equal("""{"StreamARN":"a","ShardToMerge":"x","AdjacentShardToMerge":"y"}""", Write(new MergeShardsRequest { StreamARN = "a", ShardToMerge = "x", AdjacentShardToMerge = "y" }, ControlPlaneJson.MergeShards));
        Assert.Equal("""{"ConsumerARN":"c"}""", Write(new StreamConsumerRequest { ConsumerARN = "c" }, ControlPlaneJson.StreamConsumer));
        Assert.Equal("""{"StreamARN":"a","MaxResults":5}""", Write(new ListStreamConsumersRequest { StreamARN = "a", MaxResults = 5 }, ControlPlaneJson.ListStreamConsumers));
        Assert.Equal("""{"NextToken":"t+/="}""", Write(new ListShardsRequest { NextToken = "t+/=" }, ControlPlaneJson.ListShards));
    }

    [Fact]
    public void ListShards_FilterWithTimestamp_WritesWireNameAndEpochSeconds()
    {
        var json = Write(
            new ListShardsRequest { StreamName = "s", MaxResults = 10, ShardFilter = new ShardFilter { Type = ShardFilterType.FromTimestamp, Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_500) } },
            ControlPlaneJson.ListShards);

        Assert.Equal("""{"StreamName":"s","MaxResults":10,"ShardFilter":{"Type":"FROM_TIMESTAMP","Timestamp":1700000000.5}}""", json);
    }

    [Fact]
    public void SubscribeToShard_AfterSequenceNumber_WritesStartingPosition()
    {
        var json = Write(
            new SubscribeToShardRequest { ConsumerARN = "c", ShardId = "shardId-1", StartingPosition = new StartingPosition { Type = ShardIteratorType.AfterSequenceNumber, SequenceNumber = "42" } },
            ControlPlaneJson.SubscribeToShard);

        Assert.Equal("""{"ConsumerARN":"c","ShardId":"shardId-1","StartingPosition":{"Type":"AFTER_SEQUENCE_NUMBER","SequenceNumber":"42"}}""", json);
    }

    [Fact]
    public void ListShards_RealisticResponse_ParsesEveryFieldAndSkipsUnknownMembers()
    {
        var response = ControlPlaneJson.ParseListShards("""
            {"Shards":[{"ShardId":"shardId-2","ParentShardId":"shardId-0","AdjacentParentShardId":"shardId-1","HashKeyRange":{"StartingHashKey":"0","EndingHashKey":"9"},
            "SequenceNumberRange":{"StartingSequenceNumber":"5","EndingSequenceNumber":null},"Extra":{"a":[1,{"b":2}]}}],"NextToken":"n"}
            """u8);

        var shard = Assert.Single(response.Shards);
        Assert.Equal(("shardId-2", "shardId-0", "shardId-1"), (shard.ShardId, shard.ParentShardId, shard.AdjacentParentShardId));
        Assert.Equal(new HashKeyRange(0, 9), shard.HashKeyRange);
        Assert.Equal(("5", null), (shard.SequenceNumberRange.StartingSequenceNumber, shard.SequenceNumberRange.EndingSequenceNumber));
        Assert.Equal("n", response.NextToken);
        Assert.Empty(ControlPlaneJson.ParseListShards("{}"u8).Shards);
    }

    [Theory]
    [InlineData("""{"Shards":[{"HashKeyRange":{"StartingHashKey":"0","EndingHashKey":"9"},"SequenceNumberRange":{"StartingSequenceNumber":"5"}}]}""", "ShardId")]
    [InlineData("""{"Shards":[{"ShardId":"s","SequenceNumberRange":{"StartingSequenceNumber":"5"}}]}""", "HashKeyRange")]
    [InlineData("""{"Shards":[{"ShardId":"s","HashKeyRange":{"StartingHashKey":"0","EndingHashKey":"9"},"SequenceNumberRange":{}}]}""", "StartingSequenceNumber")]
    [InlineData("""{"ConsumerDescription":{"ConsumerName":"c"}}""", "ConsumerARN")]
    [InlineData("""{}""", "ConsumerDescription")]
    public void Parse_RequiredMemberMissing_ThrowsJsonExceptionNamingIt(string json, string member)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var ex = Assert.Throws<JsonException>(() => json.StartsWith("{\"Shards", StringComparison.Ordinal) ? ControlPlaneJson.ParseListShards(bytes) : (object)ControlPlaneJson.ParseDescribeStreamConsumer(bytes));

        Assert.Contains($"'{member}'", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("""{"Shards":[null]}""")]
    [InlineData("""{"Shards":{}}""")]
    [InlineData("""{"NextToken":5}""")]
    [InlineData("""{"Shards":[{"ShardId":"s","HashKeyRange":{"StartingHashKey":"-1","EndingHashKey":"9"},"SequenceNumberRange":{"StartingSequenceNumber":"5"}}]}""")]
    [InlineData("""{"Shards":[{"ShardId":"s","HashKeyRange":{"StartingHashKey":"0","EndingHashKey":"340282366920938463463374607431768211456"},"SequenceNumberRange":{"StartingSequenceNumber":"5"}}]}""")]
    [InlineData("""{"Shards":[{"ShardId":"s","HashKeyRange":{"StartingHashKey":"9","EndingHashKey":"0"},"SequenceNumberRange":{"StartingSequenceNumber":"5"}}]}""")]
    public void ListShards_MalformedResponse_ThrowsJsonException(string json)
    {
        Assert.Throws<JsonException>(() => ControlPlaneJson.ParseListShards(Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public void DescribeStreamSummary_Response_MapsModeStatusTimestampAndCounts()
    {
        var summary = ControlPlaneJson.ParseDescribeStreamSummary("""
            {"StreamDescriptionSummary":{"StreamName":"s","StreamARN":"a","StreamStatus":"UPDATING","StreamModeDetails":{"StreamMode":"ON_DEMAND"},
            "RetentionPeriodHours":48,"StreamCreationTimestamp":1.7000000001E9,"EnhancedMonitoring":[{"ShardLevelMetrics":[]}],"EncryptionType":"KMS","OpenShardCount":3,"ConsumerCount":null}}
            """u8).StreamDescriptionSummary;

        Assert.Equal(("s", "a", StreamStatus.Updating, StreamMode.OnDemand), (summary.StreamName, summary.StreamARN, summary.StreamStatus, summary.StreamMode));
        Assert.Equal((48, 3, (int?)null, "KMS"), (summary.RetentionPeriodHours, summary.OpenShardCount, summary.ConsumerCount, summary.EncryptionType));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_100), summary.StreamCreationTimestamp);
    }

    [Fact]
    public void Consumers_UnknownStatusAndIsoTimestamp_AreUnknownAndParsed()
    {
        var response = ControlPlaneJson.ParseListStreamConsumers("""
            {"Consumers":[{"ConsumerName":"c","ConsumerARN":"arn","ConsumerStatus":"RESTING","ConsumerCreationTimestamp":"2026-12-01T10:00:00Z"}]}
            """u8);

        var consumer = Assert.Single(response.Consumers);
        Assert.Equal(ConsumerStatus.Unknown, consumer.ConsumerStatus);
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero), consumer.ConsumerCreationTimestamp);
        Assert.Null(response.NextToken);
        Assert.Equal(StreamStatus.Unknown, ControlPlaneJson.ParseListStreams("""{"StreamNames":["s"],"StreamSummaries":[{"StreamName":"s","StreamStatus":null}]}"""u8).StreamSummaries[0].StreamStatus);
    }

    [Fact]
    public void UpdateShardCountAndGetShardIterator_Responses_Parse()
    {
        var update = ControlPlaneJson.ParseUpdateShardCount("""{"StreamName":"s","CurrentShardCount":2,"TargetShardCount":4,"StreamARN":"a"}"""u8);

        Assert.Equal(("s", "a", 2, 4), (update.StreamName, update.StreamARN, update.CurrentShardCount, update.TargetShardCount));
        Assert.Equal("it", ControlPlaneJson.ParseGetShardIterator("""{"ShardIterator":"it"}"""u8).ShardIterator);
        Assert.Contains("'ShardIterator'", Assert.Throws<JsonException>(() => ControlPlaneJson.ParseGetShardIterator("""{"ShardIterator":null}"""u8)).Message, StringComparison.Ordinal);
    }

    private static string Write<T>(T request, RequestBodyWriter<T> write)
    {
        using var buffer = new PooledBufferWriter(16);
        KinesisRequestWriter.Write(buffer, request, write);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
