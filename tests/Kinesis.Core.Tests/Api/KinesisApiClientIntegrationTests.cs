using System.Globalization;
using Kinesis.Core.Api;
using Kinesis.Core.Hashing;
using Kinesis.Testing;
using Record = Kinesis.Core.Api.Record;

namespace Kinesis.Core.Tests.Api;

/// <summary>Every operation both emulators support, against both (kinesalite speaks HTTP/1.1 only).</summary>
[Collection(LocalAwsCollection.Name)]
public sealed class KinesisApiClientIntegrationTests(LocalAwsFixture fixture)
{
    public static TheoryData<string> Emulators => ["kinesis-local", "kinesalite"];

    [Theory(Timeout = TestTimeouts.Integration)]
    [MemberData(nameof(Emulators))]
    public async Task CreateStream_Provisioned_BecomesActiveWithShards(string emulator)
    {
        using var client = ApiTestClients.Create(Endpoint(emulator));
        var name = LocalAwsFixture.UniqueName("create");

        var summary = await ApiTestClients.CreateActiveStreamAsync(client, name, 2);

        Assert.Equal(name, summary.StreamName);
        Assert.Equal(StreamStatus.Active, summary.StreamStatus);
        Assert.Equal(2, summary.OpenShardCount);
        Assert.False(string.IsNullOrEmpty(summary.StreamARN));
        Assert.NotNull(summary.StreamCreationTimestamp);
    }

    [Theory(Timeout = TestTimeouts.Integration)]
    [MemberData(nameof(Emulators))]
    public async Task ListAllShards_OneShardPerPage_ReturnsEveryShardOnceInOrder(string emulator)
    {
        using var client = ApiTestClients.Create(Endpoint(emulator));
        var name = LocalAwsFixture.UniqueName("listall");
        await ApiTestClients.CreateActiveStreamAsync(client, name, 3);
        var onePage = (await client.ListShardsAsync(new ListShardsRequest { StreamName = name })).Shards.Select(s => s.ShardId).ToArray();

        var all = await client.ListAllShardsAsync(new ListShardsRequest { StreamName = name, MaxResults = 1 });

        Assert.Equal(3, onePage.Length);
        Assert.Equal(onePage, all.Select(s => s.ShardId));
        await Assert.ThrowsAsync<ArgumentException>(() => client.ListAllShardsAsync(new ListShardsRequest { NextToken = "t" }));
    }

    [Theory(Timeout = TestTimeouts.Integration)]
    [MemberData(nameof(Emulators))]
    public async Task PutRecords_ThenGetRecords_RoundTripsDataKeysAndOrder(string emulator)
    {
        using var client = ApiTestClients.Create(Endpoint(emulator));
        var name = LocalAwsFixture.UniqueName("roundtrip");
        await ApiTestClients.CreateActiveStreamAsync(client, name, 1);
        var entries = Enumerable.Range(0, 20)
            .Select(i => new PutRecordsRequestEntry { PartitionKey = $"key-{i}", Data = ApiTestClients.Bytes(100 + i, i) })
            .ToArray();

        var put = await client.PutRecordsAsync(new PutRecordsRequest { StreamName = name, Records = entries });

        Assert.Equal(0, put.FailedRecordCount);
        Assert.Equal(20, put.Records.Count);
        Assert.All(put.Records, r => Assert.False(r.IsFailed));
        var shards = await client.ListShardsAsync(new ListShardsRequest { StreamName = name });
        var iterator = await client.GetShardIteratorAsync(new GetShardIteratorRequest { StreamName = name, ShardId = shards.Shards[0].ShardId, ShardIteratorType = ShardIteratorType.TrimHorizon });
        var records = await ReadAllAsync(client, iterator.ShardIterator, 20);
        Assert.Equal(entries.Select(e => e.PartitionKey), records.Select(r => r.PartitionKey));
        Assert.All(records.Zip(entries), pair => Assert.Equal(pair.Second.Data.ToArray(), pair.First.Data.ToArray()));
        Assert.Equal(put.Records.Select(r => r.SequenceNumber), records.Select(r => r.SequenceNumber));
        Assert.All(records, r => Assert.NotNull(r.ApproximateArrivalTimestamp));
    }

