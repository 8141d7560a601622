using System.Text;
using System.Text.Json;
using Kinesis.Core.Api;
using Kinesis.Core.Api.Serialization;
using Kinesis.Testing;

namespace Kinesis.Core.Tests.Api;

public sealed class KinesisSerializationTests
{
    [Fact]
    public void PutRecords_Body_IsExactJsonWithUnescapedBase64()
    {
        // 0xFB 0xFF yields '+' and '/' in base64, which a default JSON encoder would escape.
        var request = new PutRecordsRequest
        {
            StreamName = "s",
            Records =
            [
                new PutRecordsRequestEntry { PartitionKey = "k+1", Data = new byte[] { 0xFB, 0xFF, 0xBF } },
                new PutRecordsRequestEntry { PartitionKey = "ключ", Data = Array.Empty<byte>(), ExplicitHashKey = "42" },
            ],
        };

        var json = Write(request, KinesisRequestWriter.PutRecords);

        Assert.Equal("""{"StreamName":"s","Records":[{"Data":"+/+/","PartitionKey":"k+1"},{"Data":"","PartitionKey":"ключ","ExplicitHashKey":"42"}]}""", json);
    }

    [Fact]
    public void PutRecords_WrittenTwiceOnOneThread_ReusesWriterWithoutMixingBodies()
    {
        var first = Write(new PutRecordsRequest { StreamName = "a", Records = [new PutRecordsRequestEntry { PartitionKey = "1", Data = new byte[] { 1 } }] }, KinesisRequestWriter.PutRecords);
        var second = Write(new PutRecordsRequest { StreamName = "b", Records = [new PutRecordsRequestEntry { PartitionKey = "2", Data = new byte[] { 2 } }] }, KinesisRequestWriter.PutRecords);

        Assert.Equal("""{"StreamName":"a","Records":[{"Data":"AQ==","PartitionKey":"1"}]}""", first);
        Assert.Equal("""{"StreamName":"b","Records":[{"Data":"Ag==","PartitionKey":"2"}]}""", second);
    }

    [Fact]
    public void GetShardIterator_AtTimestamp_WritesEpochSecondsWithMilliseconds()
    {
        var json = Write(
            new GetShardIteratorRequest { StreamName = "s", ShardId = "shardId-1", ShardIteratorType = ShardIteratorType.AtTimestamp, Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123) },
            ControlPlaneJson.GetShardIterator);

