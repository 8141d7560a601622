using System.Text;
using Kinesis.Core.Aggregation;
using Kinesis.Core.Hashing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Kinesis.Core.Tests.Aggregation;

public sealed class DeaggregatorTests
{
    [Fact]
    public void Deaggregate_KplVectorA_YieldsFourRecordsWithSharedKeys()
    {
        var deaggregator = new Deaggregator();
        var records = new List<DeaggregatedRecord>();
        byte[] data = Convert.FromBase64String(KplTestVectors.SharedKeysBase64);

        Assert.Equal(4, deaggregator.Deaggregate(AggregationTestData.Input(data, sequenceNumber: "495974"), records));

        for (int i = 0; i < 4; i++)
        {
            DeaggregatedRecord record = records[i];
            Assert.Equal("1562602074896", record.PartitionKey);
            Assert.Equal("339606600942967391854603552402021847292", record.ExplicitHashKey);
            Assert.Equal($"RECORD {2005 + i} pjqrcfbxafzdndzmbgane", Encoding.UTF8.GetString(record.Data.Span));
            Assert.Equal("495974", record.SequenceNumber);
            Assert.Equal(i, record.SubSequenceNumber);
            Assert.Equal(AggregationTestData.Arrival, record.ApproximateArrivalTimestamp);
            Assert.True(record.IsAggregated);
        }

        Assert.Equal(1, deaggregator.Counters.AggregatedRecords);
        Assert.Equal(4, deaggregator.Counters.UserRecordsFromAggregates);
    }

    [Fact]
    public void Deaggregate_KplVectorB_YieldsRecordsWithTheirOwnKeys()
    {
        var records = new List<DeaggregatedRecord>();
        new Deaggregator().Deaggregate(AggregationTestData.Input(Convert.FromBase64String(KplTestVectors.WithExplicitHashKeysBase64)), records);

        Assert.Equal(
            KplTestVectors.WithExplicitHashKeysRecords,
            records.Select(r => (r.PartitionKey, r.ExplicitHashKey!, Encoding.UTF8.GetString(r.Data.Span))));
        Assert.Equal([0L, 1, 2, 3], records.Select(r => r.SubSequenceNumber));
    }

    [Fact]
    public void Deaggregate_KplVectorC_YieldsRecordsWithoutExplicitHashKeys()
    {
        var records = new List<DeaggregatedRecord>();
        new Deaggregator().Deaggregate(AggregationTestData.Input(Convert.FromBase64String(KplTestVectors.WithoutExplicitHashKeysBase64)), records);

        Assert.Equal(
            KplTestVectors.WithoutExplicitHashKeysRecords,
            records.Select(r => (r.PartitionKey, Encoding.UTF8.GetString(r.Data.Span))));
        Assert.All(records, r => Assert.Null(r.ExplicitHashKey));
    }

    [Fact]
    public void Deaggregate_KplVectorD_PassesPlainRecordThroughUnchanged()
    {
        var deaggregator = new Deaggregator();
        var records = new List<DeaggregatedRecord>();
        byte[] data = Convert.FromBase64String(KplTestVectors.NotAggregatedBase64);

        Assert.Equal(1, deaggregator.Deaggregate(AggregationTestData.Input(data, "1562602074896", "4959"), records));

        DeaggregatedRecord record = Assert.Single(records);
        Assert.Equal("RECORD 749 pjqrcfbxafzdndzmbgane", Encoding.UTF8.GetString(record.Data.Span));
        Assert.Equal("1562602074896", record.PartitionKey);
        Assert.Equal("4959", record.SequenceNumber);
        Assert.Equal(0, record.SubSequenceNumber);
        Assert.False(record.IsAggregated);
        Assert.Null(record.ExplicitHashKey);
        Assert.Equal(1, deaggregator.Counters.GetCount(DeaggregationFailureReason.NotAggregated));
    }

