using System.Buffers;
using System.Text;
using Kinesis.Core.Aggregation;
using Kinesis.Core.Api;
using Kinesis.Testing;

namespace Kinesis.Client.Tests.Consumer;

/// <summary>The read path with records above 1 MiB, from a stream whose maximum record size is raised (kinesis-local enforces it).</summary>
[Collection(LocalAwsCollection.Name)]
public sealed class LargeRecordConsumerTests(LocalAwsFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task StartAsync_RecordsAboveOneMebibyte_DeliveredWholeRawAndAggregated()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(1);
        var arn = (await env.Kinesis.DescribeStreamSummaryAsync(new DescribeStreamSummaryRequest { StreamName = env.StreamName })).StreamDescriptionSummary.StreamARN!;
        await env.Kinesis.UpdateMaxRecordSizeAsync(new UpdateMaxRecordSizeRequest { StreamARN = arn, MaxRecordSizeInKiB = KinesisLimits.MaxMaxRecordSizeInKiB });
        var writerOptions = env.KinesisOptions(null);
        writerOptions.MaxRecordSize = KinesisLimits.MaxLargeRecordSize;
        using var writer = new KinesisApiClient(writerOptions);

        var raw = "raw-" + new string('r', 3 * 1024 * 1024);
        await writer.PutRecordAsync(new PutRecordRequest { StreamARN = arn, PartitionKey = "raw", Data = Encoding.UTF8.GetBytes(raw) });
        using var aggregator = new RecordAggregator(KinesisLimits.MaxLargeRecordSize);
        var members = Enumerable.Range(0, 3).Select(i => $"agg-{i}-" + new string('a', 1024 * 1024)).ToList();
        for (var i = 0; i < members.Count; i++)
        {
            Assert.True(aggregator.TryAdd($"akey-{i}", Encoding.UTF8.GetBytes(members[i])));
        }

        var buffer = new ArrayBufferWriter<byte>();
        var info = aggregator.Encode(buffer);
        await writer.PutRecordAsync(new PutRecordRequest { StreamARN = arn, PartitionKey = info.PartitionKey, ExplicitHashKey = info.ExplicitHashKey.ToString(), Data = buffer.WrittenMemory.ToArray() });

        var consumer = env.CreateConsumer("w1");
        await consumer.StartAsync();

        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf([raw, .. members]), Deadline, "the 3 MiB record and the 3 MiB aggregate's members delivered");
        Assert.Equal(3, env.Deliveries.Count(d => d.IsAggregated));
        Assert.Single(env.Deliveries, d => !d.IsAggregated);
        await consumer.StopAsync();
    }
}