        Assert.Equal("""{"StreamName":"s","ShardId":"shardId-1","ShardIteratorType":"AT_TIMESTAMP","Timestamp":1700000000.123}""", json);
    }

    [Fact]
    public void CreateStream_OnDemand_WritesModeAndNoShardCount()
    {
        var json = Write(new CreateStreamRequest { StreamName = "s", StreamMode = StreamMode.OnDemand }, ControlPlaneJson.CreateStream);

        Assert.Equal("""{"StreamName":"s","StreamModeDetails":{"StreamMode":"ON_DEMAND"}}""", json);
    }

    [Fact]
    public void ListStreams_LimitAndStartName_WritesBothAndNoToken()
    {
        var json = Write(new ListStreamsRequest { Limit = 50, ExclusiveStartStreamName = "orders" }, ControlPlaneJson.ListStreams);

        Assert.Equal("""{"Limit":50,"ExclusiveStartStreamName":"orders"}""", json);
    }

    [Fact]
    public void ListStreams_Empty_WritesEmptyObject()
    {
        Assert.Equal("{}", Write(new ListStreamsRequest(), ControlPlaneJson.ListStreams));
        Assert.Equal("""{"NextToken":"t+1"}""", Write(new ListStreamsRequest { NextToken = "t+1" }, ControlPlaneJson.ListStreams));
    }

    [Fact]
    public void ListStreams_ResponseWithSummaries_ParsesNamesSummariesAndPaging()
    {
        var json = """
            {"HasMoreStreams":true,"NextToken":"AAA=","StreamNames":["a","b"],"Other":[1,{"x":2}],
             "StreamSummaries":[{"StreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/a","StreamCreationTimestamp":1.7E9,
                                 "StreamModeDetails":{"StreamMode":"ON_DEMAND"},"StreamName":"a","StreamStatus":"ACTIVE"},
                                {"StreamName":"b","StreamStatus":"UPDATING","StreamModeDetails":{"StreamMode":"PROVISIONED"}}]}
            """;

        var response = ControlPlaneJson.ParseListStreams(Encoding.UTF8.GetBytes(json));

        Assert.Equal(["a", "b"], response.StreamNames);
        Assert.True(response.HasMoreStreams);
        Assert.Equal("AAA=", response.NextToken);
        Assert.Equal(2, response.StreamSummaries.Count);
        Assert.Equal("arn:aws:kinesis:us-east-1:000000000000:stream/a", response.StreamSummaries[0].StreamARN);
        Assert.Equal(StreamStatus.Active, response.StreamSummaries[0].StreamStatus);
        Assert.Equal(StreamMode.OnDemand, response.StreamSummaries[0].StreamMode);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), response.StreamSummaries[0].StreamCreationTimestamp);
        Assert.Equal(StreamStatus.Updating, response.StreamSummaries[1].StreamStatus);
        Assert.Equal(StreamMode.Provisioned, response.StreamSummaries[1].StreamMode);
        Assert.Null(response.StreamSummaries[1].StreamARN);
    }

    [Fact]
    public void ListStreams_NamesOnlyResponse_HasNoSummariesAndNoMore()
    {
        // kinesalite's shape: names and HasMoreStreams only.
        var response = ControlPlaneJson.ParseListStreams("""{"StreamNames":[],"HasMoreStreams":false}"""u8);

        Assert.Empty(response.StreamNames);
        Assert.Empty(response.StreamSummaries);
        Assert.False(response.HasMoreStreams);
        Assert.Null(response.NextToken);
    }

    [Theory]
    [InlineData("""{"StreamNames":[null]}""")]
    [InlineData("""{"StreamNames":"a"}""")]
    [InlineData("""{"StreamSummaries":[{"StreamStatus":"ACTIVE"}]}""")]
    [InlineData("""{"HasMoreStreams":"yes"}""")]
    public void ListStreams_MalformedResponse_ThrowsJsonOrInvalidOperation(string json)
    {
        var ex = Xunit.Record.Exception(() => ControlPlaneJson.ParseListStreams(Encoding.UTF8.GetBytes(json)));

        Assert.True(ex is JsonException or InvalidOperationException, ex?.GetType().Name);
    }

    [Fact]
    public void GetRecords_RealisticResponse_ParsesEveryField()
    {
        var json = """
            {"ChildShards":[{"HashKeyRange":{"EndingHashKey":"99","StartingHashKey":"0"},"ParentShards":["shardId-0"],"ShardId":"shardId-2"}],
             "MillisBehindLatest":1234,"NextShardIterator":"AAAA+/==","Unknown":{"nested":[1,2,{"x":null}]},
             "Records":[{"ApproximateArrivalTimestamp":1.700000000123E9,"Data":"aGVsbG8=","PartitionKey":"pk","SequenceNumber":"4959","EncryptionType":"NONE"},
                        {"ApproximateArrivalTimestamp":1700000001,"Data":"\u002B/8=","PartitionKey":"p\u00e9","SequenceNumber":"4960"}]}
            """;

        var response = KinesisResponseParser.GetRecords(Encoding.UTF8.GetBytes(json));

        Assert.Equal(2, response.Records.Count);
        Assert.Equal("hello", Encoding.UTF8.GetString(response.Records[0].Data.Span));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123), response.Records[0].ApproximateArrivalTimestamp);
        Assert.Equal("NONE", response.Records[0].EncryptionType);
        Assert.Equal(new byte[] { 0xFB, 0xFF }, response.Records[1].Data.ToArray());
        Assert.Equal("pé", response.Records[1].PartitionKey);
        Assert.Equal("AAAA+/==", response.NextShardIterator);
        Assert.Equal(1234, response.MillisBehindLatest);
        var child = Assert.Single(response.ChildShards);
        Assert.Equal("shardId-2", child.ShardId);
        Assert.Equal(["shardId-0"], child.ParentShards);
        Assert.Equal((UInt128)99, child.HashKeyRange.End);
    }

    [Theory]
    [InlineData("""{"Records":[{"Data":"abc","PartitionKey":"p","SequenceNumber":"1"}]}""")]
    [InlineData("""{"Records":[{"Data":"a$==","PartitionKey":"p","SequenceNumber":"1"}]}""")]
    [InlineData("""{"Records":[{"PartitionKey":"p","SequenceNumber":"1"}]}""")]
    [InlineData("""{"Records":[""")]
    [InlineData("")]
    [InlineData("[]")]
    public void GetRecords_MalformedResponse_ThrowsJsonOrFormatException(string json)
    {
        var ex = Xunit.Record.Exception(() => KinesisResponseParser.GetRecords(Encoding.UTF8.GetBytes(json)));

        Assert.True(ex is JsonException or FormatException, ex?.GetType().Name);
    }

    [Fact]
    public void PutRecords_PartialFailureResponse_ReportsFailedEntries()
    {
        var json = """{"FailedRecordCount":1,"Records":[{"SequenceNumber":"1","ShardId":"shardId-0"},{"ErrorCode":"ProvisionedThroughputExceededException","ErrorMessage":"Rate exceeded"}]}""";

        var response = KinesisResponseParser.PutRecords(Encoding.UTF8.GetBytes(json));

        Assert.Equal(1, response.FailedRecordCount);
        Assert.False(response.Records[0].IsFailed);
        Assert.True(response.Records[1].IsFailed);
        Assert.Equal("ProvisionedThroughputExceededException", response.Records[1].ErrorCode);
    }

    [Fact]
    public void Error_NonJsonBody_ReturnsNulls()
    {
        Assert.Equal((null, null), KinesisResponseParser.Error("<html>"u8));
        Assert.Equal(("T", "m"), KinesisResponseParser.Error("""{"__type":"T","Message":"m"}"""u8));
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task PutRecordsBody_WrittenInPieces_IsTheBufferedBodyByteForByteWithItsLengthAndHash()
    {
        // Raw records around the chunk size, aggregates of 50 KB, one of 1 MB, explicit hash keys on some, and a stream ARN.
        var random = new Random(7);
        var entries = Enumerable.Range(0, 300).Select(i =>
        {
            var size = i switch { 17 => 1_000_000, _ when i % 5 == 0 => 50_000, _ => random.Next(1, 700) };
            var data = new byte[size];
            random.NextBytes(data);
            return new PutRecordsRequestEntry { PartitionKey = $"key-{i}+/é", Data = data, ExplicitHashKey = i % 3 == 0 ? $"{i}000" : null };
        }).ToArray();
        var request = new PutRecordsRequest { StreamARN = "arn:aws:kinesis:us-east-1:000000000000:stream/s", Records = entries };
        using var buffered = new PooledBufferWriter(16);
        KinesisRequestWriter.Write(buffered, request, KinesisRequestWriter.PutRecords);

        var body = new PutRecordsBody(request);
        using var first = new MemoryStream();
        await body.WriteToAsync(first, CancellationToken.None);
        using var again = new MemoryStream();
        await body.WriteToAsync(again, CancellationToken.None);

        Assert.True(buffered.WrittenSpan.SequenceEqual(first.ToArray()), "the streamed body differs from the buffered one");
        Assert.Equal(first.ToArray(), again.ToArray());
        Assert.Equal(buffered.WrittenCount, body.Length);
        Assert.Equal(Kinesis.Core.Http.AwsRequestSigner.HashPayload(buffered.WrittenSpan), body.PayloadSha256);
    }

    private static string Write<T>(T request, RequestBodyWriter<T> write)
    {
        using var buffer = new PooledBufferWriter(16);
        KinesisRequestWriter.Write(buffer, request, write);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
