using System.Net;
using System.Numerics;
using Kinesis.Client.Tests.Consumer;
using Kinesis.Core.Api;
using Kinesis.Testing;
using Xunit.Abstractions;

namespace Kinesis.Client.Tests.FanOut;

[Collection(LocalAwsCollection.Name)]
public sealed class KinesisConsumerFanOutTests(LocalAwsFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task StartAsync_FanOutWithShortSubscriptions_ReadsEveryRecordOnceAcrossResubscriptions()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(2);
        var expected = await env.PutRawAsync(keys: 4, first: 0, count: 10);
        using var tap = new SubscriptionTap { EndAfterFrames = 2 };
        var consumer = CreateFanOutConsumer(env, "w1", tap);
        await consumer.StartAsync();

        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(expected), Deadline, "records written before start delivered");
        for (var round = 1; round <= 3; round++)
        {
            var more = await env.PutRawAsync(keys: 4, first: round * 10, count: 5);
            expected.AddRange(more);
            await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(more), Deadline, $"round {round} delivered");
        }

        await Eventually.HoldsAsync(() => consumer.Counters.SubscriptionsCompleted >= 4, Deadline, "subscriptions ended and resumed");
        Assert.Equal(expected.Count, env.Deliveries.Count);
        KinesisConsumerIntegrationTests.AssertPerKeyOrder(env);
        Assert.Equal(0, consumer.Counters.GetRecordsCalls);
        var consumers = await ListConsumersAsync(env);
        Assert.Contains(consumers, c => c.ConsumerName == env.ApplicationName && c.ConsumerStatus == ConsumerStatus.Active);
        output.WriteLine($"subscriptions {consumer.Counters.Subscriptions}, ended by the tap {consumer.Counters.SubscriptionsCompleted}, refused {consumer.Counters.SubscriptionFailures}");
        await consumer.StopAsync();
    }

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task StartAsync_FanOutFromLatest_DeliversOnlyRecordsPutAfterTheSubscription()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(1);
        var before = await env.PutRawAsync(keys: 2, first: 0, count: 5);
        var consumer = CreateFanOutConsumer(env, "w1", handler: null, o => o.InitialPosition = InitialPositionInStream.Latest);
        await consumer.StartAsync();

        // A record put before the subscription opened is skipped by design, so put until one arrives.
        var next = 100;
        await Eventually.HoldsAsync(
            async () =>
            {
                await env.PutRawAsync(keys: 1, first: next++, count: 1);
                return !env.Deliveries.IsEmpty;
            },
            Deadline,
            "a record put after the start delivered",
            TimeSpan.FromMilliseconds(300));

        Assert.False(env.DeliveredPayloads().Overlaps(before));
        await consumer.StopAsync();
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task Subscribe_EndedAfterEvents_ResubscribesAfterTheLastContinuationWithoutGapOrDuplicate()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(1);
        var frames = new List<byte>();
        var expected = new List<string>();
        for (var e = 0; e < 3; e++)
        {
            var records = Enumerable.Range(0, 5).Select(i => ($"key-{i}", System.Text.Encoding.UTF8.GetBytes($"event-{e}-{i}"))).ToList();
            expected.AddRange(records.Select(r => System.Text.Encoding.UTF8.GetString(r.Item2)));
            frames.AddRange(EventStreamFrames.RecordsEvent($"4959{e + 100:D6}", records));
        }

        // The first subscription delivers three events and ends, as the service ends one after five minutes; every later
        // one ends at once without events, so the test sees only where the consumer asks to continue.
        var served = 0;
        using var tap = new SubscriptionTap { Override = _ => Interlocked.Increment(ref served) == 1 ? frames.ToArray() : [] };
        var consumer = CreateFanOutConsumer(env, "w1", tap);
        await consumer.StartAsync();

        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(expected) && tap.StartingPositions.Count >= 2, Deadline, "the events delivered and a new subscription sent");
        Assert.Equal(expected.Count, env.Deliveries.Count);
        Assert.Equal("""{"Type":"TRIM_HORIZON"}""", tap.StartingPositions[0].StartingPosition);
        Assert.All(tap.StartingPositions.Skip(1), p => Assert.Equal("""{"Type":"AFTER_SEQUENCE_NUMBER","SequenceNumber":"4959000102999999"}""", p.StartingPosition));
        await consumer.StopAsync();
    }

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task StartAsync_TwoApplicationsWithDifferentConsumerNames_BothReadTheWholeStream()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await using var other = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(2);
        var expected = await env.PutRawAsync(keys: 4, first: 0, count: 10);
        var first = CreateFanOutConsumer(env, "a1", null);
        var otherApplication = LocalAwsFixture.UniqueName("app2");
        var otherDeliveries = new System.Collections.Concurrent.ConcurrentQueue<Delivery>();
        var second = other.CreateConsumer(
            "b1",
            _ => new RecordingProcessor("b1", otherDeliveries),
            o =>
            {
                ConfigureFanOut(o);
                o.StreamName = env.StreamName;
                o.ApplicationName = otherApplication;
            });
        await first.StartAsync();
        await second.StartAsync();

        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(expected), Deadline, "the first application read everything");
        await Eventually.HoldsAsync(() => otherDeliveries.Select(d => d.Payload).ToHashSet().IsSupersetOf(expected), Deadline, "the second application read everything");
        var consumers = await ListConsumersAsync(env);
        Assert.Contains(consumers, c => c.ConsumerName == env.ApplicationName);
        Assert.Contains(consumers, c => c.ConsumerName == otherApplication);
        await first.StopAsync();
        await second.StopAsync();
    }

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task StopAsync_OneOfTwoFanOutWorkers_OtherTakesOverWithoutLoss()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(2);
        var leaving = CreateFanOutConsumer(env, "leaving", null);
        var staying = CreateFanOutConsumer(env, "staying", null);
        await leaving.StartAsync();
        await staying.StartAsync();
        await Eventually.HoldsAsync(() => leaving.HeldShardIds.Count == 1 && staying.HeldShardIds.Count == 1, Deadline, "one shard each");
        var before = await env.PutRawAsync(keys: 8, first: 0, count: 3);
        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(before), Deadline, "both shards flowing");
        await Eventually.HoldsAsync(env.CheckpointsCaughtUpAsync, Deadline, "checkpoints caught up");

        await leaving.StopAsync();
        var after = await env.PutRawAsync(keys: 8, first: 3, count: 3);
        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(after), Deadline, "the remaining worker reads both shards");
        Assert.Equal(2, staying.HeldShardIds.Count);
        Assert.Equal(before.Count + after.Count, env.Deliveries.Count);
        await staying.StopAsync();
    }

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task Subscribe_ResourceInUseAndLimitExceeded_RetriedWithBackoffAndRecorded()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(1);
        var expected = await env.PutRawAsync(keys: 2, first: 0, count: 10);
        using var recorder = new Metrics.ConsumerMeasurements(env.ApplicationName);
        using var tap = new SubscriptionTap();
        using var faults = new FaultInjectionHandler(tap)
            .ForTarget("SubscribeToShard", Fault.AwsError(HttpStatusCode.BadRequest, KinesisErrorCodes.ResourceInUse), times: 2)
            .ForTarget("SubscribeToShard", Fault.AwsError(HttpStatusCode.BadRequest, KinesisErrorCodes.LimitExceeded), times: 1);
        var consumer = CreateFanOutConsumer(env, "w1", faults);
        await consumer.StartAsync();

        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(expected), Deadline, "records delivered after the refusals");

        // A batch is counted in the metrics after the processor returns, so on a loaded machine the count lags the deliveries.
        await Eventually.HoldsAsync(() => recorder.Sum(Core.Metrics.ConsumerMetricNames.RecordsProcessed) >= expected.Count, Deadline, "the delivered records recorded as processed");
        Assert.True(consumer.Counters.SubscriptionFailures >= 3);
        Assert.Equal(expected.Count, env.Deliveries.Count);
        Assert.Equal(3, recorder.Values(Core.Metrics.ConsumerMetricNames.SubscribeToShardSuccess, Core.Metrics.ConsumerOperations.ProcessTask).Count(v => v == 0));
        Assert.Contains(recorder.Values(Core.Metrics.ConsumerMetricNames.SubscribeToShardSuccess, Core.Metrics.ConsumerOperations.ProcessTask), v => v == 1);
        Assert.Equal(1, recorder.Sum(Core.Metrics.ConsumerMetricNames.SubscribeToShardThrottled));
        await consumer.StopAsync();
    }

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task Subscribe_ConsumerDeleted_RegistersAgainAndContinues()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(1);
        var expected = await env.PutRawAsync(keys: 2, first: 0, count: 5);
        using var tap = new SubscriptionTap();
        var consumer = CreateFanOutConsumer(env, "w1", tap);
        await consumer.StartAsync();
        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(expected), Deadline, "first records delivered");
        var original = (await ListConsumersAsync(env)).Single(c => c.ConsumerName == env.ApplicationName);

        await env.Kinesis.DeregisterStreamConsumerAsync(new StreamConsumerRequest { ConsumerARN = original.ConsumerARN });
        await Eventually.HoldsAsync(async () => (await ListConsumersAsync(env)).All(c => c.ConsumerARN != original.ConsumerARN), Deadline, "the consumer is gone");
        tap.ResetAll();
        var more = await env.PutRawAsync(keys: 2, first: 5, count: 5);

        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(more), Deadline, "records delivered through the re-registered consumer");
        Assert.Contains(await ListConsumersAsync(env), c => c.ConsumerName == env.ApplicationName && c.ConsumerStatus == ConsumerStatus.Active);
        await consumer.StopAsync();
    }

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task Subscribe_SilentLongerThanTimeout_Resubscribes()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(1);
        var expected = await env.PutRawAsync(keys: 2, first: 0, count: 5);
        using var tap = new SubscriptionTap { StallAfterFrames = 2 };
        var consumer = CreateFanOutConsumer(env, "w1", tap, o => o.FanOut.SilenceTimeout = TimeSpan.FromSeconds(5));
        await consumer.StartAsync();
        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(expected), Deadline, "first records delivered");

        await Eventually.HoldsAsync(() => consumer.Counters.SubscriptionSilences >= 1, Deadline, "a stalled subscription is noticed");
        var more = await env.PutRawAsync(keys: 2, first: 5, count: 5);
        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(more), Deadline, "records delivered after resubscribing");
        Assert.Equal(expected.Count + more.Count, env.Deliveries.Count);
        await consumer.StopAsync();
    }

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task Subscribe_ConnectionReset_ResubscribesWithoutGapOrDuplicate()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(1);
        var expected = await env.PutRawAsync(keys: 2, first: 0, count: 5);
        using var tap = new SubscriptionTap();
        var consumer = CreateFanOutConsumer(env, "w1", tap);
        await consumer.StartAsync();
        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(expected), Deadline, "first records delivered");

        tap.ResetAll();
        await Eventually.HoldsAsync(() => consumer.Counters.SubscriptionFailures >= 1, Deadline, "the reset is seen");
        var more = await env.PutRawAsync(keys: 2, first: 5, count: 5);
        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(more), Deadline, "records delivered after the reset");
        Assert.Equal(expected.Count + more.Count, env.Deliveries.Count);
        await consumer.StopAsync();
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task LeaseTakenInTable_SubscriptionIsClosed()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(1);
        using var tap = new SubscriptionTap();
        var consumer = CreateFanOutConsumer(env, "w1", tap);
        await consumer.StartAsync();
        await Eventually.HoldsAsync(() => tap.OpenSubscriptions == 1, Deadline, "the shard is subscribed");

        var refresher = new Kinesis.Client.Leases.DynamoDbLeaseRefresher(env.DynamoDb, env.ApplicationName, new LeaseManagementOptions(), TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        // A take is conditional on the lease counter just read; the owner's renewal in between (a loaded machine) refuses it,
        // so read and take again until it is taken.
        await Eventually.HoldsAsync(
            async () => await refresher.TryTakeLeaseAsync((await refresher.ListLeasesAsync()).Single(), "intruder") is not null,
            Deadline,
            "the intruder took the lease");

        await Eventually.HoldsAsync(() => consumer.HeldShardIds.Count == 0 && tap.OpenSubscriptions == 0, Deadline, "the subscription is closed with the lost lease");
        var subscriptions = tap.Subscriptions;
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(subscriptions, tap.Subscriptions);
        Assert.Equal(0, tap.OpenSubscriptions);
    }

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task Subscribe_ChildShardsEvent_EndsParentAndReadsChildren()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(1);
        var parent = await SplitOnlyShardAsync(env);
        var children = (await env.Kinesis.ListShardsAsync(new ListShardsRequest { StreamName = env.StreamName })).Shards.Where(s => s.ParentShardId == parent.ShardId).ToList();
        Assert.Equal(2, children.Count);

        // kinesis-local never sends ChildShards on a closed parent; the parent's subscription is answered with the real end event.
        using var tap = new SubscriptionTap { Override = shard => shard == parent.ShardId ? EventStreamFrames.ShardEndEvent(children) : null };
        var consumer = CreateFanOutConsumer(env, "w1", tap, o => o.FanOut.EmptyEventsBeforeShardEndCheck = 10_000);
        await consumer.StartAsync();
        var expected = await env.PutRawAsync(keys: 8, first: 0, count: 3);

        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(expected), Deadline, "the children's records delivered");
        Assert.All(env.Deliveries, d => Assert.Contains(d.ShardId, children.Select(c => c.ShardId)));
        Assert.Equal(expected.Count, env.Deliveries.Count);
        var leases = await env.ListLeasesAsync();
        Assert.All(children, c => Assert.Contains(leases, l => l.LeaseKey == c.ShardId));
        await consumer.StopAsync();
    }

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task Subscribe_ClosedShardSendingOnlyEmptyEvents_EndsThroughListShards()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(1);
        var expected = await env.PutRawAsync(keys: 8, first: 0, count: 5);
        var parent = await SplitOnlyShardAsync(env);
        expected.AddRange(await env.PutRawAsync(keys: 8, first: 5, count: 5));
        var consumer = CreateFanOutConsumer(env, "w1", null);
        await consumer.StartAsync();

        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(expected), Deadline, "parent and children read");
        Assert.Equal(expected.Count, env.Deliveries.Count);
        KinesisConsumerIntegrationTests.AssertPerKeyOrder(env);
        Assert.Contains(env.Deliveries, d => d.ShardId == parent.ShardId);
        Assert.True(env.Deliveries.Select(d => d.ShardId).Distinct().Count() >= 2, "children were read");
        await consumer.StopAsync();
    }

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task StopAsync_DeregisterOnShutdown_RemovesTheStreamConsumer()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(1);
        var consumer = CreateFanOutConsumer(env, "w1", null, o => o.FanOut.DeregisterOnShutdown = true);
        await consumer.StartAsync();
        Assert.Contains(await ListConsumersAsync(env), c => c.ConsumerName == env.ApplicationName);

        await consumer.StopAsync();
        await Eventually.HoldsAsync(async () => (await ListConsumersAsync(env)).All(c => c.ConsumerName != env.ApplicationName), Deadline, "the consumer is deregistered");
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task Subscribe_SlowProcessor_ReadsNoMoreThanTheEventBufferAhead()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(1);
        const int Events = 60;
        const int Buffered = 4;
        var frames = new List<byte>();
        var expected = new List<string>();
        for (var e = 0; e < Events; e++)
        {
            var records = Enumerable.Range(0, 5).Select(i => ($"key-{i}", System.Text.Encoding.UTF8.GetBytes($"event-{e}-{i}"))).ToList();
            expected.AddRange(records.Select(r => System.Text.Encoding.UTF8.GetString(r.Item2)));
            frames.AddRange(EventStreamFrames.RecordsEvent($"4959{e + 100:D6}", records));
        }

        // The constructed subscription ends after its events; later subscriptions find the shard quiet on kinesis-local.
        var served = 0;
        using var tap = new SubscriptionTap { Override = _ => Interlocked.Increment(ref served) == 1 ? frames.ToArray() : null };
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumer = env.CreateConsumer(
            "w1",
            _ => new GatedProcessor(gate.Task, new RecordingProcessor("w1", env.Deliveries)),
            o =>
            {
                ConfigureFanOut(o);
                o.FanOut.MaxBufferedEvents = Buffered;
            },
            tap);
        await consumer.StartAsync();

        await Eventually.HoldsAsync(() => tap.FramesServed >= Buffered, Deadline, "the buffer fills");
        await Task.Delay(TimeSpan.FromSeconds(1));
        var readAhead = tap.FramesServed;
        output.WriteLine($"frames read while the processor was blocked: {readAhead} (buffer {Buffered})");

        // The buffer, the event the processor holds, the one waiting for space and the one being decoded.
        Assert.InRange(readAhead, Buffered, Buffered + 3);
        gate.SetResult();
        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(expected), Deadline, "every event delivered once the processor continues");
        Assert.Equal(expected.Count, env.Deliveries.Count);
        await consumer.StopAsync();
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task StartAsync_RegisterLimitExceeded_RetriesAndRegisters()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(1);
        var expected = await env.PutRawAsync(keys: 2, first: 0, count: 5);
        using var faults = new FaultInjectionHandler().ForTarget("RegisterStreamConsumer", Fault.AwsError(HttpStatusCode.BadRequest, KinesisErrorCodes.LimitExceeded), times: 2);
        var consumer = CreateFanOutConsumer(env, "w1", faults);
        await consumer.StartAsync();

        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(expected), Deadline, "records delivered");
        Assert.Contains(await ListConsumersAsync(env), c => c.ConsumerName == env.ApplicationName && c.ConsumerStatus == ConsumerStatus.Active);
        await consumer.StopAsync();
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task StartAsync_ConsumerArnGiven_NeitherDescribesNorRegisters()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(1);
        var expected = await env.PutRawAsync(keys: 2, first: 0, count: 5);
        var summary = await env.Kinesis.DescribeStreamSummaryAsync(new DescribeStreamSummaryRequest { StreamName = env.StreamName });
        var registered = await env.Kinesis.RegisterStreamConsumerAsync(new RegisterStreamConsumerRequest { StreamARN = summary.StreamDescriptionSummary.StreamARN!, ConsumerName = "preregistered" });
        await env.Kinesis.WaitForConsumerActiveAsync(registered.Consumer.ConsumerARN, TimeSpan.FromSeconds(60));
        using var faults = new FaultInjectionHandler()
            .ForTarget("RegisterStreamConsumer", Fault.AwsError(HttpStatusCode.InternalServerError, KinesisErrorCodes.InternalFailure), times: 100)
            .ForTarget("DescribeStreamConsumer", Fault.AwsError(HttpStatusCode.InternalServerError, KinesisErrorCodes.InternalFailure), times: 100);
        var consumer = CreateFanOutConsumer(env, "w1", faults, o => o.FanOut.ConsumerArn = registered.Consumer.ConsumerARN);
        await consumer.StartAsync();

        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(expected), Deadline, "records delivered through the given consumer");
        Assert.DoesNotContain(await ListConsumersAsync(env), c => c.ConsumerName == env.ApplicationName);
        await consumer.StopAsync();
    }

    internal static void ConfigureFanOut(KinesisConsumerOptions options)
    {
        options.Retrieval = RetrievalMode.FanOut;
        options.FanOut.RetryBaseDelay = TimeSpan.FromMilliseconds(200);
        options.FanOut.RetryMaxDelay = TimeSpan.FromSeconds(2);
        options.FanOut.EmptyEventsBeforeShardEndCheck = 3;
        options.FanOut.RegistrationTimeout = TimeSpan.FromSeconds(60);
    }

    private static KinesisConsumer CreateFanOutConsumer(ConsumerTestEnvironment env, string workerId, HttpMessageHandler? handler, Action<KinesisConsumerOptions>? configure = null) =>
        env.CreateConsumer(
            workerId,
            configure: o =>
            {
                ConfigureFanOut(o);
                configure?.Invoke(o);
            },
            kinesisHandler: handler);

    private static async Task<IReadOnlyList<Core.Api.Consumer>> ListConsumersAsync(ConsumerTestEnvironment env)
    {
        var summary = await env.Kinesis.DescribeStreamSummaryAsync(new DescribeStreamSummaryRequest { StreamName = env.StreamName });
        return (await env.Kinesis.ListStreamConsumersAsync(new ListStreamConsumersRequest { StreamARN = summary.StreamDescriptionSummary.StreamARN! })).Consumers;
    }

    private static async Task<Shard> SplitOnlyShardAsync(ConsumerTestEnvironment env)
    {
        var parent = (await env.Kinesis.ListShardsAsync(new ListShardsRequest { StreamName = env.StreamName })).Shards[0];
        var middle = ((BigInteger)parent.HashKeyRange.End / 2).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await env.Kinesis.SplitShardAsync(new SplitShardRequest { StreamName = env.StreamName, ShardToSplit = parent.ShardId, NewStartingHashKey = middle });
        await env.Kinesis.WaitForStreamActiveAsync(env.StreamName, TimeSpan.FromSeconds(60));
        return parent;
    }
}
