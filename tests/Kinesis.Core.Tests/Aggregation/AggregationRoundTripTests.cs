using System.Globalization;
using Google.Protobuf;
using Kinesis.Core.Aggregation;
using Kinesis.Core.Hashing;
using Kinesis.Core.Tests.Hashing;
using Protos = Kinesis.Core.Aggregation.Protos;

namespace Kinesis.Core.Tests.Aggregation;

/// <summary>Property-based round trips over seeded random aggregates.</summary>
public sealed class AggregationRoundTripTests
{
    private sealed record UserRecord(string PartitionKey, UInt128? ExplicitHashKey, byte[] Data);

    [Fact]
    public void EncodeThenDeaggregate_RandomAggregates_RoundTripExactly()
    {
        var random = new Random(128);
        for (int iteration = 0; iteration < 150; iteration++)
        {
            int maxSize = (int)Math.Min(RecordAggregator.MaxMaxSize, 64 * Math.Pow(2, random.NextDouble() * 14));
            int maxCount = random.Next(4) == 0 ? random.Next(1, 50) : RecordAggregator.DefaultMaxRecordCount;
            using var aggregator = new RecordAggregator(maxSize, maxCount);
            List<UserRecord> added = FillRandomly(random, aggregator, maxSize, checkSizeEveryAdd: maxSize <= 64 * 1024);

            AssertRoundTrip(aggregator, added);
        }
    }

    [Fact]
    public void EncodeThenDeaggregate_MaxCountAggregate_RefusesOneMoreAndRoundTrips()
    {
        var random = new Random(5);
        using var aggregator = new RecordAggregator(RecordAggregator.MaxMaxSize, maxRecordCount: 1000);
        var added = new List<UserRecord>();
        for (int i = 0; i < 1000; i++)
        {
            UserRecord record = RandomRecord(random, [], maxDataLength: 100);
            Assert.True(aggregator.TryAdd(record.PartitionKey, record.Data, record.ExplicitHashKey));
            added.Add(record);
        }

        Assert.False(aggregator.TryAdd("one-more", [1]));
        AssertRoundTrip(aggregator, added);
    }

    [Fact]
    public void EncodeThenDeaggregate_MaxSizeAggregate_StaysWithinLimitAndRoundTrips()
    {
        var random = new Random(6);
        using var aggregator = new RecordAggregator(RecordAggregator.MaxMaxSize);
        var added = new List<UserRecord>();
        var keyPool = new List<string>();
        while (true)
        {
            UserRecord record = RandomRecord(random, keyPool, maxDataLength: 8192);
            if (!aggregator.TryAdd(record.PartitionKey, record.Data, record.ExplicitHashKey))
            {
                AssertRefusalWasNeeded(aggregator, added, record);
                break;
            }

            added.Add(record);
        }

        // The refused record (at most 8192 bytes of data and a 256-character key) did not fit.
        Assert.True(aggregator.EncodedSize <= RecordAggregator.MaxMaxSize);
        Assert.True(aggregator.EncodedSize > RecordAggregator.MaxMaxSize - 8192 - 1024);
        AssertRoundTrip(aggregator, added);
    }

    [Fact]
    public void EncodeThenDeaggregate_ExtremeExplicitHashKeysAndEmptyData_RoundTrip()
    {
        using var aggregator = new RecordAggregator();
        List<UserRecord> added =
        [
            new("zero", UInt128.Zero, []),
            new("max", UInt128.MaxValue, [0xFF]),
            new("zero", UInt128.MaxValue, []),
            new("\u65E5\u672C\uD83D\uDE00", null, [1, 2, 3]),
        ];
        foreach (UserRecord record in added)
        {
            Assert.True(aggregator.TryAdd(record.PartitionKey, record.Data, record.ExplicitHashKey));
        }

        AssertRoundTrip(aggregator, added);
    }

