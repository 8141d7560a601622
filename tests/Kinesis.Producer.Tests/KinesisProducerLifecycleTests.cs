using System.Net;
using Kinesis.Core.Api;
using Kinesis.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Kinesis.Producer.Tests;

[Collection(LocalAwsCollection.Name)]
public sealed class KinesisProducerLifecycleTests(LocalAwsFixture fixture)
{
    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task PutAsync_CallerChangedTheOptionsAfterConstruction_ProducerKeepsItsOwn()
    {
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        var stream = LocalAwsFixture.UniqueName("producer-options-copy");
        await LocalKinesis.CreateStreamAsync(client, stream, shardCount: 1);
        var options = ProducerTestKit.Options(fixture.KinesisLocalEndpoint);
        await using var producer = new KinesisProducer(options);

        // Read by the stream's pipeline when the first record arrives: with the caller's object it would hold records 10 minutes.
        options.RecordMaxBufferedTime = TimeSpan.FromMinutes(10);
        var put = producer.PutAsync(stream, "k", ProducerTestKit.Payload("k", 0));

        var result = await put.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(result.IsSuccessful);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task DisposeAsync_RecordsBuffered_FlushesThemFirst()
    {
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        var stream = LocalAwsFixture.UniqueName("producer-dispose");
        await LocalKinesis.CreateStreamAsync(client, stream, shardCount: 1);

        var producer = new KinesisProducer(ProducerTestKit.Options(fixture.KinesisLocalEndpoint, configure: o => o.RecordMaxBufferedTime = TimeSpan.FromMinutes(1)));
        var puts = Enumerable.Range(0, 20).Select(i => producer.PutAsync(stream, "k", ProducerTestKit.Payload("k", i))).ToArray();
        await producer.DisposeAsync();

        Assert.All(puts, p => Assert.True(p.IsCompletedSuccessfully));
        Assert.Equal(20, (await LocalKinesis.ReadAllAsync(client, stream)).Count);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task DisposeAsync_RequestStuckPastShutdownTimeout_FailsRecordsWithShutdownReason()
    {
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        var stream = LocalAwsFixture.UniqueName("producer-stuck");
        await LocalKinesis.CreateStreamAsync(client, stream, shardCount: 1);
        using var faults = new FaultInjectionHandler().ForTarget("PutRecords", Fault.Delay(TimeSpan.FromSeconds(30)), times: int.MaxValue);

        var producer = new KinesisProducer(ProducerTestKit.Options(fixture.KinesisLocalEndpoint, faults, o =>
        {
            o.ShutdownTimeout = TimeSpan.FromMilliseconds(300);
            o.RequestTimeout = TimeSpan.FromSeconds(60);
        }));
        var put = producer.PutAsync(stream, "k", ProducerTestKit.Payload("k", 0));
        await Eventually.HoldsAsync(() => faults.RequestCount >= 2, TimeSpan.FromSeconds(10), "the PutRecords call to be in flight");

        await producer.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(15));

        var error = await Assert.ThrowsAsync<UserRecordFailedException>(() => put);
        Assert.Equal(ProducerErrorCodes.Shutdown, error.ErrorCode);
        Assert.Equal(0, producer.OutstandingRecords);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task DisposeAsync_RetriedRecordStuckInFlight_CountsTheCallInFlightAmongTheAttempts()
    {
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        var stream = LocalAwsFixture.UniqueName("producer-stuck2");
        await LocalKinesis.CreateStreamAsync(client, stream, shardCount: 1);
        using var faults = new FaultInjectionHandler()
            .ForTarget("PutRecords", Fault.AwsError(System.Net.HttpStatusCode.InternalServerError, "InternalFailure"))
            .ForTarget("PutRecords", Fault.Delay(TimeSpan.FromSeconds(30)), times: int.MaxValue);

        var producer = new KinesisProducer(ProducerTestKit.Options(fixture.KinesisLocalEndpoint, faults, o =>
        {
            o.ShutdownTimeout = TimeSpan.FromMilliseconds(300);
            o.RequestTimeout = TimeSpan.FromSeconds(60);
        }));
        var put = producer.PutAsync(stream, "k", ProducerTestKit.Payload("k", 0));

        // ListShards, the failed PutRecords, then the retry that hangs.
        await Eventually.HoldsAsync(() => faults.RequestCount >= 3, TimeSpan.FromSeconds(20), "the retried PutRecords call to be in flight");
        await producer.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(15));

        var error = await Assert.ThrowsAsync<UserRecordFailedException>(() => put);
        Assert.Equal(2, error.Result.Attempts.Count);
        Assert.Equal(ProducerErrorCodes.Shutdown, error.ErrorCode);
        Assert.Equal("InternalFailure", error.Cause?.ErrorCode);
        Assert.Contains("after 2 attempts; last error: InternalFailure", error.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task PutAsync_ExplicitHashKey_LandsOnTheShardOwningThatKey()
    {
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        var stream = LocalAwsFixture.UniqueName("producer-ehk");
        await LocalKinesis.CreateStreamAsync(client, stream, shardCount: 4);
        var shards = (await client.ListShardsAsync(new ListShardsRequest { StreamName = stream })).Shards;

        await using var producer = new KinesisProducer(ProducerTestKit.Options(fixture.KinesisLocalEndpoint));
        foreach (var shard in shards)
        {
            var results = await Task.WhenAll(Enumerable.Range(0, 3).Select(i =>
                producer.PutAsync(stream, $"any-{i}", ProducerTestKit.Payload("x", i), Kinesis.Core.Hashing.HashKeys.Format(shard.HashKeyRange.End))));
            Assert.All(results, r => Assert.Equal(shard.ShardId, r.ShardId));
        }
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task PutAsync_RecordsHashedInBatches_LandOnTheShardOfTheirPartitionKeyAndLeaveByTheirDeadline()
    {
        // Hash keys are computed 16 records at a time. 37 records leave a partial batch of 5 behind, which must still be
        // sent by its buffering deadline (no flush here) and, like the others, land on the shard its key hashes to.
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        var stream = LocalAwsFixture.UniqueName("producer-hash");
        await LocalKinesis.CreateStreamAsync(client, stream, shardCount: 4);
        var shards = (await client.ListShardsAsync(new ListShardsRequest { StreamName = stream })).Shards;

        await using var producer = new KinesisProducer(ProducerTestKit.Options(fixture.KinesisLocalEndpoint, configure: o => o.RecordMaxBufferedTime = TimeSpan.FromMilliseconds(200)));
        var keys = Enumerable.Range(0, 37).Select(i => $"batch-key-{i}-{new string('x', i)}").ToArray();
        var results = await Task.WhenAll(keys.Select((key, i) => producer.PutAsync(stream, key, ProducerTestKit.Payload(key, i)))).WaitAsync(TimeSpan.FromSeconds(30));

        for (var i = 0; i < keys.Length; i++)
        {
            var hashKey = Kinesis.Core.Hashing.HashKeys.FromPartitionKey(keys[i]);
            var owner = shards.Single(s => s.HashKeyRange.Start <= hashKey
                && hashKey <= s.HashKeyRange.End);
            Assert.Equal(owner.ShardId, results[i].ShardId);
        }
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task PutAsync_StrictOrderingWithPartialFailures_KeepsPerKeyOrderInTheStream()
    {
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        var stream = LocalAwsFixture.UniqueName("producer-strict");
        await LocalKinesis.CreateStreamAsync(client, stream, shardCount: 2);
        using var faults = new PutRecordsFaultHandler
        {
            RecordFault = (call, record) => call % 3 == 0 ? KinesisErrorCodes.ProvisionedThroughputExceeded : null,
        };
        string[] keys = ["a", "b", "c", "d"];

        await using (var producer = new KinesisProducer(ProducerTestKit.Options(fixture.KinesisLocalEndpoint, faults, o =>
        {
            o.Ordering = ProducerOrdering.StrictPerShard;
            o.AggregationMaxSize = 600;
        })))
        {
            var puts = new List<Task<UserRecordResult>>();
            for (var i = 0; i < 40; i++)
            {
                foreach (var key in keys)
                {
                    puts.Add(producer.PutAsync(stream, key, ProducerTestKit.Payload(key, i)));
                }
            }

            var results = await Task.WhenAll(puts);
            Assert.Contains(results, r => r.Attempts.Count > 1);
        }

        ProducerTestKit.AssertExactlyOnceInOrder(await LocalKinesis.ReadAllAsync(client, stream), keys, 40, checkOrder: true);
    }

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task PutAsync_SplitAndMergeDuringProduction_NoRecordLost()
    {
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        var stream = LocalAwsFixture.UniqueName("producer-reshard");
        await LocalKinesis.CreateStreamAsync(client, stream, shardCount: 2);
        var keys = Enumerable.Range(0, 12).Select(i => $"key-{i}").ToArray();
        const int perKey = 45;

        await using (var producer = new KinesisProducer(ProducerTestKit.Options(fixture.KinesisLocalEndpoint, configure: o => o.ShardMapRefreshInterval = TimeSpan.FromSeconds(1))))
        {
            var puts = new List<Task<UserRecordResult>>();
            async Task ProduceAsync(int from, int to)
            {
                for (var i = from; i < to; i++)
                {
                    foreach (var key in keys)
                    {
                        puts.Add(producer.PutAsync(stream, key, ProducerTestKit.Payload(key, i)));
                    }

                    await Task.Delay(5);
                }
            }

            await ProduceAsync(0, 15);
            var shards = (await client.ListShardsAsync(new ListShardsRequest { StreamName = stream })).Shards;
            var first = shards[0];
            var middle = (first.HashKeyRange.Start
                + first.HashKeyRange.End) / 2;
            await client.SplitShardAsync(new SplitShardRequest { StreamName = stream, ShardToSplit = first.ShardId, NewStartingHashKey = middle.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            await client.WaitForStreamActiveAsync(stream, TimeSpan.FromSeconds(30));
            await ProduceAsync(15, 30);

            var open = (await client.ListShardsAsync(new ListShardsRequest { StreamName = stream })).Shards
                .Where(s => s.SequenceNumberRange.EndingSequenceNumber is null)
                .OrderBy(s => s.HashKeyRange.Start)
                .ToArray();
            await LocalKinesis.ReshardAsync(client, stream, () => client.MergeShardsAsync(new MergeShardsRequest { StreamName = stream, ShardToMerge = open[0].ShardId, AdjacentShardToMerge = open[1].ShardId }));
            await ProduceAsync(30, perKey);

            var results = await Task.WhenAll(puts);
            Assert.All(results, r => Assert.True(r.IsSuccessful));
        }

        var read = await LocalKinesis.ReadAllAsync(client, stream);
        var indexes = read.GroupBy(r => ProducerTestKit.Parse(r.Record).Key)
            .ToDictionary(g => g.Key, g => g.Select(r => ProducerTestKit.Parse(r.Record).Index).ToHashSet());
        foreach (var key in keys)
        {
            Assert.Equal(Enumerable.Range(0, perKey).ToHashSet(), indexes[key]);
        }
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task PutAsync_TwoStreams_EachGetsItsOwnRecordsAndShardMap()
    {
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        var first = LocalAwsFixture.UniqueName("producer-multi-a");
        var second = LocalAwsFixture.UniqueName("producer-multi-b");
        await LocalKinesis.CreateStreamAsync(client, first, shardCount: 1);
        await LocalKinesis.CreateStreamAsync(client, second, shardCount: 3);

        await using (var producer = new KinesisProducer(ProducerTestKit.Options(fixture.KinesisLocalEndpoint)))
        {
            var puts = Enumerable.Range(0, 60).Select(i => producer.PutAsync(i % 2 == 0 ? first : second, $"k{i}", ProducerTestKit.Payload(i % 2 == 0 ? "a" : "b", i))).ToArray();
            var results = await Task.WhenAll(puts);
            Assert.Single(results.Where((_, i) => i % 2 == 0).Select(r => r.ShardId).Distinct());
            Assert.True(results.Where((_, i) => i % 2 == 1).Select(r => r.ShardId).Distinct().Count() > 1);
        }

        Assert.All(await LocalKinesis.ReadAllAsync(client, first), r => Assert.Equal("a", ProducerTestKit.Parse(r.Record).Key));
        Assert.All(await LocalKinesis.ReadAllAsync(client, second), r => Assert.Equal("b", ProducerTestKit.Parse(r.Record).Key));
    }

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task PutAsync_VolumeAgainstKinesalite_EveryRecordReadBackExactlyOnce()
    {
        using var client = LocalKinesis.CreateClient(fixture.KinesaliteEndpoint);
        var stream = LocalAwsFixture.UniqueName("producer-volume");
        await LocalKinesis.CreateStreamAsync(client, stream, shardCount: 4);
        var keys = Enumerable.Range(0, 200).Select(i => $"volume-key-{i}").ToArray();
        const int perKey = 250;

        await using (var producer = new KinesisProducer(ProducerTestKit.Options(fixture.KinesaliteEndpoint)))
        {
            var puts = new Task<UserRecordResult>[keys.Length * perKey];
            var n = 0;
            for (var i = 0; i < perKey; i++)
            {
                foreach (var key in keys)
                {
                    puts[n++] = producer.PutAsync(stream, key, ProducerTestKit.Payload(key, i, size: 100));
                }
            }

            await Task.WhenAll(puts);
        }

        var read = await LocalKinesis.ReadAllAsync(client, stream);
        Assert.Equal(keys.Length * perKey, read.Count);
        ProducerTestKit.AssertExactlyOnceInOrder(read, keys, perKey);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task PutAsync_WavesThatReuseRecordObjects_EachTaskGetsItsOwnResult()
    {
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        var stream = LocalAwsFixture.UniqueName("producer-reuse");
        await LocalKinesis.CreateStreamAsync(client, stream, shardCount: 2);
        var keys = Enumerable.Range(0, 20).Select(i => $"reuse-key-{i}").ToArray();
        const int Waves = 4;
        const int PerKeyPerWave = 25;

        var results = new List<UserRecordResult>();
        await using (var producer = new KinesisProducer(ProducerTestKit.Options(fixture.KinesisLocalEndpoint)))
        {
            // Each wave completes before the next starts, so later waves run on the objects of earlier ones.
            for (var wave = 0; wave < Waves; wave++)
            {
                var puts = new List<Task<UserRecordResult>>();
                for (var i = wave * PerKeyPerWave; i < (wave + 1) * PerKeyPerWave; i++)
                {
                    puts.AddRange(keys.Select(key => producer.PutAsync(stream, key, ProducerTestKit.Payload(key, i))));
                }

                Assert.Equal(puts.Count, puts.Distinct().Count());
                results.AddRange(await Task.WhenAll(puts));
            }
        }

        Assert.Equal(results.Count, results.Select(r => (r.SequenceNumber, r.SubSequenceNumber)).Distinct().Count());
        var read = await LocalKinesis.ReadAllAsync(client, stream);
        ProducerTestKit.AssertExactlyOnceInOrder(read, keys, Waves * PerKeyPerWave);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task PutAsync_FullBatchesQueued_SentBeforeTheBufferingDeadlineInFullCalls()
    {
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        var stream = LocalAwsFixture.UniqueName("producer-fill");
        await LocalKinesis.CreateStreamAsync(client, stream, shardCount: 1);
        var callSizes = new System.Collections.Concurrent.ConcurrentQueue<long>();
        using var listener = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == Kinesis.Core.Metrics.KinesisMeterNames.Producer && instrument.Name == Kinesis.Core.Metrics.ProducerMetricNames.KinesisRecordsPerPutRecordsRequest)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Value as string == stream)
                {
                    callSizes.Enqueue(value);
                }
            }
        });
        listener.Start();

        // The deadline is far away: only full calls can explain the records being put before the test times out.
        await using var producer = new KinesisProducer(ProducerTestKit.Options(fixture.KinesisLocalEndpoint, configure: o =>
        {
            o.AggregationEnabled = false;
            o.CollectionMaxCount = 50;
            o.RecordMaxBufferedTime = TimeSpan.FromMinutes(5);
        }));
        // Loads the shard map, so the records below are routed (and counted) as they are put.
        var warmUp = producer.PutAsync(stream, "warm-up", ProducerTestKit.Payload("warm-up", 0));
        await producer.FlushAsync();
        await warmUp;
        callSizes.Clear();

        var puts = Enumerable.Range(0, 100).Select(i => producer.PutAsync(stream, $"key-{i}", ProducerTestKit.Payload("k", i))).ToArray();
        await Task.WhenAll(puts);

        Assert.Equal([50L, 50L], callSizes);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task PutAsync_RecordWaitingOutABackoff_DoesNotHoldTheOnlyConnection()
    {
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        var first = LocalAwsFixture.UniqueName("producer-backoff-a");
        var second = LocalAwsFixture.UniqueName("producer-backoff-b");
        await LocalKinesis.CreateStreamAsync(client, first, shardCount: 1);
        await LocalKinesis.CreateStreamAsync(client, second, shardCount: 1);
        using var faults = new FaultInjectionHandler().ForTarget("PutRecords", Fault.AwsError(HttpStatusCode.InternalServerError, "InternalFailure"));

        // A clock that only moves when told: the first record's backoff lasts until the test advances it.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var producer = new KinesisProducer(
            ProducerTestKit.Options(fixture.KinesisLocalEndpoint, faults, o =>
            {
                o.MaxConnections = 1;
                o.RecordMaxBufferedTime = TimeSpan.Zero;
            }),
            client: null,
            clock,
            loggerFactory: null);
        var backingOff = producer.PutAsync(first, "k", ProducerTestKit.Payload("k", 0));
        await Eventually.HoldsAsync(() => faults.RequestCount >= 2, TimeSpan.FromSeconds(10), "the first PutRecords call to fail");

        // With the only connection held by the record above, this one could not be sent until its backoff ended.
        var result = await producer.PutAsync(second, "k", ProducerTestKit.Payload("k", 1)).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.True(result.IsSuccessful);
        Assert.False(backingOff.IsCompleted);

        clock.Advance(TimeSpan.FromSeconds(10));
        var retried = await backingOff.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(2, retried.Attempts.Count);
        clock.Advance(TimeSpan.FromMinutes(1));
        await producer.DisposeAsync();
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task PutAsync_AfterCollectingThrew_TheConnectionSlotIsBackAndRecordsAreSent()
    {
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        var stream = LocalAwsFixture.UniqueName("producer-collect-throws");
        await LocalKinesis.CreateStreamAsync(client, stream, shardCount: 1);

        // Collecting fails three times (a bug stand-in); with one connection, a slot lost each time would stop all sends.
        var clock = new CollectFailingTimeProvider(failures: 3);
        await using var producer = new KinesisProducer(
            ProducerTestKit.Options(fixture.KinesisLocalEndpoint, configure: o => o.MaxConnections = 1),
            client: null,
            clock,
            loggerFactory: null);
        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => producer.PutAsync(stream, $"k{i}", ProducerTestKit.Payload("k", i)))).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(0, clock.FailuresLeft);
        Assert.All(results, r => Assert.True(r.IsSuccessful));
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task PutAsync_FromASynchronousContinuationOfAnotherRecord_IsSentToo()
    {
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        var stream = LocalAwsFixture.UniqueName("producer-reentry");
        await LocalKinesis.CreateStreamAsync(client, stream, shardCount: 1);

        await using var producer = new KinesisProducer(ProducerTestKit.Options(fixture.KinesisLocalEndpoint));
        var firsts = Enumerable.Range(0, 10).Select(i => producer.PutAsync(stream, "first", ProducerTestKit.Payload("first", i))).ToArray();

        // Continuations of record tasks may run synchronously where the records complete; putting from there must work.
        var seconds = firsts.Select((put, i) => put.ContinueWith(
            _ => producer.PutAsync(stream, "second", ProducerTestKit.Payload("second", i)),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default).Unwrap()).ToArray();
        await Task.WhenAll(seconds);

        var read = await LocalKinesis.ReadAllAsync(client, stream);
        Assert.Equal(10, read.Count(r => ProducerTestKit.Parse(r.Record).Key == "second"));
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task PutAsync_PacedBurstsOverManyShards_NoWakeUpIsLostAndEveryRecordIsSent()
    {
        // Regression: small bursts arriving while the send loop was between passes could leave records
        // queued with the loop asleep until they expired.
        using var client = LocalKinesis.CreateClient(fixture.KinesaliteEndpoint);
        var stream = LocalAwsFixture.UniqueName("producer-paced");
        await LocalKinesis.CreateStreamAsync(client, stream, shardCount: 4);

        await using var producer = new KinesisProducer(ProducerTestKit.Options(fixture.KinesaliteEndpoint, configure: o =>
        {
            o.AggregationEnabled = false;
            o.RecordTtl = TimeSpan.FromSeconds(20);
        }));
        var puts = new List<Task<UserRecordResult>>();
        for (var i = 0; i < 1500; i++)
        {
            puts.Add(producer.PutAsync(stream, $"k{i % 100}", ProducerTestKit.Payload("k", i)));
            if (i % 10 == 9)
            {
                await Task.Delay(2);
            }
        }

        var results = await Task.WhenAll(puts);
        Assert.All(results, r => Assert.True(r.IsSuccessful));
    }

    /// <summary>The system clock, except that reading it inside StreamPipeline.Collect throws, the first few times.</summary>
    private sealed class CollectFailingTimeProvider(int failures) : TimeProvider
    {
        private int left = failures;

        public int FailuresLeft => Volatile.Read(ref left);

        public override long GetTimestamp()
        {
            if (Volatile.Read(ref left) > 0
                && new System.Diagnostics.StackTrace().GetFrames().Any(f => f.GetMethod() is { Name: "Collect" } m && m.DeclaringType == typeof(Kinesis.Producer.Pipeline.StreamPipeline))
                && Interlocked.Decrement(ref left) >= 0)
            {
                throw new InvalidOperationException("Injected: collecting failed.");
            }

            return System.GetTimestamp();
        }
    }
}
