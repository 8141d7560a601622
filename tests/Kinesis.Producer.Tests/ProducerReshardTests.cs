using System.Globalization;
using Kinesis.Core.Aggregation;
using Kinesis.Core.Api;
using Kinesis.Core.Hashing;
using Kinesis.Testing;

namespace Kinesis.Producer.Tests;

/// <summary>
/// A shard split between aggregation and send: the aggregate, built for the parent, lands on one child and holds keys
/// of the other. The producer must notice and re-send those keys, because a reader that filters by the shard's hash key
/// range, as the Java KCL does, drops that aggregate.
/// </summary>
[Collection(LocalAwsCollection.Name)]
public sealed class ProducerReshardTests(LocalAwsFixture fixture)
{
    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task PutAsync_SplitBetweenAggregationAndSend_ReaderDroppingOutOfRangeRecordsStillGetsEveryRecord()
    {
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        var stream = LocalAwsFixture.UniqueName("producer-split-send");
        await LocalKinesis.CreateStreamAsync(client, stream, shardCount: 1);
        var keys = Enumerable.Range(0, 40).Select(i => $"split-key-{i}").ToArray();
        const int PerKey = 5;

        UserRecordResult[] results;
        string parentShardId;
        using var gate = new PutRecordsGate();
        await using (var producer = new KinesisProducer(ProducerTestKit.Options(fixture.KinesisLocalEndpoint, gate, o =>
        {
            // The map is not refreshed on its own while the test splits the shard.
            o.ShardMapRefreshInterval = TimeSpan.FromMinutes(10);
        })))
        {
            // Loads the shard map: one shard.
            Assert.True((await producer.PutAsync(stream, keys[0], ProducerTestKit.Payload(keys[0], 0))).IsSuccessful);

            // From here PutRecords calls are held at the HTTP handler: the records are aggregated for the one shard, and
            // sent only after it has split.
            gate.Close();
            var puts = new List<Task<UserRecordResult>>();
            for (var i = 1; i <= PerKey; i++)
            {
                foreach (var key in keys)
                {
                    puts.Add(producer.PutAsync(stream, key, ProducerTestKit.Payload(key, i)));
                }
            }

            await Eventually.HoldsAsync(() => gate.Held > 0, TimeSpan.FromSeconds(30), "the aggregate's PutRecords call to be sent");
            var parent = Assert.Single((await client.ListShardsAsync(new ListShardsRequest { StreamName = stream })).Shards);
            var middle = (parent.HashKeyRange.Start / 2) + (parent.HashKeyRange.End / 2);
            await client.SplitShardAsync(new SplitShardRequest { StreamName = stream, ShardToSplit = parent.ShardId, NewStartingHashKey = middle.ToString(CultureInfo.InvariantCulture) });
            await client.WaitForStreamActiveAsync(stream, TimeSpan.FromSeconds(30));
            await Eventually.HoldsAsync(
                async () => (await client.ListShardsAsync(new ListShardsRequest { StreamName = stream })).Shards is { Count: 3 } shards
                    && shards.Single(s => s.ShardId == parent.ShardId).SequenceNumberRange.EndingSequenceNumber is not null,
                TimeSpan.FromSeconds(30),
                "the parent shard to close and its two children to open");

            gate.Open();
            results = await Task.WhenAll(puts);
            parentShardId = parent.ShardId;
        }

        var (read, dropped) = await ReadAllFilteredByShardRangeAsync(client, stream);
        Assert.True(dropped > 0, "the reader dropped nothing: the stale aggregate did not land where the test means it to");
        var indexes = read.GroupBy(r => r.Key).ToDictionary(g => g.Key, g => g.Select(r => r.Index).ToHashSet());
        foreach (var key in keys)
        {
            Assert.True(indexes.TryGetValue(key, out var got), $"no record of key {key} reached the reader");
            Assert.Equal(Enumerable.Range(key == keys[0] ? 0 : 1, key == keys[0] ? PerKey + 1 : PerKey).ToHashSet(), got);
        }

        Assert.All(results, r => Assert.True(r.IsSuccessful));
        Assert.All(results, r => Assert.NotEqual(parentShardId, r.ShardId));

        // The aggregate went to one child with keys of both: some records were re-sent after a wrong-shard answer.
        Assert.Contains(results, r => r.Attempts.Count == 2 && r.Attempts[0].ErrorCode == ProducerErrorCodes.WrongShard);
    }

    /// <summary>
    /// Reads every shard from TRIM_HORIZON as the Java KCL does: an aggregate holding a user record outside the shard's
    /// hash key range is dropped whole. Returns what was kept and how many user records were dropped.
    /// </summary>
    private static async Task<(List<(string Key, int Index)> Read, long Dropped)> ReadAllFilteredByShardRangeAsync(KinesisApiClient client, string stream)
    {
        var deaggregator = new Deaggregator(new DeaggregatorOptions { OutOfRangeBehavior = HashKeyRangeFilterMode.DropAndReport });
        var read = new List<(string, int)>();
        var users = new List<DeaggregatedRecord>();
        foreach (var shard in (await client.ListShardsAsync(new ListShardsRequest { StreamName = stream })).Shards)
        {
            var range = shard.HashKeyRange;
            var iterator = (await client.GetShardIteratorAsync(new GetShardIteratorRequest { StreamName = stream, ShardId = shard.ShardId, ShardIteratorType = ShardIteratorType.TrimHorizon })).ShardIterator;
            while (iterator is not null)
            {
                var response = await client.GetRecordsAsync(new GetRecordsRequest { ShardIterator = iterator, Limit = 10_000 });
                foreach (var record in response.Records)
                {
                    users.Clear();
                    deaggregator.Deaggregate(new KinesisRecordInput(record.Data, record.PartitionKey, record.SequenceNumber, record.ApproximateArrivalTimestamp ?? DateTimeOffset.UtcNow), users, range);
                    read.AddRange(users.Select(ProducerTestKit.Parse));
                }

                if (response.Records.Count == 0 && (response.MillisBehindLatest ?? 0) == 0)
                {
                    break;
                }

                iterator = response.NextShardIterator;
            }
        }

        return (read, deaggregator.Counters.DroppedUserRecords);
    }

    /// <summary>Holds PutRecords calls at the HTTP handler while closed, and lets them all go when opened.</summary>
    private sealed class PutRecordsGate() : DelegatingHandler(new SocketsHttpHandler())
    {
        private readonly TaskCompletionSource opened = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private volatile bool closed;
        private int held;

        public int Held => Volatile.Read(ref held);

        public void Close() => closed = true;

        public void Open() => opened.TrySetResult();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (closed && request.Headers.TryGetValues("X-Amz-Target", out var targets) && targets.First().EndsWith(".PutRecords", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref held);
                await opened.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
    }
}
