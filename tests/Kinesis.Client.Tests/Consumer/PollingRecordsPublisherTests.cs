using Kinesis.Client.Lifecycle;
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
        await using var publisher = new PollingRecordsPublisher(env.Kinesis, env.StreamName, shardId, ExtendedSequenceNumber.TrimHorizon, options, new ConsumerCounters(), NullLogger.Instance);
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
}
