using System.Diagnostics;
using Kinesis.Core.Api;
using Kinesis.Testing;
using Xunit.Abstractions;

namespace Kinesis.Producer.Tests;

/// <summary>
/// The per-shard rate limiter in the pipeline, measured against kinesis-local: what each shard receives over the run stays
/// within a burst of one second's worth plus the configured rate for the rest of the run. A small limit (1 % of a shard:
/// 10 records/s, 10,486 bytes/s) keeps the runs short; the tolerance is generous because a slow machine only stretches
/// the measured window, which loosens the bound.
/// </summary>
[Collection(LocalAwsCollection.Name)]
public sealed class ProducerRateLimitTests(LocalAwsFixture fixture, ITestOutputHelper output)
{
    private const int RateLimitPercent = 1;
    private const double RecordsPerSecond = 1000 * RateLimitPercent / 100.0;
    private const double BytesPerSecond = 1024 * 1024 * RateLimitPercent / 100.0;
    private const double Tolerance = 1.5;

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task PutAsync_SmallRateLimit_RecordsPerSecondPerShardStayWithinIt()
    {
        // 40 small records per shard: 10 in the first second's burst, the other 30 take about 3 s more.
        var put = await PutPerShardAsync(recordsPerShard: 40, payloadSize: 40);

        foreach (var (shardId, records) in put)
        {
            var window = Window(records);
            var allowed = RecordsPerSecond + (RecordsPerSecond * window.TotalSeconds);
            output.WriteLine($"{shardId}: {records.Count} records in {window.TotalMilliseconds:0} ms, {(records.Count - RecordsPerSecond) / window.TotalSeconds:0.0}/s after the burst");
            Assert.True(
                records.Count <= allowed * Tolerance,
                $"shard {shardId} got {records.Count} records in {window.TotalMilliseconds:0} ms; the limit allows {allowed:0.#} (x{Tolerance})");
        }
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task PutAsync_SmallRateLimit_BytesPerSecondPerShardStayWithinIt()
    {
        // 2.5 KB records: the byte limit (about 4 of them a second) binds before the record limit. 20 per shard are
        // 50 KB: 10.5 KB in the first second's burst, the rest take about 4 s more.
        var put = await PutPerShardAsync(recordsPerShard: 20, payloadSize: 2500);

        foreach (var (shardId, records) in put)
        {
            var window = Window(records);
            var bytes = records.Sum(r => r.Bytes);

            // A record larger than what is left may go once the bucket is full: allow one more on top.
            var allowed = BytesPerSecond + (BytesPerSecond * window.TotalSeconds) + records.Max(r => r.Bytes);
            output.WriteLine($"{shardId}: {bytes} bytes in {window.TotalMilliseconds:0} ms, {(bytes - BytesPerSecond) / window.TotalSeconds:0} B/s after the burst");
            Assert.True(
                bytes <= allowed * Tolerance,
                $"shard {shardId} got {bytes} bytes in {window.TotalMilliseconds:0} ms; the limit allows {allowed:0} (x{Tolerance})");
        }
    }

    /// <summary>Puts <paramref name="recordsPerShard"/> unaggregated records on each of two shards at once; returns what each shard got.</summary>
    private async Task<Dictionary<string, List<(long SentAt, string ShardId, int Bytes)>>> PutPerShardAsync(int recordsPerShard, int payloadSize)
    {
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        var stream = LocalAwsFixture.UniqueName("producer-rate");
        await LocalKinesis.CreateStreamAsync(client, stream, shardCount: 2);
        var shards = (await client.ListShardsAsync(new ListShardsRequest { StreamName = stream })).Shards;
        using var recorder = new PutRecordsRecorder();

        // Unaggregated, so each user record is one Kinesis record charged to its shard's limiter.
        await using (var producer = new KinesisProducer(ProducerTestKit.Options(fixture.KinesisLocalEndpoint, recorder, o =>
        {
            o.AggregationEnabled = false;
            o.RateLimit = RateLimitPercent;
        })))
        {
            var puts = new List<Task<UserRecordResult>>();
            for (var i = 0; i < recordsPerShard; i++)
            {
                foreach (var shard in shards)
                {
                    puts.Add(producer.PutAsync(stream, $"key-{i}", ProducerTestKit.Payload("k", i, payloadSize), Kinesis.Core.Hashing.HashKeys.Format(shard.HashKeyRange.Start)));
                }
            }

            Assert.All(await Task.WhenAll(puts), r => Assert.True(r.IsSuccessful));
        }

        var byShard = recorder.Put.GroupBy(r => r.ShardId).ToDictionary(g => g.Key, g => g.ToList());
        Assert.Equal(shards.Select(s => s.ShardId).Order(), byShard.Keys.Order());
        Assert.All(byShard.Values, records => Assert.Equal(recordsPerShard, records.Count));
        return byShard;
    }

    /// <summary>From the first call that put a record on the shard to the last one.</summary>
    private static TimeSpan Window(List<(long SentAt, string ShardId, int Bytes)> records) =>
        Stopwatch.GetElapsedTime(records.Min(r => r.SentAt), records.Max(r => r.SentAt));
}