    [Theory(Timeout = TestTimeouts.Integration)]
    [MemberData(nameof(Emulators))]
    public async Task PutRecord_WithExplicitHashKey_GoesToTheShardOwningTheKey(string emulator)
    {
        using var client = ApiTestClients.Create(Endpoint(emulator));
        var name = LocalAwsFixture.UniqueName("putrecord");
        await ApiTestClients.CreateActiveStreamAsync(client, name, 2);
        var shards = (await client.ListShardsAsync(new ListShardsRequest { StreamName = name })).Shards;
        var upper = shards.Single(s => s.HashKeyRange.End == UInt128.MaxValue);

        var put = await client.PutRecordAsync(new PutRecordRequest
        {
            StreamName = name,
            PartitionKey = "any",
            Data = new byte[] { 1, 2, 3 },
            ExplicitHashKey = HashKeys.Format(upper.HashKeyRange.Start),
        });

        Assert.Equal(upper.ShardId, put.ShardId);
        Assert.False(string.IsNullOrEmpty(put.SequenceNumber));
    }

    [Theory(Timeout = TestTimeouts.Integration)]
    [MemberData(nameof(Emulators))]
    public async Task PutRecords_LargeBody_IsStreamedSignedAndStored(string emulator)
    {
        // 40 records of 40 KB: a ~2 MB body, above the size from which PutRecords bodies are written in pieces.
        using var client = ApiTestClients.Create(Endpoint(emulator));
        var name = LocalAwsFixture.UniqueName("streamed-body");
        await ApiTestClients.CreateActiveStreamAsync(client, name, 1);
        var entries = Enumerable.Range(0, 40).Select(i =>
        {
            var data = new byte[40_000];
            new Random(i).NextBytes(data);
            return new PutRecordsRequestEntry { PartitionKey = $"k{i}", Data = data };
        }).ToArray();

        var put = await client.PutRecordsAsync(new PutRecordsRequest { StreamName = name, Records = entries });

        Assert.Equal(0, put.FailedRecordCount);
        var shardId = (await client.ListShardsAsync(new ListShardsRequest { StreamName = name })).Shards[0].ShardId;
        var iterator = await client.GetShardIteratorAsync(new GetShardIteratorRequest { StreamName = name, ShardId = shardId, ShardIteratorType = ShardIteratorType.TrimHorizon });
        var read = await ReadAllAsync(client, iterator.ShardIterator, entries.Length);
        Assert.Equal(entries.Select(e => Convert.ToBase64String(e.Data.Span)), read.Select(r => Convert.ToBase64String(r.Data.Span)));
    }

    [Theory(Timeout = TestTimeouts.Integration)]
    [MemberData(nameof(Emulators))]
    public async Task GetShardIterator_EveryType_ReadsFromTheRightPlace(string emulator)
    {
        using var client = ApiTestClients.Create(Endpoint(emulator));
        var name = LocalAwsFixture.UniqueName("iterators");
        await ApiTestClients.CreateActiveStreamAsync(client, name, 1);
        var shardId = (await client.ListShardsAsync(new ListShardsRequest { StreamName = name })).Shards[0].ShardId;
        var before = DateTimeOffset.UtcNow.AddSeconds(-5);
        var put = await client.PutRecordsAsync(new PutRecordsRequest
        {
            StreamName = name,
            Records = Enumerable.Range(0, 3).Select(i => new PutRecordsRequestEntry { PartitionKey = "k", Data = new[] { (byte)i } }).ToArray(),
        });
        var sequences = put.Records.Select(r => r.SequenceNumber!).ToArray();

        async Task<List<Record>> Read(ShardIteratorType type, string? sequence = null, DateTimeOffset? at = null, int expected = 1)
        {
            var iterator = await client.GetShardIteratorAsync(new GetShardIteratorRequest { StreamName = name, ShardId = shardId, ShardIteratorType = type, StartingSequenceNumber = sequence, Timestamp = at });
            return await ReadAllAsync(client, iterator.ShardIterator, expected);
        }

        Assert.Equal(sequences, (await Read(ShardIteratorType.TrimHorizon, expected: 3)).Select(r => r.SequenceNumber));
        Assert.Equal(sequences[1..], (await Read(ShardIteratorType.AtSequenceNumber, sequences[1], expected: 2)).Select(r => r.SequenceNumber));
        Assert.Equal(sequences[2..], (await Read(ShardIteratorType.AfterSequenceNumber, sequences[1], expected: 1)).Select(r => r.SequenceNumber));
        Assert.Equal(sequences, (await Read(ShardIteratorType.AtTimestamp, at: before, expected: 3)).Select(r => r.SequenceNumber));
        var latest = await client.GetShardIteratorAsync(new GetShardIteratorRequest { StreamName = name, ShardId = shardId, ShardIteratorType = ShardIteratorType.Latest });
        var fromLatest = await client.GetRecordsAsync(new GetRecordsRequest { ShardIterator = latest.ShardIterator });
        Assert.Empty(fromLatest.Records);
        Assert.NotNull(fromLatest.NextShardIterator);
    }

