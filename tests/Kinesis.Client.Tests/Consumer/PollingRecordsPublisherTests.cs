using Kinesis.Client.Diagnostics;
using Kinesis.Client.Retrieval;
using Kinesis.Core.Api;
using Kinesis.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kinesis.Client.Tests.Consumer;

[Collection(LocalAwsCollection.Name)]
public sealed class PollingRecordsPublisherTests(LocalAwsFixture fixture)
{
    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task ReadAsync_SlowReader_PrefetchStaysWithinRecordBound()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(1);
        var expected = await env.PutRawAsync(keys: 1, first: 0, count: 50);
        var options = env.CreateOptions("w1");
        options.MaxRecords = 10;
        options.MaxPrefetchRecords = 20;
        options.IdleTimeBetweenReads = TimeSpan.FromMilliseconds(10);
        var shardId = (await env.Kinesis.ListShardsAsync(new ListShardsRequest { StreamName = env.StreamName })).Shards[0].ShardId;
        await using var publisher = new PollingRecordsPublisher(env.Kinesis, StreamAddress.ForName(env.StreamName), shardId, ExtendedSequenceNumber.TrimHorizon, options, new ConsumerCounters(), NullLogger.Instance);
        publisher.Start();

        await Eventually.HoldsAsync(() => publisher.QueuedRecords >= 20, TimeSpan.FromSeconds(30), "the prefetch filled");
        Assert.InRange(publisher.QueuedRecords, 20, 20 + 10 - 1);

        var read = new List<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (read.Count < expected.Count)
        {
            var batch = await publisher.ReadAsync(timeout.Token);
            Assert.InRange(publisher.QueuedRecords, 0, 20 + 10 - 1);
            read.AddRange(batch.Records.Select(r => System.Text.Encoding.UTF8.GetString(r.Data.Span)));
            publisher.Release(batch);
        }

        Assert.Equal(expected, read);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task Start_Latest_FetchesOnlyRecordsPutAfterTheIterator()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(1);
        var before = await env.PutRawAsync(keys: 2, first: 0, count: 5);
        var options = env.CreateOptions("w1");
        options.IdleTimeBetweenReads = TimeSpan.FromMilliseconds(50);
        var shardId = (await env.Kinesis.ListShardsAsync(new ListShardsRequest { StreamName = env.StreamName })).Shards[0].ShardId;
        await using var publisher = new PollingRecordsPublisher(env.Kinesis, StreamAddress.ForName(env.StreamName), shardId, ExtendedSequenceNumber.Latest, options, new ConsumerCounters(), NullLogger.Instance);
        publisher.Start();

        // A record put before the iterator was taken is skipped by design, so put until one arrives.
        var next = 100;
        await Eventually.HoldsAsync(
            async () =>
            {
                await env.PutRawAsync(keys: 1, first: next++, count: 1);
                return publisher.QueuedRecords > 0;
            },
            TimeSpan.FromSeconds(30),
            "a record put after the start fetched",
            TimeSpan.FromMilliseconds(200));

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var batch = await publisher.ReadAsync(timeout.Token);
        var read = batch.Records.Select(r => System.Text.Encoding.UTF8.GetString(r.Data.Span)).ToList();
        publisher.Release(batch);
        Assert.NotEmpty(read);
        Assert.All(read, payload => Assert.DoesNotContain(payload, before));
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task Start_IdleTimeBetweenReads_NextGetRecordsOnlyOnceTheIntervalPassedOnTheClock()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(1);
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        var options = env.CreateOptions("w1");
        options.IdleTimeBetweenReads = TimeSpan.FromSeconds(5);
        options.TimeProvider = clock;
        var counters = new ConsumerCounters();
        var shardId = (await env.Kinesis.ListShardsAsync(new ListShardsRequest { StreamName = env.StreamName })).Shards[0].ShardId;
        await using var publisher = new PollingRecordsPublisher(env.Kinesis, StreamAddress.ForName(env.StreamName), shardId, ExtendedSequenceNumber.TrimHorizon, options, counters, NullLogger.Instance);
        publisher.Start();
        await Eventually.HoldsAsync(() => counters.GetRecordsCalls >= 1, TimeSpan.FromSeconds(30), "the first GetRecords");

