using Kinesis.Core.Api;
using Kinesis.Testing;

namespace Kinesis.Producer.Tests;

/// <summary>
/// <see cref="ProducerOrdering.StrictPerShard"/> against kinesis-local with partial PutRecords failures: records of a
/// shard that follow a failed one must not overtake it.
/// </summary>
[Collection(LocalAwsCollection.Name)]
public sealed class ProducerStrictOrderingTests(LocalAwsFixture fixture)
{
    [Theory(Timeout = TestTimeouts.Integration)]
    [InlineData(true)]
    [InlineData(false)]
    public async Task PutAsync_StrictOrderingWithTheFirstRecordOfCallsFailing_StreamHoldsEachKeyInPutOrder(bool aggregation)
    {
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        var stream = LocalAwsFixture.UniqueName("producer-strict-partial");
        await LocalKinesis.CreateStreamAsync(client, stream, shardCount: 2);

        // The first record of every other call fails. Relaxed, a call carries several records of a shard, and the ones
        // after the failed record land before its retry: that is the reordering strict mode must prevent.
        using var faults = new PutRecordsFaultHandler
        {
            RecordFault = (call, record) => record == 0 && call % 2 == 0 ? KinesisErrorCodes.ProvisionedThroughputExceeded : null,
        };
        string[] keys = ["a", "b", "c", "d", "e", "f", "g", "h"];
        var perKey = aggregation ? 40 : 8;

        await using (var producer = new KinesisProducer(ProducerTestKit.Options(fixture.KinesisLocalEndpoint, faults, o =>
        {
            o.Ordering = ProducerOrdering.StrictPerShard;
            o.AggregationEnabled = aggregation;

            // Small aggregates: a dozen records each, so each shard has many Kinesis records queued.
            o.AggregationMaxSize = 600;
        })))
        {
            var puts = new List<Task<UserRecordResult>>();
            for (var i = 0; i < perKey; i++)
            {
                foreach (var key in keys)
                {
                    puts.Add(producer.PutAsync(stream, key, ProducerTestKit.Payload(key, i)));
                }
            }

            var results = await Task.WhenAll(puts);
            Assert.Contains(results, r => r.Attempts.Count > 1);
        }

        ProducerTestKit.AssertExactlyOnceInOrder(await LocalKinesis.ReadAllAsync(client, stream), keys, perKey, checkOrder: true);
    }
}