    [Theory(Timeout = TestTimeouts.Integration)]
    [MemberData(nameof(Emulators))]
    public async Task SplitShard_ThenMerge_ClosesParentsAndReportsChildren(string emulator)
    {
        using var client = ApiTestClients.Create(Endpoint(emulator));
        var name = LocalAwsFixture.UniqueName("reshard");
        await ApiTestClients.CreateActiveStreamAsync(client, name, 1);
        var parent = (await client.ListShardsAsync(new ListShardsRequest { StreamName = name })).Shards.Single();

        await client.SplitShardAsync(new SplitShardRequest { StreamName = name, ShardToSplit = parent.ShardId, NewStartingHashKey = "170141183460469231731687303715884105728" });
        await client.WaitForStreamActiveAsync(name, ApiTestClients.ActiveTimeout, TimeSpan.FromMilliseconds(100));
        await Eventually.HoldsAsync(
            async () => (await client.DescribeStreamSummaryAsync(new DescribeStreamSummaryRequest { StreamName = name })).StreamDescriptionSummary.StreamStatus == StreamStatus.Active,
            ApiTestClients.ActiveTimeout,
            "the split to finish");

        var afterSplit = (await client.ListShardsAsync(new ListShardsRequest { StreamName = name })).Shards;
        Assert.Equal(3, afterSplit.Count);
        Assert.NotNull(afterSplit.Single(s => s.ShardId == parent.ShardId).SequenceNumberRange.EndingSequenceNumber);
        var children = afterSplit.Where(s => s.ParentShardId == parent.ShardId).OrderBy(s => s.HashKeyRange.Start).ToArray();
        Assert.Equal(2, children.Length);
        Assert.Equal(UInt128.Parse("170141183460469231731687303715884105727", CultureInfo.InvariantCulture), children[0].HashKeyRange.End);

        await LocalKinesis.ReshardAsync(client, name, () => client.MergeShardsAsync(new MergeShardsRequest { StreamName = name, ShardToMerge = children[0].ShardId, AdjacentShardToMerge = children[1].ShardId }));
        await Eventually.HoldsAsync(
            async () => (await client.ListShardsAsync(new ListShardsRequest { StreamName = name })).Shards.Count == 4,
            ApiTestClients.ActiveTimeout,
            "the merge to create a shard");
        var merged = (await client.ListShardsAsync(new ListShardsRequest { StreamName = name })).Shards.Single(s => s.AdjacentParentShardId is not null);
        Assert.Equal(HashKeyRange.All, merged.HashKeyRange);
    }

    [Theory(Timeout = TestTimeouts.Integration)]
    [MemberData(nameof(Emulators))]
    public async Task ListStreams_PagedByStartName_ReturnsTheStreamsAfterItInNameOrder(string emulator)
    {
        using var client = ApiTestClients.Create(Endpoint(emulator));
        var prefix = LocalAwsFixture.UniqueName("list");
        foreach (var suffix in new[] { "c", "a", "b" })
        {
            await client.CreateStreamAsync(new CreateStreamRequest { StreamName = $"{prefix}-{suffix}", ShardCount = 1 });
        }

        // Other tests' streams share the emulator; nothing sorts between names with one unique prefix. The start name
        // must be an existing stream: kinesis-local starts from the first stream for a name it does not know.
        var first = await client.ListStreamsAsync(new ListStreamsRequest { Limit = 1, ExclusiveStartStreamName = $"{prefix}-a" });
        var second = await client.ListStreamsAsync(new ListStreamsRequest { Limit = 1, ExclusiveStartStreamName = first.StreamNames[^1] });

        Assert.Equal([$"{prefix}-b"], first.StreamNames);
        Assert.True(first.HasMoreStreams);
        Assert.Equal([$"{prefix}-c"], second.StreamNames);
        Assert.All(first.StreamSummaries, s => Assert.Equal($"{prefix}-b", s.StreamName));
    }