    public static TheoryData<string, byte[], DeaggregationFailureReason> CorruptRecords()
    {
        byte[] valid = Convert.FromBase64String(KplTestVectors.WithExplicitHashKeysBase64);
        byte[] badChecksum = (byte[])valid.Clone();
        badChecksum[^1] ^= 1;
        byte[] badMessage = (byte[])valid.Clone();
        badMessage[100] ^= 0x40;

        return new TheoryData<string, byte[], DeaggregationFailureReason>
        {
            { "empty", [], DeaggregationFailureReason.NotAggregated },
            { "three bytes of magic", [0xF3, 0x89, 0x9A], DeaggregationFailureReason.NotAggregated },
            { "plain text", "hello"u8.ToArray(), DeaggregationFailureReason.NotAggregated },
            { "magic only", [0xF3, 0x89, 0x9A, 0xC2], DeaggregationFailureReason.TooShort },
            { "magic and checksum, no message", Frame([])[..20], DeaggregationFailureReason.TooShort },
            { "checksum flipped", badChecksum, DeaggregationFailureReason.ChecksumMismatch },
            { "message flipped", badMessage, DeaggregationFailureReason.ChecksumMismatch },
            { "truncated length", Frame([0x1A, 0x05, 0x08, 0x00]), DeaggregationFailureReason.InvalidProtobuf },
            { "group wire type", Frame([0x0B, 0x0C]), DeaggregationFailureReason.InvalidProtobuf },
            { "record field as varint", Frame([0x0A, 0x01, (byte)'k', 0x18, 0x01]), DeaggregationFailureReason.InvalidProtobuf },
            { "unterminated varint", Frame([0x0A, 0x01, (byte)'k', 0x1A, 0x02, 0x08, 0x80]), DeaggregationFailureReason.InvalidProtobuf },
            { "record without data", Frame([0x0A, 0x01, (byte)'k', 0x1A, 0x02, 0x08, 0x00]), DeaggregationFailureReason.InvalidProtobuf },
            { "record without key index", Frame([0x0A, 0x01, (byte)'k', 0x1A, 0x03, 0x1A, 0x01, 0x07]), DeaggregationFailureReason.InvalidProtobuf },
            { "field number zero", Frame([0x02, 0x00]), DeaggregationFailureReason.InvalidProtobuf },
            { "key index past table", Frame([0x0A, 0x01, (byte)'k', 0x1A, 0x05, 0x08, 0x01, 0x1A, 0x01, 0x07]), DeaggregationFailureReason.KeyIndexOutOfRange },
            { "hash key index without table", Frame([0x0A, 0x01, (byte)'k', 0x1A, 0x07, 0x08, 0x00, 0x10, 0x00, 0x1A, 0x01, 0x07]), DeaggregationFailureReason.KeyIndexOutOfRange },
            { "huge key index", Frame([0x0A, 0x01, (byte)'k', 0x1A, 0x0E, 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x1A, 0x01, 0x07]), DeaggregationFailureReason.KeyIndexOutOfRange },
            { "hash key not decimal", Frame([0x0A, 0x01, (byte)'k', 0x12, 0x01, (byte)'x', 0x1A, 0x07, 0x08, 0x00, 0x10, 0x00, 0x1A, 0x01, 0x07]), DeaggregationFailureReason.InvalidExplicitHashKey },
            { "no records", Frame([0x0A, 0x01, (byte)'k']), DeaggregationFailureReason.NoUserRecords },
        };
    }

    [Theory]
    [MemberData(nameof(CorruptRecords))]
    public void Deaggregate_InvalidAggregate_PassesThroughUnchangedAndCountsReason(string description, byte[] data, DeaggregationFailureReason reason)
    {
        var logger = new FakeLogger<Deaggregator>();
        var deaggregator = new Deaggregator(logger: logger);
        var records = new List<DeaggregatedRecord> { default };

        Assert.Equal(1, deaggregator.Deaggregate(AggregationTestData.Input(data, "outer-key", "7"), records));

        Assert.Equal(2, records.Count);
        DeaggregatedRecord record = records[1];
        Assert.True(record.Data.Span.SequenceEqual(data), description);
        Assert.Equal("outer-key", record.PartitionKey);
        Assert.Equal("7", record.SequenceNumber);
        Assert.Equal(0, record.SubSequenceNumber);
        Assert.False(record.IsAggregated);
        foreach (DeaggregationFailureReason each in Enum.GetValues<DeaggregationFailureReason>())
        {
            Assert.Equal(each == reason ? 1 : 0, deaggregator.Counters.GetCount(each));
        }

        Assert.Equal(0, deaggregator.Counters.AggregatedRecords);
        bool logged = reason is not (DeaggregationFailureReason.NotAggregated or DeaggregationFailureReason.TooShort);
        Assert.Equal(logged ? 1 : 0, logger.Collector.GetSnapshot().Count(e => e.Level == LogLevel.Warning && e.Id.Id == 1100));
    }

    [Fact]
    public void Deaggregate_UnknownFieldsAndTags_AreSkipped()
    {
        // Record: pk index 0, a tag (field 4), an unknown fixed32 field 9, data; top level: unknown varint field 7.
        byte[] message =
        [
            0x38, 0x05,
            0x0A, 0x01, (byte)'k',
            0x1A, 0x11, 0x08, 0x00, 0x22, 0x05, 0x0A, 0x01, (byte)'t', 0x12, 0x00, 0x4D, 0x01, 0x02, 0x03, 0x04, 0x1A, 0x01, 0x07,
            0x1A, 0x05, 0x08, 0x00, 0x1A, 0x01, 0x08,
        ];
        var records = new List<DeaggregatedRecord>();

        Assert.Equal(2, new Deaggregator().Deaggregate(AggregationTestData.Input(Frame(message)), records));
        Assert.Equal([7], records[0].Data.ToArray());
        Assert.Equal([8], records[1].Data.ToArray());
    }