    [Fact]
    public void Deaggregate_GeneratedProtobufEncoder_MatchesHandEncoderAndDecodes()
    {
        var random = new Random(77);
        for (int iteration = 0; iteration < 50; iteration++)
        {
            using var aggregator = new RecordAggregator(RecordAggregator.MaxMaxSize);
            List<UserRecord> added = FillRandomly(random, aggregator, 16 * 1024, checkSizeEveryAdd: false);
            if (added.Count < 2)
            {
                continue;
            }

            byte[] generated = AggregationTestData.Frame(ToGeneratedMessage(added).ToByteArray());
            Assert.Equal(generated, AggregationTestData.Encode(aggregator).Bytes);

            var records = new List<DeaggregatedRecord>();
            new Deaggregator().Deaggregate(AggregationTestData.Input(generated), records);
            AssertRecords(added, records);
        }
    }

    private static List<UserRecord> FillRandomly(Random random, RecordAggregator aggregator, int maxSize, bool checkSizeEveryAdd)
    {
        var added = new List<UserRecord>();
        var keyPool = new List<string>();
        int attempts = random.Next(1, 400);
        for (int i = 0; i < attempts; i++)
        {
            int maxDataLength = random.Next(10) == 0 ? maxSize : Math.Max(1, maxSize / random.Next(2, 50));
            UserRecord record = RandomRecord(random, keyPool, Math.Min(maxDataLength, RecordAggregator.MaxDataLength));
            int countBefore = aggregator.Count;
            if (!aggregator.TryAdd(record.PartitionKey, record.Data, record.ExplicitHashKey))
            {
                Assert.Equal(countBefore, aggregator.Count);
                AssertRefusalWasNeeded(aggregator, added, record);
                break;
            }

            added.Add(record);
            if (checkSizeEveryAdd)
            {
                Assert.Equal(aggregator.EncodedSize, AggregationTestData.Encode(aggregator).Bytes.Length);
            }

            if (added.Count > 1)
            {
                Assert.True(aggregator.EncodedSize <= aggregator.MaxSize);
            }
        }

        return added;
    }

    private static void AssertRefusalWasNeeded(RecordAggregator aggregator, List<UserRecord> added, UserRecord refused)
    {
        if (aggregator.Count >= aggregator.MaxRecordCount)
        {
            return;
        }

        Protos.AggregatedRecord message = ToGeneratedMessage([.. added, refused]);
        Assert.True(message.CalculateSize() + AggregatedRecordFormat.FixedOverhead > aggregator.MaxSize);
    }

    private static UserRecord RandomRecord(Random random, List<string> keyPool, int maxDataLength)
    {
        string partitionKey;
        if (keyPool.Count > 0 && random.Next(3) == 0)
        {
            partitionKey = keyPool[random.Next(keyPool.Count)];
        }
        else
        {
            int length = random.Next(4) == 0 ? random.Next(1, RecordAggregator.MaxPartitionKeyLength + 1) : random.Next(1, 40);
            partitionKey = random.Next(2) == 0
                ? HashKeysTests.RandomUnicode(random, length)
                : RandomHex(random, length);
            keyPool.Add(partitionKey);
        }

        UInt128? explicitHashKey = random.Next(6) switch
        {
            0 => UInt128.Zero,
            1 => UInt128.MaxValue,
            2 => new UInt128((ulong)random.NextInt64(), (ulong)random.NextInt64()),
            3 => (UInt128)(ulong)random.Next(3),
            _ => null,
        };

        byte[] data = new byte[random.Next(4) == 0 ? 0 : random.Next(0, maxDataLength + 1)];
        random.NextBytes(data);
        return new UserRecord(partitionKey, explicitHashKey, data);
    }

    private static string RandomHex(Random random, int length)
    {
        var chars = new char[length];
        for (int i = 0; i < length; i++)
        {
            chars[i] = "0123456789abcdef-"[random.Next(17)];
        }

        return new string(chars);
    }