    [Theory(Timeout = TestTimeouts.Integration)]
    [MemberData(nameof(Emulators))]
    public async Task DeleteStream_Existing_ThenDescribeFailsWithResourceNotFound(string emulator)
    {
        using var client = ApiTestClients.Create(Endpoint(emulator));
        var name = LocalAwsFixture.UniqueName("delete");
        await ApiTestClients.CreateActiveStreamAsync(client, name, 1);

        await client.DeleteStreamAsync(new DeleteStreamRequest { StreamName = name });

        await Eventually.HoldsAsync(
            async () =>
            {
                try
                {
                    await client.DescribeStreamSummaryAsync(new DescribeStreamSummaryRequest { StreamName = name });
                    return false;
                }
                catch (KinesisApiException ex) when (ex.ErrorCode == KinesisErrorCodes.ResourceNotFound)
                {
                    Assert.Equal(KinesisErrorKind.Service, ex.Kind);
                    Assert.Equal(400, ex.StatusCode);
                    Assert.False(ex.IsRetryable);
                    return true;
                }
            },
            ApiTestClients.ActiveTimeout,
            "the stream to disappear");
    }

    [Theory(Timeout = TestTimeouts.Integration)]
    [MemberData(nameof(Emulators))]
    public async Task DescribeStreamSummary_UnknownStream_ThrowsResourceNotFound(string emulator)
    {
        using var client = ApiTestClients.Create(Endpoint(emulator));

        var ex = await Assert.ThrowsAsync<KinesisApiException>(() => client.DescribeStreamSummaryAsync(new DescribeStreamSummaryRequest { StreamName = LocalAwsFixture.UniqueName("missing") }));

        Assert.Equal(KinesisErrorCodes.ResourceNotFound, ex.ErrorCode);
        Assert.Equal(KinesisErrorKind.Service, ex.Kind);
        Assert.False(ex.IsThrottling);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task PutRecords_BatchAtTheFiveMebibyteLimit_IsAcceptedAndReadBack()
    {
        using var client = ApiTestClients.Create(fixture.KinesaliteEndpoint);
        var name = LocalAwsFixture.UniqueName("bigbatch");
        await ApiTestClients.CreateActiveStreamAsync(client, name, 1);
        var perRecord = (KinesisLimits.MaxPutRecordsSize / 5) - 1;
        var entries = Enumerable.Range(0, 5).Select(i => new PutRecordsRequestEntry { PartitionKey = "k", Data = ApiTestClients.Bytes(perRecord, i) }).ToArray();

        var put = await client.PutRecordsAsync(new PutRecordsRequest { StreamName = name, Records = entries });

        Assert.Equal(0, put.FailedRecordCount);
        var shardId = (await client.ListShardsAsync(new ListShardsRequest { StreamName = name })).Shards[0].ShardId;
        var iterator = await client.GetShardIteratorAsync(new GetShardIteratorRequest { StreamName = name, ShardId = shardId, ShardIteratorType = ShardIteratorType.TrimHorizon });
        var records = await ReadAllAsync(client, iterator.ShardIterator, 5);
        Assert.Equal(5, records.Count);
        Assert.All(records.Zip(entries), pair => Assert.True(pair.First.Data.Span.SequenceEqual(pair.Second.Data.Span)));
    }

    internal static async Task<List<Record>> ReadAllAsync(KinesisApiClient client, string iterator, int expected)
    {
        var records = new List<Record>();
        string? next = iterator;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (records.Count < expected && next is not null && DateTime.UtcNow < deadline)
        {
            var page = await client.GetRecordsAsync(new GetRecordsRequest { ShardIterator = next });
            records.AddRange(page.Records);
            next = page.NextShardIterator;
        }

        return records;
    }

    private Uri Endpoint(string emulator) => emulator == "kinesalite" ? fixture.KinesaliteEndpoint : fixture.KinesisLocalEndpoint;
}
