using System.Buffers;
using System.Globalization;
using System.Numerics;
using System.Text;
using Kinesis.Client.Tests.Consumer;
using Kinesis.Core.Aggregation;
using Kinesis.Core.Api;
using Kinesis.Testing;
using Xunit.Abstractions;

namespace Kinesis.Client.Tests.FanOut;

/// <summary>
/// Enhanced fan-out as users run it: records arriving while the subscriptions are open, in bursts, large events, a
/// backlog, a split in the middle, all through the consumer's default HTTP handler (no tap), so the real HTTP/2 settings
/// are what the emulator sees. Events here are hundreds of KiB, larger than .NET's default 64 KiB HTTP/2 stream window.
/// </summary>
[Collection(LocalAwsCollection.Name)]
public sealed class FanOutLiveDeliveryTests(LocalAwsFixture fixture, ITestOutputHelper output)
{
    private const int Keys = 8;
    private const int RawPayloadBytes = 3 * 1024;
    private const int AggregatedPayloadBytes = 1536;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan BurstSpacing = TimeSpan.FromSeconds(2);

    [Theory(Timeout = TestTimeouts.LongIntegration)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task FanOut_RecordsPutAfterSubscribingInBurstsSecondsApart_EachDeliveredOnceInOrder(bool aggregated)
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(2);
        var consumer = CreateConsumer(env);
        await consumer.StartAsync();
        await Eventually.HoldsAsync(() => consumer.Counters.Subscriptions >= 2, Deadline, "both shards subscribed");

        var expected = new List<string>();
        for (var burst = 0; burst < 3; burst++)
        {
            if (burst > 0)
            {
                // The scenario: bursts seconds apart, each one arriving on subscriptions that are already open.
                await Task.Delay(BurstSpacing);
            }

            expected.AddRange(aggregated ? await PutAggregatesAsync(env, $"b{burst}", aggregates: 4, perAggregate: 100) : await PutRawAsync(env, $"b{burst}", perKey: 30));
        }

        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(expected), Deadline, $"{expected.Count} records put after subscribing delivered (so far {env.DeliveredPayloads().Count})");
        Assert.Equal(expected.Count, env.Deliveries.Count);
        AssertPerKeyOrder(env.Deliveries);
        Assert.Equal(0, consumer.Counters.GetRecordsCalls);
        output.WriteLine($"{expected.Count} records, subscriptions {consumer.Counters.Subscriptions}, silences {consumer.Counters.SubscriptionSilences}");
        await consumer.StopAsync();
    }

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task FanOut_LargeBacklogBeforeStart_EveryRecordDeliveredOnce()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(2);

        // 20 KPL aggregates of 100 records (the user's 2,000) and raw records: events of MiBs, each spanning many reads.
        var expected = await PutAggregatesAsync(env, "backlog", aggregates: 20, perAggregate: 100);
        expected.AddRange(await PutRawAsync(env, "raw", perKey: 30));
        var consumer = CreateConsumer(env);
        await consumer.StartAsync();

        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(expected), Deadline, $"{expected.Count} backlog records delivered (so far {env.DeliveredPayloads().Count})");
        Assert.Equal(expected.Count, env.Deliveries.Count);
        AssertPerKeyOrder(env.Deliveries);
        await consumer.StopAsync();
    }

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task FanOut_RecordsPutAfterSubscribingAcrossSplit_ParentThenChildrenWithoutGapOrDuplicate()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(1);
        var consumer = CreateConsumer(env);
        await consumer.StartAsync();
        await Eventually.HoldsAsync(() => consumer.Counters.Subscriptions >= 1, Deadline, "the shard subscribed");

        var expected = await PutRawAsync(env, "before", perKey: 15);
        var parent = (await env.Kinesis.ListShardsAsync(new ListShardsRequest { StreamName = env.StreamName })).Shards[0];
        var middle = ((BigInteger)parent.HashKeyRange.End / 2).ToString(CultureInfo.InvariantCulture);
        await env.Kinesis.SplitShardAsync(new SplitShardRequest { StreamName = env.StreamName, ShardToSplit = parent.ShardId, NewStartingHashKey = middle });
        await env.Kinesis.WaitForStreamActiveAsync(env.StreamName, TimeSpan.FromSeconds(60));
        expected.AddRange(await PutRawAsync(env, "after", perKey: 15));

        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(expected), Deadline, $"{expected.Count} records across the split delivered (so far {env.DeliveredPayloads().Count})");
        Assert.Equal(expected.Count, env.Deliveries.Count);
        var deliveries = env.Deliveries.ToList();
        Assert.All(deliveries.Where(d => d.Payload.Contains("before", StringComparison.Ordinal)), d => Assert.Equal(parent.ShardId, d.ShardId));
        Assert.All(deliveries.Where(d => d.Payload.Contains("after", StringComparison.Ordinal)), d => Assert.NotEqual(parent.ShardId, d.ShardId));

        // Parents before children: for every key, nothing of a child is delivered before the parent's last record.
        foreach (var key in deliveries.GroupBy(d => d.PartitionKey))
        {
            var lastParent = key.Select((d, i) => (d, i)).Where(x => x.d.ShardId == parent.ShardId).Max(x => x.i);
            var firstChild = key.Select((d, i) => (d, i)).Where(x => x.d.ShardId != parent.ShardId).Min(x => x.i);
            Assert.True(lastParent < firstChild, $"{key.Key}: a child record was delivered before the parent's last one");
        }

        AssertPerKeyOrder(deliveries);
        await consumer.StopAsync();
    }

    private static KinesisConsumer CreateConsumer(ConsumerTestEnvironment env) =>
        env.CreateConsumer("w1", configure: KinesisConsumerFanOutTests.ConfigureFanOut);

    /// <summary>Puts <paramref name="perKey"/> raw records of <see cref="RawPayloadBytes"/> for each of <see cref="Keys"/> keys in one PutRecords call.</summary>
    private static async Task<List<string>> PutRawAsync(ConsumerTestEnvironment env, string tag, int perKey)
    {
        var payloads = new List<string>();
        var entries = new List<PutRecordsRequestEntry>();
        for (var n = 0; n < perKey; n++)
        {
            for (var k = 0; k < Keys; k++)
            {
                var payload = Payload(tag, k, n, RawPayloadBytes);
                payloads.Add(payload);
                entries.Add(new PutRecordsRequestEntry { PartitionKey = $"key-{k}", Data = Encoding.UTF8.GetBytes(payload) });
            }
        }

        var response = await env.Kinesis.PutRecordsAsync(new PutRecordsRequest { StreamName = env.StreamName, Records = entries });
        Assert.Equal(0, response.FailedRecordCount);
        return payloads;
    }

    /// <summary>Puts KPL aggregates of <paramref name="perAggregate"/> records each; every aggregate holds one key (kept in order by PutRecord).</summary>
    private static async Task<List<string>> PutAggregatesAsync(ConsumerTestEnvironment env, string tag, int aggregates, int perAggregate)
    {
        var payloads = new List<string>();
        for (var a = 0; a < aggregates; a++)
        {
            using var aggregator = new RecordAggregator(RecordAggregator.MaxMaxSize);
            var key = a % Keys;
            for (var i = 0; i < perAggregate; i++)
            {
                var payload = Payload(tag, key, (a * perAggregate) + i, AggregatedPayloadBytes);
                payloads.Add(payload);
                Assert.True(aggregator.TryAdd($"key-{key}", Encoding.UTF8.GetBytes(payload)));
            }

            var buffer = new ArrayBufferWriter<byte>();
            var info = aggregator.Encode(buffer);
            await env.Kinesis.PutRecordAsync(new PutRecordRequest
            {
                StreamName = env.StreamName,
                PartitionKey = info.PartitionKey,
                ExplicitHashKey = info.ExplicitHashKey.ToString(),
                Data = buffer.WrittenMemory.ToArray(),
            });
        }

        return payloads;
    }

    /// <summary>"{tag}/key-{k}/{n}#" padded to <paramref name="size"/> bytes.</summary>
    private static string Payload(string tag, int key, int n, int size)
    {
        var head = $"{tag}/key-{key}/{n.ToString(CultureInfo.InvariantCulture)}#";
        return head + new string('x', Math.Max(0, size - head.Length));
    }

    /// <summary>For each tag and key, records are delivered in the order they were put.</summary>
    private static void AssertPerKeyOrder(IEnumerable<Delivery> deliveries)
    {
        var last = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var d in deliveries)
        {
            var head = d.Payload[..d.Payload.IndexOf('#', StringComparison.Ordinal)];
            var slash = head.LastIndexOf('/');
            var stream = head[..slash];
            var n = int.Parse(head[(slash + 1)..], CultureInfo.InvariantCulture);
            if (last.TryGetValue(stream, out var previous))
            {
                Assert.True(n > previous, $"{stream}: {n} delivered after {previous}");
            }

            last[stream] = n;
        }
    }
}
