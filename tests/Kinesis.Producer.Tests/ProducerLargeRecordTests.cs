using System.Globalization;
using Kinesis.Core.Api;
using Kinesis.Testing;

namespace Kinesis.Producer.Tests;

/// <summary>User records above 1 MiB, for streams whose maximum record size is raised (kinesis-local enforces it per stream).</summary>
[Collection(LocalAwsCollection.Name)]
public sealed class ProducerLargeRecordTests(LocalAwsFixture fixture)
{
    private const int ThreeMebibytes = 3 * 1024 * 1024;

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task PutAsync_AboveOneMebibyteAtTheDefaultMaxRecordSize_ThrowsNamingTheOption()
    {
        await using var producer = new KinesisProducer(ProducerTestKit.Options(fixture.KinesisLocalEndpoint));

        var error = Assert.Throws<ArgumentException>(() => { _ = producer.PutAsync("s", "k", new byte[2 * 1024 * 1024]); });

        Assert.Equal("data", error.ParamName);
        Assert.Contains("KinesisProducerOptions.MaxRecordSize", error.Message, StringComparison.Ordinal);
        Assert.Contains(KinesisLimits.MaxRecordSize.ToString(CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task PutAsync_AboveTheRaisedMaxRecordSize_ThrowsNamingTheOptionAndItsValue()
    {
        await using var producer = new KinesisProducer(ProducerTestKit.Options(fixture.KinesisLocalEndpoint, configure: o => o.MaxRecordSize = ThreeMebibytes));

        var error = Assert.Throws<ArgumentException>(() => { _ = producer.PutAsync("s", "k", new byte[ThreeMebibytes]); });

        Assert.Contains("KinesisProducerOptions.MaxRecordSize", error.Message, StringComparison.Ordinal);
        Assert.Contains(ThreeMebibytes.ToString(CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task PutAsync_ProducerRaisedButStreamNot_RecordFailsAtOnceWithTheStreamsError()
    {
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        var name = LocalAwsFixture.UniqueName("producer-large-default");
        await LocalKinesis.CreateStreamAsync(client, name, shardCount: 1);

        await using var producer = new KinesisProducer(ProducerTestKit.Options(fixture.KinesisLocalEndpoint, configure: o => o.MaxRecordSize = ThreeMebibytes));
        var small = producer.PutAsync(name, "small", new byte[10]);
        var error = await Assert.ThrowsAsync<UserRecordFailedException>(() => producer.PutAsync(name, "big", new byte[2 * 1024 * 1024]));

        Assert.Equal("InvalidArgumentException", error.ErrorCode);
        Assert.Single(error.Result.Attempts);
        Assert.True((await small).IsSuccessful);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task PutAsync_StreamAndProducerRaisedToThreeMebibytes_LargeRecordsGoAloneAndSmallOnesAggregate()
    {
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        var name = await CreateThreeMebibyteStreamAsync(client, "producer-large");
        var large = new byte[(2 * 1024 * 1024) + 17];
        new Random(3).NextBytes(large);

        await using (var producer = new KinesisProducer(ProducerTestKit.Options(fixture.KinesisLocalEndpoint, configure: o => o.MaxRecordSize = ThreeMebibytes)))
        {
            var small = Enumerable.Range(0, 10).Select(i => producer.PutAsync(name, "small", ProducerTestKit.Payload("small", i))).ToArray();
            var big = await producer.PutAsync(name, "big", large);

            Assert.True(big.IsSuccessful);
            Assert.False(big.IsAggregated);
            Assert.All(await Task.WhenAll(small), r => Assert.True(r.IsSuccessful));
        }

        var read = await LocalKinesis.ReadAllAsync(client, name);
        Assert.True(Assert.Single(read, r => r.Record.PartitionKey == "big").Record.Data.Span.SequenceEqual(large));
        Assert.Equal(10, read.Count(r => r.Record.PartitionKey == "small"));
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task PutAsync_AggregationMaxSizeRaisedToThreeMebibytes_AggregatesAboveOneMebibyteReadBackWhole()
    {
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        var name = await CreateThreeMebibyteStreamAsync(client, "producer-large-agg");
        const int count = 40;

        await using (var producer = new KinesisProducer(ProducerTestKit.Options(fixture.KinesisLocalEndpoint, configure: o =>
        {
            o.MaxRecordSize = ThreeMebibytes;
            o.AggregationMaxSize = ThreeMebibytes;
            o.RecordMaxBufferedTime = TimeSpan.FromSeconds(5);
        })))
        {
            // 40 x 64 KiB = 2.5 MiB: one aggregate, sent by the flush.
            var puts = Enumerable.Range(0, count).Select(i => producer.PutAsync(name, "k", ProducerTestKit.Payload("k", i, 64 * 1024))).ToArray();
            await producer.FlushAsync();
            var results = await Task.WhenAll(puts);

            Assert.Single(results.Select(r => r.SequenceNumber).Distinct());
        }

        var read = await LocalKinesis.ReadAllAsync(client, name);
        ProducerTestKit.AssertExactlyOnceInOrder(read, ["k"], count);
    }

    /// <summary>Creates a one-shard stream whose maximum record size is 3 MiB, and waits until it is active.</summary>
    private static async Task<string> CreateThreeMebibyteStreamAsync(KinesisApiClient client, string prefix)
    {
        var name = LocalAwsFixture.UniqueName(prefix);
        await client.CreateStreamAsync(new CreateStreamRequest { StreamName = name, ShardCount = 1, MaxRecordSizeInKiB = ThreeMebibytes / 1024 });
        await client.WaitForStreamActiveAsync(name, TimeSpan.FromSeconds(30));
        return name;
    }
}
