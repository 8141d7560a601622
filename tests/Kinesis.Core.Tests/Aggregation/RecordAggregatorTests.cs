using Google.Protobuf;
using System.Text;
using Kinesis.Core.Aggregation;
using Kinesis.Core.Hashing;
using Protos = Kinesis.Core.Aggregation.Protos;

namespace Kinesis.Core.Tests.Aggregation;

public sealed class RecordAggregatorTests
{
    [Fact]
    public void Encode_FourRecordsOfKplVectorB_ReproducesKplBytesExactly()
    {
        using var aggregator = new RecordAggregator();
        foreach ((string partitionKey, string explicitHashKey, string data) in KplTestVectors.WithExplicitHashKeysRecords)
        {
            Assert.True(aggregator.TryAdd(partitionKey, Encoding.UTF8.GetBytes(data), HashKeys.ParseExplicitHashKey(explicitHashKey)));
        }

        (byte[] bytes, EncodedRecordInfo info) = AggregationTestData.Encode(aggregator);

        Assert.Equal(Convert.FromBase64String(KplTestVectors.WithExplicitHashKeysBase64), bytes);
        Assert.Equal(new EncodedRecordInfo("a", HashKeys.ParseExplicitHashKey("38486495867508399078159723846051807020"), 495, 4, true), info);
    }