        // One millisecond short of the interval on the clock (Task.Delay counts whole milliseconds, so a shorter remainder
        // is no wait at all): no second call, whatever real time passes.
        clock.Advance(options.IdleTimeBetweenReads - TimeSpan.FromMilliseconds(1));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(1.5))
        {
            Assert.Equal(1, counters.GetRecordsCalls);
            await Task.Delay(50);
        }

        clock.Advance(TimeSpan.FromMilliseconds(1));
        await Eventually.HoldsAsync(() => counters.GetRecordsCalls == 2, TimeSpan.FromSeconds(30), "the second GetRecords once the interval passed");
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task Start_SharedScheduleEmptyShardsStartedApart_LaterShardWaitsForTheCommonTick()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(2);
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        var options = env.CreateOptions("w1");
        options.IdleTimeBetweenReads = TimeSpan.FromSeconds(5);
        options.TimeProvider = clock;
        var schedule = new IdlePollSchedule(options.IdleTimeBetweenReads, clock);
        var shards = (await env.Kinesis.ListShardsAsync(new ListShardsRequest { StreamName = env.StreamName })).Shards;
        var (first, second) = (new ConsumerCounters(), new ConsumerCounters());
        await using var early = new PollingRecordsPublisher(env.Kinesis, StreamAddress.ForName(env.StreamName), shards[0].ShardId, ExtendedSequenceNumber.TrimHorizon, options, first, NullLogger.Instance) { Schedule = schedule };
        await using var late = new PollingRecordsPublisher(env.Kinesis, StreamAddress.ForName(env.StreamName), shards[1].ShardId, ExtendedSequenceNumber.TrimHorizon, options, second, NullLogger.Instance) { Schedule = schedule };
        early.Start();
        await Eventually.HoldsAsync(() => first.GetRecordsCalls >= 1, TimeSpan.FromSeconds(30), "the early shard's first GetRecords");

        // More than a quarter interval later, so the late shard's next call cannot share the early shard's next tick.
        clock.Advance(TimeSpan.FromSeconds(2));
        late.Start();
        await Eventually.HoldsAsync(() => second.GetRecordsCalls >= 1, TimeSpan.FromSeconds(30), "the late shard's first GetRecords");

        // One interval after the early shard's first call: its second call, and not yet the late shard's.
        clock.Advance(TimeSpan.FromSeconds(3));
        await Eventually.HoldsAsync(() => first.GetRecordsCalls == 2, TimeSpan.FromSeconds(30), "the early shard's second GetRecords");

        // One interval after the late shard's first call: the late shard waits for the common tick instead of calling.
        clock.Advance(TimeSpan.FromSeconds(2));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(1.5))
        {
            Assert.Equal(1, second.GetRecordsCalls);
            await Task.Delay(50);
        }

        // The common tick: both call.
        clock.Advance(TimeSpan.FromSeconds(3));
        await Eventually.HoldsAsync(() => first.GetRecordsCalls == 3 && second.GetRecordsCalls == 2, TimeSpan.FromSeconds(30), "both shards' calls on the common tick");
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task Start_SharedScheduleEmptyShards_OneTimerPerTickForAllShards()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(3);
        var clock = new TimerCountingTimeProvider(new ManualTimeProvider(DateTimeOffset.UtcNow));
        var options = env.CreateOptions("w1");
        options.IdleTimeBetweenReads = TimeSpan.FromSeconds(5);
        options.TimeProvider = clock;
        var schedule = new IdlePollSchedule(options.IdleTimeBetweenReads, clock);
        var shards = (await env.Kinesis.ListShardsAsync(new ListShardsRequest { StreamName = env.StreamName })).Shards;
        var counters = shards.Select(_ => new ConsumerCounters()).ToList();
        var publishers = shards.Select((shard, i) => new PollingRecordsPublisher(env.Kinesis, StreamAddress.ForName(env.StreamName), shard.ShardId, ExtendedSequenceNumber.TrimHorizon, options, counters[i], NullLogger.Instance) { Schedule = schedule }).ToList();
        try
        {
            foreach (var publisher in publishers)
            {
                publisher.Start();
            }

            // Three ticks on which all three shards call: the waits before them and the one after, four in all.
            for (var tick = 1; tick <= 4; tick++)
            {
                await Eventually.HoldsAsync(() => counters.All(c => c.GetRecordsCalls == tick), TimeSpan.FromSeconds(30), $"every shard's call {tick}");
                await Eventually.HoldsAsync(() => clock.TimersCreated >= tick, TimeSpan.FromSeconds(30), $"the wait for tick {tick}");
                if (tick < 4)
                {
                    clock.Inner.Advance(options.IdleTimeBetweenReads);
                }
            }

            // A delay per shard would have made three timers per tick.
            await Task.Delay(200);
            Assert.Equal(4, clock.TimersCreated);
        }
        finally
        {
            foreach (var publisher in publishers)
            {
                await publisher.DisposeAsync();
            }
        }
    }
}

