using System.Net;
using System.Text;
using System.Text.Json;
using Kinesis.Client.DeadLetter;
using Kinesis.Core.Api;
using Kinesis.LocalServices;
using Kinesis.Producer;
using Kinesis.Testing;

namespace Kinesis.Client.Tests.DeadLetter;

public sealed class DeadLetterEnvelopeTests
{
    [Fact]
    public void Create_SmallRecord_WritesEveryFieldWithThePayloadInBase64()
    {
        var record = Record("49590338271490256608559692538361571095921575989136588898", 3, "hello"u8.ToArray(), aggregated: true, explicitHashKey: "42");
        var batch = Batch(record);

        using var json = JsonDocument.Parse(DeadLetterEnvelope.Create(batch, record, new DateTimeOffset(2026, 12, 5, 3, 0, 0, TimeSpan.Zero)));
        var root = json.RootElement;

        Assert.Equal(DeadLetterEnvelope.Version, root.GetProperty("version").GetInt32());
        Assert.Equal("orders", root.GetProperty("streamName").GetString());
        Assert.Equal("shardId-000000000001", root.GetProperty("shardId").GetString());
        Assert.Equal(record.SequenceNumber, root.GetProperty("sequenceNumber").GetString());
        Assert.Equal(3, root.GetProperty("subSequenceNumber").GetInt64());
        Assert.Equal("customer-7", root.GetProperty("partitionKey").GetString());
        Assert.Equal("42", root.GetProperty("explicitHashKey").GetString());
        Assert.Equal(record.ApproximateArrivalTimestamp, root.GetProperty("approximateArrivalTimestamp").GetDateTimeOffset());
        Assert.True(root.GetProperty("isAggregated").GetBoolean());
        Assert.Equal("RecordAgeExceeded", root.GetProperty("reason").GetString());
        Assert.Equal(4, root.GetProperty("attempts").GetInt32());
        Assert.Equal("System.FormatException", root.GetProperty("exceptionType").GetString());
        Assert.Equal("bad \"json\"", root.GetProperty("exceptionMessage").GetString());
        Assert.Equal($"{record.SequenceNumber}/3", root.GetProperty("batchFirstSequenceNumber").GetString());
        Assert.Equal($"{record.SequenceNumber}/3", root.GetProperty("batchLastSequenceNumber").GetString());
        Assert.Equal(1, root.GetProperty("batchRecordCount").GetInt32());
        Assert.Equal(new DateTimeOffset(2026, 12, 5, 3, 0, 0, TimeSpan.Zero), root.GetProperty("deadLetteredAt").GetDateTimeOffset());
        Assert.False(root.GetProperty("dataOmitted").GetBoolean());
        Assert.Equal(5, root.GetProperty("dataLength").GetInt32());
        Assert.Equal("hello"u8.ToArray(), root.GetProperty("data").GetBytesFromBase64());
    }

    [Fact]
    public void Create_PayloadTooLargeForTheEnvelope_OmitsTheDataAndSaysSo()
    {
        var data = new byte[KinesisLimits.MaxRecordSize - 100];
        var record = Record("1000", 0, data, aggregated: false, explicitHashKey: null);

        var bytes = DeadLetterEnvelope.Create(Batch(record), record, DateTimeOffset.UnixEpoch);

        Assert.True(bytes.Length < 2048);
        using var json = JsonDocument.Parse(bytes);
        Assert.True(json.RootElement.GetProperty("dataOmitted").GetBoolean());
        Assert.Equal(data.Length, json.RootElement.GetProperty("dataLength").GetInt32());
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("data").ValueKind);
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("explicitHashKey").ValueKind);
    }

    internal static KinesisClientRecord Record(string sequence, long sub, byte[] data, bool aggregated, string? explicitHashKey) => new()
    {
        SequenceNumber = sequence,
        SubSequenceNumber = sub,
        PartitionKey = "customer-7",
        ExplicitHashKey = explicitHashKey,
        ApproximateArrivalTimestamp = new DateTimeOffset(2026, 12, 5, 2, 0, 0, TimeSpan.Zero),
        Data = data,
        IsAggregated = aggregated,
    };

    internal static DeadLetterBatch Batch(params KinesisClientRecord[] records) => new()
    {
        StreamName = "orders",
        ShardId = "shardId-000000000001",
        Records = records,
        Exception = new FormatException("bad \"json\""),
        Attempts = 4,
        Reason = DeadLetterReason.RecordAgeExceeded,
    };
}

[Collection(LocalAwsCollection.Name)]
public sealed class KinesisStreamDeadLetterSinkTests(LocalAwsFixture fixture)
{
    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task SendAsync_PutsFail_ThrowsAndAfterRecoveryTheEnvelopesLandUnderTheOriginalPartitionKeys()
    {
        using var kinesis = new KinesisApiClient(new KinesisApiClientOptions { Region = LocalAwsServices.Region, ServiceUrl = fixture.KinesisLocalEndpoint, Credentials = LocalKinesis.Credentials });
        var stream = LocalAwsFixture.UniqueName("dlq");
        await kinesis.CreateStreamAsync(new CreateStreamRequest { StreamName = stream, ShardCount = 1 });
        await kinesis.WaitForStreamActiveAsync(stream, TimeSpan.FromSeconds(60));
        using var faults = new FaultInjectionHandler().ForTarget("PutRecords", Fault.AwsError(HttpStatusCode.InternalServerError, "InternalFailure"), times: int.MaxValue);
        await using var producer = new KinesisProducer(new KinesisProducerOptions
        {
            Region = LocalAwsServices.Region,
            ServiceUrl = fixture.KinesisLocalEndpoint,
            Credentials = LocalKinesis.Credentials,
            HttpMessageHandler = faults,
            AggregationEnabled = false,
            RecordTtl = TimeSpan.FromMilliseconds(500),
        });
        var sink = new KinesisStreamDeadLetterSink(producer, stream);
        var first = DeadLetterEnvelopeTests.Record("1000", 0, "one"u8.ToArray(), aggregated: false, explicitHashKey: null);
        var second = new KinesisClientRecord { SequenceNumber = "1001", PartitionKey = "customer-8", Data = "two"u8.ToArray(), ApproximateArrivalTimestamp = DateTimeOffset.UtcNow };
        var batch = DeadLetterEnvelopeTests.Batch(first, second);

        await Assert.ThrowsAsync<UserRecordFailedException>(() => sink.SendAsync(batch));

        faults.Clear();
        await sink.SendAsync(batch);
        var iterator = (await kinesis.GetShardIteratorAsync(new GetShardIteratorRequest { StreamName = stream, ShardId = "shardId-000000000000", ShardIteratorType = ShardIteratorType.TrimHorizon })).ShardIterator;
        var records = (await kinesis.GetRecordsAsync(new GetRecordsRequest { ShardIterator = iterator! })).Records;
        Assert.Equal(["customer-7", "customer-8"], records.Select(r => r.PartitionKey).Order(StringComparer.Ordinal));
        var payloads = records.Select(r => JsonDocument.Parse(r.Data).RootElement).ToDictionary(e => e.GetProperty("sequenceNumber").GetString()!, e => Encoding.UTF8.GetString(e.GetProperty("data").GetBytesFromBase64()));
        Assert.Equal("one", payloads["1000"]);
        Assert.Equal("two", payloads["1001"]);
    }
}