    [Fact]
    public void TryAddReference_KplVectorB_ReproducesKplBytesExactly()
    {
        using var aggregator = new RecordAggregator();
        foreach ((string partitionKey, string explicitHashKey, string data) in KplTestVectors.WithExplicitHashKeysRecords)
        {
            Assert.True(aggregator.TryAddReference(partitionKey, Encoding.UTF8.GetBytes(data), HashKeys.ParseExplicitHashKey(explicitHashKey)));
        }

        Assert.Equal(Convert.FromBase64String(KplTestVectors.WithExplicitHashKeysBase64), AggregationTestData.Encode(aggregator).Bytes);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void TryAddReference_RandomRecords_SameAcceptancesAndBytesAsCopying(int seed)
    {
        var random = new Random(seed);
        using var copying = new RecordAggregator(maxSize: 4096);
        using var referencing = new RecordAggregator(maxSize: 4096);
        using var mixed = new RecordAggregator(maxSize: 4096);
        for (var aggregate = 0; aggregate < 20; aggregate++)
        {
            for (var i = 0; ; i++)
            {
                var key = "key-" + random.Next(0, 12).ToString(System.Globalization.CultureInfo.InvariantCulture);
                UInt128? explicitHashKey = random.Next(4) == 0 ? (UInt128)random.NextInt64() : null;
                var data = new byte[random.Next(0, aggregate % 3 == 0 ? 3000 : 300)];
                random.NextBytes(data);

                var accepted = copying.TryAdd(key, data, explicitHashKey);
                Assert.Equal(accepted, referencing.TryAddReference(key, data, explicitHashKey));
                Assert.Equal(accepted, i % 2 == 0 ? mixed.TryAdd(key, data, explicitHashKey) : mixed.TryAddReference(key, data, explicitHashKey));
                Assert.Equal(copying.EncodedSize, referencing.EncodedSize);
                Assert.Equal(copying.EncodedSize, mixed.EncodedSize);
                if (!accepted)
                {
                    break;
                }
            }

            var expected = AggregationTestData.Encode(copying);
            foreach (var other in new[] { referencing, mixed })
            {
                var (bytes, info) = AggregationTestData.Encode(other);
                Assert.Equal(expected.Bytes, bytes);
                Assert.Equal(expected.Info, info);
            }

            copying.Reset();
            referencing.Reset();
            mixed.Reset();
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void EncodeAll_RandomAggregators_SameBytesAsEncodingEachAlone(int seed)
    {
        // Single-record (raw), small and full aggregates in one call, so checksummed and raw results are interleaved.
        var random = new Random(seed);
        var aggregators = new List<RecordAggregator>();
        for (var a = 0; a < 45; a++)
        {
            var aggregator = new RecordAggregator(maxSize: random.Next(2) == 0 ? 51_200 : 2_000);
            var records = a % 7 == 0 ? 1 : random.Next(2, 400);
            for (var i = 0; i < records; i++)
            {
                var data = new byte[random.Next(0, 200)];
                random.NextBytes(data);
                if (!aggregator.TryAddReference("key-" + random.Next(0, 50).ToString(System.Globalization.CultureInfo.InvariantCulture), data))
                {
                    break;
                }
            }

            aggregators.Add(aggregator);
        }

        var destinations = aggregators.Select(a => new byte[a.EncodedSize + random.Next(0, 40)]).ToArray();
        var results = new EncodedRecordInfo[aggregators.Count];
        RecordAggregator.EncodeAll(aggregators.ToArray(), destinations, results);
        for (var i = 0; i < aggregators.Count; i++)
        {
            var (expectedBytes, expectedInfo) = AggregationTestData.Encode(aggregators[i]);
            Assert.Equal(expectedInfo, results[i]);
            Assert.Equal(expectedBytes, destinations[i].AsSpan(0, results[i].Length).ToArray());
            aggregators[i].Dispose();
        }
    }

    [Fact]
    public void EncodeAll_EmptyAggregator_ThrowsInvalidOperationException()
    {
        using var full = new RecordAggregator();
        full.TryAdd("a", [1, 2]);
        full.TryAdd("b", [3]);
        using var empty = new RecordAggregator();
        Assert.Throws<InvalidOperationException>(() => RecordAggregator.EncodeAll([full, empty], [new byte[100], new byte[100]], new EncodedRecordInfo[2]));
    }

    [Fact]
    public void EncodeAll_MismatchedLengthsOrShortDestination_ThrowNamingArgument()
    {
        using var aggregator = new RecordAggregator();
        aggregator.TryAdd("a", [1, 2]);
        aggregator.TryAdd("b", [3]);
        Assert.Equal("destinations", Assert.Throws<ArgumentException>(() => RecordAggregator.EncodeAll([aggregator], [], new EncodedRecordInfo[1])).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => RecordAggregator.EncodeAll([aggregator], [new byte[3]], new EncodedRecordInfo[1])).ParamName);
    }

    [Fact]
    public void TryAdd_RefusedRecordWithANewKey_LeavesNoTraceOfTheKey()
    {
        // The refused record's key is reserved during the size check and must be dropped with it: a later record
        // with the same key gets the next index, exactly as in an aggregator that never saw the refused record.
        using var refusing = new RecordAggregator(maxSize: 300);
        using var reference = new RecordAggregator(maxSize: 300);
        foreach (var aggregator in new[] { refusing, reference })
        {
            Assert.True(aggregator.TryAdd("first", new byte[100]));
        }

        Assert.False(refusing.TryAdd("later", new byte[250]));
        foreach (var aggregator in new[] { refusing, reference })
        {
            Assert.True(aggregator.TryAdd("other", new byte[10]));
            Assert.True(aggregator.TryAdd("later", new byte[10]));
        }

        Assert.Equal(reference.EncodedSize, refusing.EncodedSize);
        Assert.Equal(AggregationTestData.Encode(reference).Bytes, AggregationTestData.Encode(refusing).Bytes);
    }

    [Fact]
    public void Encode_EightRecordsOfKplVectorC_ReproducesKplBytesExactly()
    {
        using var aggregator = new RecordAggregator();
        foreach ((string partitionKey, string data) in KplTestVectors.WithoutExplicitHashKeysRecords)
        {
            Assert.True(aggregator.TryAdd(partitionKey, Encoding.UTF8.GetBytes(data)));
        }

        (byte[] bytes, EncodedRecordInfo info) = AggregationTestData.Encode(aggregator);

        Assert.Equal(Convert.FromBase64String(KplTestVectors.WithoutExplicitHashKeysBase64), bytes);
        Assert.Equal(HashKeys.FromPartitionKey("78feb12a-dba0-45ca-a91e-bb1f2f1819b4"), info.ExplicitHashKey);
        Assert.Equal(AggregatedRecordFormat.AggregatePartitionKey, info.PartitionKey);
    }

    [Fact]
    public void Encode_SharedKeysOfKplVectorA_DeduplicatesKeysAndReproducesKplBytes()
    {
        using var aggregator = new RecordAggregator();
        UInt128 explicitHashKey = HashKeys.ParseExplicitHashKey("339606600942967391854603552402021847292");
        for (int i = 2005; i <= 2008; i++)
        {
            Assert.True(aggregator.TryAdd("1562602074896", Encoding.UTF8.GetBytes($"RECORD {i} pjqrcfbxafzdndzmbgane"), explicitHashKey));
        }

        (byte[] bytes, _) = AggregationTestData.Encode(aggregator);

        Assert.Equal(Convert.FromBase64String(KplTestVectors.SharedKeysBase64), bytes);
    }

    [Fact]
    public void Encode_SingleRecord_WritesRawDataWithOwnKeys()
    {
        using var aggregator = new RecordAggregator();
        byte[] data = Encoding.UTF8.GetBytes("RECORD 749 pjqrcfbxafzdndzmbgane");
        Assert.True(aggregator.TryAdd("1562602074896", data));

        Assert.Equal(data.Length, aggregator.EncodedSize);
        (byte[] bytes, EncodedRecordInfo info) = AggregationTestData.Encode(aggregator);

        Assert.Equal(Convert.FromBase64String(KplTestVectors.NotAggregatedBase64), bytes);
        Assert.Equal(new EncodedRecordInfo("1562602074896", HashKeys.FromPartitionKey("1562602074896"), data.Length, 1, false), info);
    }

    [Fact]
    public void Encode_SingleRecordWithExplicitHashKey_UsesItsExplicitHashKey()
    {
        using var aggregator = new RecordAggregator();
        aggregator.TryAdd("pk", [1, 2, 3], UInt128.MaxValue);

        (_, EncodedRecordInfo info) = AggregationTestData.Encode(aggregator);

        Assert.Equal(UInt128.MaxValue, info.ExplicitHashKey);
        Assert.Equal("pk", info.PartitionKey);
    }

    [Fact]
    public void TryAdd_MaxRecordCountReached_RefusesAndLeavesSizeUnchanged()
    {
        using var aggregator = new RecordAggregator(maxRecordCount: 3);
        for (int i = 0; i < 3; i++)
        {
            Assert.True(aggregator.TryAdd($"k{i}", new byte[10]));
        }

        int size = aggregator.EncodedSize;
        Assert.False(aggregator.TryAdd("k3", new byte[10]));
        Assert.Equal(3, aggregator.Count);
        Assert.Equal(size, aggregator.EncodedSize);
        Assert.Equal(size, AggregationTestData.Encode(aggregator).Bytes.Length);
    }

    [Fact]
    public void TryAdd_RecordThatWouldPassMaxSize_IsRefusedAndFitsAfterReset()
    {
        using var aggregator = new RecordAggregator(maxSize: 200);
        Assert.True(aggregator.TryAdd("a", new byte[100]));
        Assert.False(aggregator.TryAdd("b", new byte[100]));
        Assert.True(aggregator.TryAdd("b", new byte[50]));
        Assert.True(aggregator.EncodedSize <= 200);

        aggregator.Reset();
        Assert.Equal(0, aggregator.Count);
        Assert.Equal(0, aggregator.EncodedSize);
        Assert.True(aggregator.TryAdd("b", new byte[100]));
    }

    [Fact]
    public void TryAdd_FirstRecordLargerThanMaxSize_IsAcceptedAloneAndSentRaw()
    {
        using var aggregator = new RecordAggregator(maxSize: 64);
        Assert.True(aggregator.TryAdd("big", new byte[1000]));
        Assert.False(aggregator.TryAdd("small", new byte[1]));

        (byte[] bytes, EncodedRecordInfo info) = AggregationTestData.Encode(aggregator);
        Assert.Equal(1000, bytes.Length);
        Assert.False(info.IsAggregated);
    }

    [Fact]
    public void TryAdd_FillToExactlyMaxSize_AcceptsTheRecordThatLandsOnTheLimit()
    {
        using var aggregator = new RecordAggregator(maxSize: 1000);
        Assert.True(aggregator.TryAdd("a", new byte[100]));
        Assert.True(aggregator.TryAdd("a", new byte[100]));

        // One more record with the same key and n = 757 bytes of data costs 1 (record tag) + 2 (record length)
        // + 2 (key index field) + 1 (data tag) + 2 (data length) + n.
        int remaining = 1000 - aggregator.EncodedSize;
        int dataLength = remaining - 8;
        Assert.Equal(757, dataLength);
        Assert.False(aggregator.TryAdd("a", new byte[dataLength + 1]));
        Assert.True(aggregator.TryAdd("a", new byte[dataLength]));
        Assert.Equal(1000, aggregator.EncodedSize);
        Assert.Equal(1000, AggregationTestData.Encode(aggregator).Bytes.Length);
    }

    [Fact]
    public void Encode_HandWrittenBytes_ParseWithGeneratedProtobufParser()
    {
        using var aggregator = new RecordAggregator();
        aggregator.TryAdd("k1", [1]);
        aggregator.TryAdd("k2", [2, 2], UInt128.Zero);
        aggregator.TryAdd("k1", [], UInt128.MaxValue);

        (byte[] bytes, _) = AggregationTestData.Encode(aggregator);
        Protos.AggregatedRecord parsed = Protos.AggregatedRecord.Parser.ParseFrom(bytes.AsSpan(4, bytes.Length - 20));

        Assert.Equal(["k1", "k2"], parsed.PartitionKeyTable);
        Assert.Equal(["0", "340282366920938463463374607431768211455"], parsed.ExplicitHashKeyTable);
        Assert.Equal(3, parsed.Records.Count);
        Assert.False(parsed.Records[0].HasExplicitHashKeyIndex);
        Assert.Equal(0UL, parsed.Records[1].ExplicitHashKeyIndex);
        Assert.Equal(1UL, parsed.Records[2].ExplicitHashKeyIndex);
        Assert.Equal(0UL, parsed.Records[2].PartitionKeyIndex);
        Assert.Equal([2, 2], parsed.Records[1].Data.ToByteArray());
        Assert.True(parsed.Records[2].HasData);
        Assert.True(parsed.IsInitialized());
    }

    [Fact]
    public void Encode_Empty_ThrowsInvalidOperationException()
    {
        using var aggregator = new RecordAggregator();
        Assert.Throws<InvalidOperationException>(() => aggregator.Encode(new byte[10]));
    }

    [Fact]
    public void Encode_DestinationTooShort_ThrowsArgumentException()
    {
        using var aggregator = new RecordAggregator();
        aggregator.TryAdd("a", new byte[5]);
        aggregator.TryAdd("b", new byte[5]);
        Assert.Throws<ArgumentException>("destination", () => aggregator.Encode(new byte[aggregator.EncodedSize - 1]));
    }

    [Theory]
    [InlineData(63)]
    [InlineData(10_485_761)]
    public void Constructor_MaxSizeOutOfRange_ThrowsNamingArgument(int maxSize)
    {
        ArgumentOutOfRangeException exception = Assert.Throws<ArgumentOutOfRangeException>("maxSize", () => new RecordAggregator(maxSize));
        Assert.Contains("[64, 10485760]", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_MaxRecordCountZero_ThrowsNamingArgument()
    {
        Assert.Throws<ArgumentOutOfRangeException>("maxRecordCount", () => new RecordAggregator(maxRecordCount: 0));
    }

    [Fact]
    public void Constructor_Defaults_MatchDocumentedConstants()
    {
        using var aggregator = new RecordAggregator();
        Assert.Equal(51_200, RecordAggregator.DefaultMaxSize);
        Assert.Equal(RecordAggregator.DefaultMaxSize, aggregator.MaxSize);
        Assert.Equal(RecordAggregator.DefaultMaxRecordCount, aggregator.MaxRecordCount);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(257)]
    public void TryAdd_PartitionKeyLengthOutOfRange_ThrowsNamingArgument(int length)
    {
        using var aggregator = new RecordAggregator();
        ArgumentException exception = Assert.Throws<ArgumentException>("partitionKey", () => aggregator.TryAdd(new string('k', length), [1]));
        Assert.Contains("1 to 256", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryAdd_DataLongerThanOneMebibyte_ThrowsNamingArgument()
    {
        using var aggregator = new RecordAggregator();
        Assert.Throws<ArgumentException>("data", () => aggregator.TryAdd("k", new byte[RecordAggregator.MaxDataLength + 1]));
    }

    [Fact]
    public void TryAdd_AfterDispose_ThrowsObjectDisposedException()
    {
        var aggregator = new RecordAggregator();
        aggregator.Dispose();
        aggregator.Dispose();
        Assert.Throws<ObjectDisposedException>(() => aggregator.TryAdd("k", [1]));
    }
}
