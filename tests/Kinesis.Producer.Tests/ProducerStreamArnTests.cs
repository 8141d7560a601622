using Kinesis.Core.Api;
using Kinesis.LocalServices;
using Kinesis.Testing;

namespace Kinesis.Producer.Tests;

/// <summary>Putting to a stream named by its ARN, and to an on-demand stream, against kinesis-local.</summary>
[Collection(LocalAwsCollection.Name)]
public sealed class ProducerStreamArnTests(LocalAwsFixture fixture)
{
    private static readonly string[] Keys = [.. Enumerable.Range(0, 8).Select(i => $"key-{i}")];

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task PutAsync_StreamNamedByArn_RecordsArriveAndEveryRequestNamesTheStreamByArnOnly()
    {
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        var name = LocalAwsFixture.UniqueName("producer-arn");
        await LocalKinesis.CreateStreamAsync(client, name, shardCount: 2);
        var arn = (await client.WaitForStreamActiveAsync(name, TimeSpan.FromSeconds(30))).StreamARN!;
        using var recorder = new StreamNamingRecorder();

        const int perKey = 20;
        await using (var producer = new KinesisProducer(ProducerTestKit.Options(fixture.KinesisLocalEndpoint, recorder)))
        {
            var puts = new List<Task<UserRecordResult>>();
            for (var i = 0; i < perKey; i++)
            {
                foreach (var key in Keys)
                {
                    puts.Add(producer.PutAsync(arn, key, ProducerTestKit.Payload(key, i)));
                }
            }

            Assert.All(await Task.WhenAll(puts), r => Assert.True(r.IsSuccessful));
        }

        ProducerTestKit.AssertExactlyOnceInOrder(await LocalKinesis.ReadAllAsync(client, name), Keys, perKey);
        var sent = recorder.Requests.ToArray();
        Assert.Contains(sent, r => r.Operation == "ListShards");
        Assert.Contains(sent, r => r.Operation == "PutRecords");
        Assert.All(sent, r => Assert.Equal((null, arn), (r.StreamName, r.StreamArn)));
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task PutAsync_ArnOfAnotherRegion_ThrowsNamingTheStreamArgumentAndBothRegions()
    {
        await using var producer = new KinesisProducer(ProducerTestKit.Options(fixture.KinesisLocalEndpoint));

        var error = Assert.Throws<ArgumentException>(() => { _ = producer.PutAsync("arn:aws:kinesis:eu-west-1:000000000000:stream/orders", "k", new byte[1]); });

        Assert.Equal("stream", error.ParamName);
        Assert.Contains("'eu-west-1'", error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{LocalAwsServices.Region}'", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, producer.OutstandingRecords);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task PutAsync_MalformedArn_ThrowsNamingTheStreamArgument()
    {
        await using var producer = new KinesisProducer(ProducerTestKit.Options(fixture.KinesisLocalEndpoint));

        var error = Assert.Throws<ArgumentException>(() => { _ = producer.PutAsync($"arn:aws:kinesis:{LocalAwsServices.Region}:000000000000:stream/orders/consumer/c:1", "k", new byte[1]); });

        Assert.Equal("stream", error.ParamName);
        Assert.Equal(0, producer.OutstandingRecords);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task PutAsync_OnDemandStream_EveryRecordReadBackExactlyOnceInPerKeyOrder()
    {
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        var name = LocalAwsFixture.UniqueName("producer-on-demand");
        await client.CreateStreamAsync(new CreateStreamRequest { StreamName = name, StreamMode = StreamMode.OnDemand });
        var summary = await client.WaitForStreamActiveAsync(name, TimeSpan.FromSeconds(30));

        const int perKey = 20;
        await using (var producer = new KinesisProducer(ProducerTestKit.Options(fixture.KinesisLocalEndpoint)))
        {
            var puts = Keys.SelectMany(key => Enumerable.Range(0, perKey).Select(i => (key, i))).OrderBy(p => p.i).Select(p => producer.PutAsync(name, p.key, ProducerTestKit.Payload(p.key, p.i)));
            Assert.All(await Task.WhenAll(puts.ToArray()), r => Assert.True(r.IsSuccessful));
        }

        Assert.Equal(StreamMode.OnDemand, summary.StreamMode);
        ProducerTestKit.AssertExactlyOnceInOrder(await LocalKinesis.ReadAllAsync(client, name), Keys, perKey);
    }
}
