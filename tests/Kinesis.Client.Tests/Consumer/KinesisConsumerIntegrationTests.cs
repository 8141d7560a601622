using Kinesis.Testing;

namespace Kinesis.Client.Tests.Consumer;

[Collection(LocalAwsCollection.Name)]
public sealed class KinesisConsumerIntegrationTests(LocalAwsFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task StartAsync_OneWorker_ReadsRawAndAggregatedRecords()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(2);
        var expected = await env.PutRawAsync(keys: 4, first: 0, count: 10);
        expected.AddRange(await env.PutAggregateAsync("a", 50));
        var consumer = env.CreateConsumer("w1");
        await consumer.StartAsync();

        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(expected), Deadline, "every record delivered");
        var more = await env.PutRawAsync(keys: 4, first: 10, count: 5);
        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(more), Deadline, "records written after start delivered");

        Assert.Equal(expected.Count + more.Count, env.Deliveries.Count);
        Assert.Equal(50, env.Deliveries.Count(d => d.IsAggregated));
        Assert.All(env.Deliveries.Where(d => d.IsAggregated), d => Assert.Equal(d.Payload.Replace("agg-a-", "akey-", StringComparison.Ordinal), d.PartitionKey));
        AssertPerKeyOrder(env);
        await consumer.StopAsync();
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task StartAsync_AtTimestamp_SkipsRecordsBeforeTheTimestamp()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(1);
        var before = await env.PutRawAsync(keys: 2, first: 0, count: 5);
        // A gap in arrival times on both sides of the timestamp, so emulator and test clock resolution cannot blur it.
        await Task.Delay(TimeSpan.FromMilliseconds(1500));
        var timestamp = DateTimeOffset.UtcNow;
        await Task.Delay(TimeSpan.FromMilliseconds(1500));
        var after = await env.PutRawAsync(keys: 2, first: 5, count: 5);
        var consumer = env.CreateConsumer("w1", configure: o =>
        {
            o.InitialPosition = InitialPositionInStream.AtTimestamp;
            o.InitialPositionTimestamp = timestamp;
        });
        await consumer.StartAsync();

        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(after), Deadline, "records after the timestamp delivered");
        Assert.False(env.DeliveredPayloads().Overlaps(before));
        await consumer.StopAsync();
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task StartAsync_LeaseTableUnavailable_ThrowsAndCanBeRetried()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(1);
        var expected = await env.PutRawAsync(keys: 2, first: 0, count: 3);
        var consumer = env.CreateConsumer("w1", configure: o => o.StartTimeout = TimeSpan.FromSeconds(1));
        env.DynamoDbHandler.FailEverything = true;
        var ex = await Assert.ThrowsAsync<KinesisConsumerStartException>(() => consumer.StartAsync());
        Assert.Equal(KinesisConsumerStartFailure.LeaseTableFailed, ex.Reason);
        Assert.True(ex.IsRetryable);
        Assert.IsAssignableFrom<Amazon.Runtime.AmazonServiceException>(ex.InnerException);
        Assert.EndsWith("until StartTimeout (1 s) ran out; last error: InternalServerError (HTTP 500): injected by the test", ex.Message, StringComparison.Ordinal);

        env.DynamoDbHandler.FailEverything = false;
        await consumer.StartAsync();
        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(expected), Deadline, "records delivered after the retried start");
        await consumer.StopAsync();
    }

    internal static void AssertPerKeyOrder(ConsumerTestEnvironment env)
    {
        // Raw payloads are "key-k:n"; for each key the first delivery of n must come in increasing n.
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var delivered = new HashSet<string>(StringComparer.Ordinal);
        foreach (var d in env.Deliveries.Where(d => d.Payload.StartsWith("key-", StringComparison.Ordinal)))
        {
            if (!delivered.Add(d.Payload))
            {
                continue;
            }

            var parts = d.Payload.Split(':');
            var n = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
            if (seen.TryGetValue(parts[0], out var previous))
            {
                Assert.True(n > previous, $"{parts[0]}: {n} delivered after {previous}");
            }

            seen[parts[0]] = n;
        }
    }
}