    private static void AssertRoundTrip(RecordAggregator aggregator, List<UserRecord> added)
    {
        (byte[] bytes, EncodedRecordInfo info) = AggregationTestData.Encode(aggregator);
        Assert.Equal(aggregator.EncodedSize, bytes.Length);
        Assert.Equal(bytes.Length, info.Length);
        Assert.Equal(added.Count, info.UserRecordCount);
        Assert.Equal(added[0].ExplicitHashKey ?? HashKeys.FromPartitionKey(added[0].PartitionKey), info.ExplicitHashKey);

        if (added.Count == 1)
        {
            Assert.False(info.IsAggregated);
            Assert.Equal(added[0].PartitionKey, info.PartitionKey);
            Assert.Equal(added[0].Data, bytes);
            return;
        }

        Assert.True(info.IsAggregated);
        Assert.Equal(AggregatedRecordFormat.AggregatePartitionKey, info.PartitionKey);

        var deaggregator = new Deaggregator();
        var records = new List<DeaggregatedRecord>();
        Assert.Equal(added.Count, deaggregator.Deaggregate(AggregationTestData.Input(bytes), records));
        AssertRecords(added, records);

        // The generated parser reads what the hand encoder wrote, with deduplicated tables.
        Protos.AggregatedRecord parsed = Protos.AggregatedRecord.Parser.ParseFrom(bytes.AsSpan(4, bytes.Length - 20));
        Assert.True(parsed.IsInitialized());
        Assert.Equal(parsed.PartitionKeyTable.Count, parsed.PartitionKeyTable.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(parsed.ExplicitHashKeyTable.Count, parsed.ExplicitHashKeyTable.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(ToGeneratedMessage(added), parsed);
    }

    private static void AssertRecords(List<UserRecord> added, List<DeaggregatedRecord> records)
    {
        Assert.Equal(added.Count, records.Count);
        for (int i = 0; i < added.Count; i++)
        {
            // Keys with lone surrogates cannot survive UTF-8; compare with what UTF-8 makes of them.
            string expectedKey = System.Text.Encoding.UTF8.GetString(System.Text.Encoding.UTF8.GetBytes(added[i].PartitionKey));
            Assert.Equal(expectedKey, records[i].PartitionKey);
            Assert.Equal(added[i].ExplicitHashKey?.ToString(CultureInfo.InvariantCulture), records[i].ExplicitHashKey);
            Assert.True(added[i].Data.AsSpan().SequenceEqual(records[i].Data.Span));
            Assert.Equal(i, records[i].SubSequenceNumber);
            Assert.True(records[i].IsAggregated);
        }
    }

    private static Protos.AggregatedRecord ToGeneratedMessage(IReadOnlyList<UserRecord> records)
    {
        var message = new Protos.AggregatedRecord();
        var partitionKeys = new Dictionary<string, int>(StringComparer.Ordinal);
        var explicitHashKeys = new Dictionary<UInt128, int>();
        foreach (UserRecord record in records)
        {
            if (!partitionKeys.TryGetValue(record.PartitionKey, out int partitionKeyIndex))
            {
                partitionKeyIndex = partitionKeys.Count;
                partitionKeys.Add(record.PartitionKey, partitionKeyIndex);
                message.PartitionKeyTable.Add(record.PartitionKey);
            }

            var generated = new Protos.Record { PartitionKeyIndex = (ulong)partitionKeyIndex, Data = ByteString.CopyFrom(record.Data) };
            if (record.ExplicitHashKey is UInt128 explicitHashKey)
            {
                if (!explicitHashKeys.TryGetValue(explicitHashKey, out int explicitHashKeyIndex))
                {
                    explicitHashKeyIndex = explicitHashKeys.Count;
                    explicitHashKeys.Add(explicitHashKey, explicitHashKeyIndex);
                    message.ExplicitHashKeyTable.Add(HashKeys.Format(explicitHashKey));
                }

                generated.ExplicitHashKeyIndex = (ulong)explicitHashKeyIndex;
            }

            message.Records.Add(generated);
        }

        return message;
    }
}
