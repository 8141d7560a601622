using Kinesis.Client.Tests.Consumer;
using Kinesis.Client.Tests.FanOut;
using Kinesis.Core.Api;
using Kinesis.Testing;

namespace Kinesis.Client.Tests.MultiStream;

[Collection(LocalAwsCollection.Name)]
public sealed class KinesisConsumerStreamArnTests(LocalAwsFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task StartAsync_StreamArnOnly_EveryCallNamesTheStreamByArn()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(2);
        var arn = await StreamArnAsync(env);
        var expected = await env.PutRawAsync(keys: 4, first: 0, count: 5);
        var recorder = new StreamNamingRecorder();
        var consumer = env.CreateConsumer("w1", kinesisHandler: recorder, configure: o =>
        {
            o.StreamName = null;
            o.StreamArn = arn;
        });
        await consumer.StartAsync();

        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(expected), Deadline, "every record delivered");
        await consumer.StopAsync();

        Assert.Superset(new HashSet<string>(["DescribeStreamSummary", "ListShards", "GetShardIterator", "GetRecords"]), recorder.Operations);
        Assert.All(recorder.Requests, r =>
        {
            Assert.Null(r.StreamName);
            Assert.Equal(arn, r.StreamArn);
        });
        KinesisConsumerIntegrationTests.AssertPerKeyOrder(env);
    }

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task StartAsync_StreamArnOnlyWithFanOut_RegistersBySubscribesWithoutStreamName()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(1);
        var arn = await StreamArnAsync(env);
        var expected = await env.PutRawAsync(keys: 2, first: 0, count: 5);
        var recorder = new StreamNamingRecorder();
        var consumer = env.CreateConsumer("w1", kinesisHandler: recorder, configure: o =>
        {
            KinesisConsumerFanOutTests.ConfigureFanOut(o);
            o.StreamName = null;
            o.StreamArn = arn;
            o.FanOut.DeregisterOnShutdown = true;

            // Only the first shard sync lists shards; a later ListShards is the reader's shard-end check after empty events.
            o.ShardSyncInterval = TimeSpan.FromHours(1);
        });
        await consumer.StartAsync();

        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(expected), Deadline, "every record delivered");
        await Eventually.HoldsAsync(() => recorder.Requests.Count(r => r.Operation == "ListShards") >= 2, Deadline, "the reader checked for the shard's end with ListShards");
        await consumer.StopAsync();

        Assert.Superset(new HashSet<string>(["DescribeStreamSummary", "ListShards", "RegisterStreamConsumer", "DescribeStreamConsumer", "SubscribeToShard"]), recorder.Operations);
        Assert.All(recorder.Requests, r => Assert.Null(r.StreamName));
        Assert.All(recorder.Requests.Where(r => r.Operation is "DescribeStreamSummary" or "ListShards" or "RegisterStreamConsumer"), r => Assert.Equal(arn, r.StreamArn));
    }

    private static async Task<string> StreamArnAsync(ConsumerTestEnvironment env)
    {
        var summary = await env.Kinesis.DescribeStreamSummaryAsync(new DescribeStreamSummaryRequest { StreamName = env.StreamName });
        return summary.StreamDescriptionSummary.StreamARN!;
    }
}