    [Fact]
    public void Deaggregate_RecordsBeforeKeyTables_ResolvesKeysAfterTheTables()
    {
        // Legal protobuf (fields may come in any order) although the KPL always writes the tables first.
        byte[] message =
        [
            0x1A, 0x07, 0x08, 0x01, 0x10, 0x00, 0x1A, 0x01, 0x07,
            0x0A, 0x01, (byte)'x',
            0x1A, 0x05, 0x08, 0x00, 0x1A, 0x01, 0x08,
            0x0A, 0x01, (byte)'y',
            0x12, 0x01, (byte)'5',
        ];
        var records = new List<DeaggregatedRecord>();

        Assert.Equal(2, new Deaggregator().Deaggregate(AggregationTestData.Input(Frame(message)), records, new HashKeyRange(0, 10)));

        Assert.Equal(("y", "5", 0L), (records[0].PartitionKey, records[0].ExplicitHashKey, records[0].SubSequenceNumber));
        Assert.Equal(("x", (string?)null, 1L), (records[1].PartitionKey, records[1].ExplicitHashKey, records[1].SubSequenceNumber));
    }

    [Fact]
    public void Deaggregate_RecordsOutsideShardRangeWithDeliver_DeliversAllAndCounts()
    {
        (byte[] data, HashKeyRange range) = AggregateStraddlingRange();
        var deaggregator = new Deaggregator();
        var records = new List<DeaggregatedRecord>();

        Assert.Equal(3, deaggregator.Deaggregate(AggregationTestData.Input(data), records, range));

        Assert.Equal(1, deaggregator.Counters.OutOfRangeUserRecordsDelivered);
        Assert.Equal(0, deaggregator.Counters.DroppedUserRecords);
        Assert.Equal(3, deaggregator.Counters.UserRecordsFromAggregates);
    }

    [Fact]
    public void Deaggregate_RecordsOutsideShardRangeWithDropAndReport_DropsAggregateCountsAndLogs()
    {
        (byte[] data, HashKeyRange range) = AggregateStraddlingRange();
        var logger = new FakeLogger<Deaggregator>();
        var deaggregator = new Deaggregator(new DeaggregatorOptions { OutOfRangeBehavior = HashKeyRangeFilterMode.DropAndReport }, logger);
        var records = new List<DeaggregatedRecord> { default };

        Assert.Equal(0, deaggregator.Deaggregate(AggregationTestData.Input(data, sequenceNumber: "42"), records, range));

        Assert.Single(records);
        Assert.Equal(3, deaggregator.Counters.DroppedUserRecords);
        Assert.Equal(1, deaggregator.Counters.GetCount(DeaggregationFailureReason.OutsideShardHashKeyRange));
        Assert.Equal(0, deaggregator.Counters.AggregatedRecords);
        var entry = Assert.Single(logger.Collector.GetSnapshot());
        Assert.Equal(LogLevel.Warning, entry.Level);
        Assert.Equal(1101, entry.Id.Id);
        Assert.Contains("42", entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deaggregate_AllRecordsInsideShardRangeWithDropAndReport_DeliversAll()
    {
        (byte[] data, _) = AggregateStraddlingRange();
        var deaggregator = new Deaggregator(new DeaggregatorOptions { OutOfRangeBehavior = HashKeyRangeFilterMode.DropAndReport });
        var records = new List<DeaggregatedRecord>();

        Assert.Equal(3, deaggregator.Deaggregate(AggregationTestData.Input(data), records, new HashKeyRange(0, UInt128.MaxValue - 1)));
        Assert.Equal(0, deaggregator.Counters.DroppedUserRecords);
    }

    [Fact]
    public void Deaggregate_PlainRecordWithShardRange_IsNeverFiltered()
    {
        var deaggregator = new Deaggregator(new DeaggregatorOptions { OutOfRangeBehavior = HashKeyRangeFilterMode.DropAndReport });
        var records = new List<DeaggregatedRecord>();

        Assert.Equal(1, deaggregator.Deaggregate(AggregationTestData.Input("x"u8.ToArray(), "pk"), records, new HashKeyRange(0, 0)));
    }

    [Fact]
    public void DeaggregatorOptions_Defaults_MatchDocumentedConstants()
    {
        Assert.Equal(HashKeyRangeFilterMode.Deliver, DeaggregatorOptions.DefaultOutOfRangeBehavior);
        Assert.Equal(DeaggregatorOptions.DefaultOutOfRangeBehavior, new DeaggregatorOptions().OutOfRangeBehavior);
    }

    [Fact]
    public void DeaggregatorOptions_UndefinedMode_ThrowsNamingValue()
    {
        Assert.Throws<ArgumentOutOfRangeException>("value", () => new DeaggregatorOptions { OutOfRangeBehavior = (HashKeyRangeFilterMode)7 });
    }

    private static byte[] Frame(byte[] message) => AggregationTestData.Frame(message);

    /// <summary>Three records: two by explicit hash key in the lower half, one by explicit hash key 2^128-2.</summary>
    private static (byte[] Data, HashKeyRange LowerHalf) AggregateStraddlingRange()
    {
        using var aggregator = new RecordAggregator();
        aggregator.TryAdd("a", [1], UInt128.Zero);
        aggregator.TryAdd("b", [2], 12345);
        aggregator.TryAdd("c", [3], UInt128.MaxValue - 1);
        return (AggregationTestData.Encode(aggregator).Bytes, new HashKeyRange(0, UInt128.MaxValue / 2));
    }

}
