using System.Net;
using Kinesis.Core.Api;
using Kinesis.Testing;

namespace Kinesis.Producer.Tests;

[Collection(LocalAwsCollection.Name)]
public sealed class KinesisProducerTests(LocalAwsFixture fixture)
{
    private static readonly string[] Keys = [.. Enumerable.Range(0, 16).Select(i => $"key-{i}")];

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task PutAsync_AggregatedRecords_EveryRecordReadBackExactlyOnceInPerKeyOrder()
    {
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        var stream = LocalAwsFixture.UniqueName("producer-agg");
        await LocalKinesis.CreateStreamAsync(client, stream, shardCount: 3);

        const int perKey = 60;
        await using (var producer = new KinesisProducer(ProducerTestKit.Options(fixture.KinesisLocalEndpoint)))
        {
            var puts = new List<Task<UserRecordResult>>();
            for (var i = 0; i < perKey; i++)
            {
                foreach (var key in Keys)
                {
                    puts.Add(producer.PutAsync(stream, key, ProducerTestKit.Payload(key, i)));
                }
            }

            var results = await Task.WhenAll(puts);
            Assert.All(results, r =>
            {
                Assert.True(r.IsSuccessful);
                Assert.StartsWith("shardId-", r.ShardId, StringComparison.Ordinal);
                Assert.Single(r.Attempts);
                Assert.True(r.Attempts[0].IsSuccessful);
            });

            // Aggregation packs many user records into few Kinesis records.
            Assert.True(results.Select(r => r.SequenceNumber).Distinct().Count() < results.Length / 4);
            Assert.Equal(0, producer.OutstandingRecords);
        }

        var read = await LocalKinesis.ReadAllAsync(client, stream);
        Assert.Equal(Keys.Length * perKey, read.Count);
        ProducerTestKit.AssertExactlyOnceInOrder(read, Keys, perKey);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task PutAsync_AggregationDisabled_EachUserRecordIsItsOwnKinesisRecord()
    {
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        var stream = LocalAwsFixture.UniqueName("producer-raw");
        await LocalKinesis.CreateStreamAsync(client, stream, shardCount: 2);

        await using (var producer = new KinesisProducer(ProducerTestKit.Options(fixture.KinesisLocalEndpoint, configure: o => o.AggregationEnabled = false)))
        {
            var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => producer.PutAsync(stream, Keys[i % 4], ProducerTestKit.Payload(Keys[i % 4], i / 4))));
            Assert.Equal(50, results.Select(r => r.SequenceNumber).Distinct().Count());
            Assert.All(results, r => Assert.False(r.IsAggregated));
        }

        var read = await LocalKinesis.ReadAllAsync(client, stream);
        Assert.Equal(50, read.Count);
        Assert.All(read, r => Assert.False(r.Record.IsAggregated));
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task PutAsync_EveryOtherRecordThrottled_RetriedUntilAllArriveExactlyOnce()
    {
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        var stream = LocalAwsFixture.UniqueName("producer-partial");
        await LocalKinesis.CreateStreamAsync(client, stream, shardCount: 2);
        using var faults = new PutRecordsFaultHandler
        {
            // The first three calls fail every other record with throttling.
            RecordFault = (call, record) => call < 3 && record % 2 == 1 ? KinesisErrorCodes.ProvisionedThroughputExceeded : null,
        };

        const int perKey = 20;
        await using (var producer = new KinesisProducer(ProducerTestKit.Options(fixture.KinesisLocalEndpoint, faults, o => o.AggregationEnabled = false)))
        {
            var puts = new List<Task<UserRecordResult>>();
            for (var i = 0; i < perKey; i++)
            {
                foreach (var key in Keys.Take(4))
                {
                    puts.Add(producer.PutAsync(stream, key, ProducerTestKit.Payload(key, i)));
                }
            }

            var results = await Task.WhenAll(puts);
            var retried = results.Where(r => r.Attempts.Count > 1).ToArray();
            Assert.NotEmpty(retried);
            Assert.All(retried, r =>
            {
                Assert.Equal(KinesisErrorCodes.ProvisionedThroughputExceeded, r.Attempts[0].ErrorCode);
                Assert.False(r.Attempts[0].IsSuccessful);
                Assert.True(r.Attempts[^1].IsSuccessful);
            });
        }

        var read = await LocalKinesis.ReadAllAsync(client, stream);
        ProducerTestKit.AssertExactlyOnceInOrder(read, [.. Keys.Take(4)], perKey, checkOrder: false);
        Assert.Equal(4 * perKey, read.Count);
    }

    [Theory(Timeout = TestTimeouts.Integration)]
    [InlineData(HttpStatusCode.InternalServerError, "InternalFailure")]
    [InlineData(HttpStatusCode.BadRequest, "ProvisionedThroughputExceededException")]
    [InlineData(HttpStatusCode.ServiceUnavailable, "ServiceUnavailable")]
    public async Task PutAsync_WholeRequestFailsTwice_RetriedAndDelivered(HttpStatusCode status, string errorCode)
    {
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        var stream = LocalAwsFixture.UniqueName("producer-5xx");
        await LocalKinesis.CreateStreamAsync(client, stream, shardCount: 1);
        using var faults = new FaultInjectionHandler().ForTarget("PutRecords", Fault.AwsError(status, errorCode), times: 2);

        await using (var producer = new KinesisProducer(ProducerTestKit.Options(fixture.KinesisLocalEndpoint, faults)))
        {
            var result = await producer.PutAsync(stream, "k", ProducerTestKit.Payload("k", 0));
            Assert.Equal(3, result.Attempts.Count);
            Assert.Equal(errorCode, result.Attempts[0].ErrorCode);
            Assert.True(result.Attempts[2].IsSuccessful);
        }

        Assert.Single(await LocalKinesis.ReadAllAsync(client, stream));
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task PutAsync_ConnectionResetAndTimeout_RetriedAndDelivered()
    {
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        var stream = LocalAwsFixture.UniqueName("producer-reset");
        await LocalKinesis.CreateStreamAsync(client, stream, shardCount: 1);
        using var faults = new FaultInjectionHandler()
            .ForTarget("PutRecords", Fault.Reset())
            .ForTarget("PutRecords", Fault.Delay(TimeSpan.FromSeconds(5)));

        await using (var producer = new KinesisProducer(ProducerTestKit.Options(fixture.KinesisLocalEndpoint, faults, o => o.RequestTimeout = TimeSpan.FromMilliseconds(500))))
        {
            var result = await producer.PutAsync(stream, "k", ProducerTestKit.Payload("k", 0));
            Assert.True(result.IsSuccessful);
            Assert.Equal(3, result.Attempts.Count);
            Assert.Equal(KinesisErrorCodes.NetworkError, result.Attempts[0].ErrorCode);
            Assert.Equal(KinesisErrorCodes.RequestTimeout, result.Attempts[1].ErrorCode);
        }

        Assert.Single(await LocalKinesis.ReadAllAsync(client, stream));
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task PutAsync_ThrottledUntilTtl_FailsWithAllAttemptsAndExpired()
    {
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        var stream = LocalAwsFixture.UniqueName("producer-ttl");
        await LocalKinesis.CreateStreamAsync(client, stream, shardCount: 1);
        using var faults = new PutRecordsFaultHandler { RecordFault = (_, _) => KinesisErrorCodes.ProvisionedThroughputExceeded };

        await using var producer = new KinesisProducer(ProducerTestKit.Options(fixture.KinesisLocalEndpoint, faults, o => o.RecordTtl = TimeSpan.FromMilliseconds(800)));
        var error = await Assert.ThrowsAsync<UserRecordFailedException>(() => producer.PutAsync(stream, "k", ProducerTestKit.Payload("k", 0)));

        Assert.Equal(ProducerErrorCodes.Expired, error.ErrorCode);
        Assert.False(error.Result.IsSuccessful);
        Assert.True(error.Result.Attempts.Count >= 2);
        Assert.All(error.Result.Attempts.SkipLast(1), a => Assert.Equal(KinesisErrorCodes.ProvisionedThroughputExceeded, a.ErrorCode));
        Assert.Contains("Expired", error.Message, StringComparison.Ordinal);
        Assert.Equal(KinesisErrorCodes.ProvisionedThroughputExceeded, error.Cause?.ErrorCode);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task PutAsync_FailIfThrottled_FailsAtOnce()
    {
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        var stream = LocalAwsFixture.UniqueName("producer-failthrottle");
        await LocalKinesis.CreateStreamAsync(client, stream, shardCount: 1);
        using var faults = new PutRecordsFaultHandler { RecordFault = (_, _) => KinesisErrorCodes.ProvisionedThroughputExceeded };

        await using var producer = new KinesisProducer(ProducerTestKit.Options(fixture.KinesisLocalEndpoint, faults, o => o.FailIfThrottled = true));
        var error = await Assert.ThrowsAsync<UserRecordFailedException>(() => producer.PutAsync(stream, "k", ProducerTestKit.Payload("k", 0)));

        Assert.Single(error.Result.Attempts);
        Assert.Equal(KinesisErrorCodes.ProvisionedThroughputExceeded, error.ErrorCode);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task PutAsync_NonRetryableRequestError_FailsAtOnce()
    {
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        var stream = LocalAwsFixture.UniqueName("producer-denied");
        await LocalKinesis.CreateStreamAsync(client, stream, shardCount: 1);
        using var faults = new FaultInjectionHandler().ForTarget("PutRecords", Fault.AwsError(HttpStatusCode.BadRequest, "AccessDeniedException"), times: int.MaxValue);

        await using var producer = new KinesisProducer(ProducerTestKit.Options(fixture.KinesisLocalEndpoint, faults));
        var error = await Assert.ThrowsAsync<UserRecordFailedException>(() => producer.PutAsync(stream, "k", ProducerTestKit.Payload("k", 0)));

        Assert.Equal("AccessDeniedException", error.ErrorCode);
        Assert.Single(error.Result.Attempts);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task PutAsync_AnswerWithFewerResultsThanRecords_FailsAtOnceWithRecordCountMismatch()
    {
        // As the KPL: nothing says which result belongs to which record, so the call's records fail ("Record Count Mismatch").
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        var stream = LocalAwsFixture.UniqueName("producer-mismatch");
        await LocalKinesis.CreateStreamAsync(client, stream, shardCount: 1);
        using var faults = new FaultInjectionHandler().ForTarget("PutRecords", Fault.Respond(HttpStatusCode.OK, """{"FailedRecordCount":0,"Records":[]}"""), times: 1);

        await using var producer = new KinesisProducer(ProducerTestKit.Options(fixture.KinesisLocalEndpoint, faults));
        var error = await Assert.ThrowsAsync<UserRecordFailedException>(() => producer.PutAsync(stream, "k", ProducerTestKit.Payload("k", 0)));

        Assert.Equal("RecordCountMismatch", error.ErrorCode);
        Assert.Single(error.Result.Attempts);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task PutAsync_UnknownStream_FailsNamingTheStream()
    {
        await using var producer = new KinesisProducer(ProducerTestKit.Options(fixture.KinesisLocalEndpoint));
        var error = await Assert.ThrowsAsync<UserRecordFailedException>(() => producer.PutAsync("no-such-stream-xyz", "k", new byte[] { 1 }));
        Assert.Equal(KinesisErrorCodes.ResourceNotFound, error.ErrorCode);
        Assert.Contains("no-such-stream-xyz", error.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task FlushAsync_RecordsBuffered_CompletesWhenAllAreResolved()
    {
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        var stream = LocalAwsFixture.UniqueName("producer-flush");
        await LocalKinesis.CreateStreamAsync(client, stream, shardCount: 1);

        // A long buffering time: without the flush nothing would be sent for a minute.
        await using var producer = new KinesisProducer(ProducerTestKit.Options(fixture.KinesisLocalEndpoint, configure: o => o.RecordMaxBufferedTime = TimeSpan.FromMinutes(1)));
        var puts = Enumerable.Range(0, 30).Select(i => producer.PutAsync(stream, "k", ProducerTestKit.Payload("k", i))).ToArray();

        await producer.FlushAsync();

        Assert.All(puts, p => Assert.True(p.IsCompletedSuccessfully));
        Assert.Equal(0, producer.OutstandingRecords);
        Assert.Equal(0, producer.OutstandingBytes);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task PutAsync_FullWithThrowMode_ThrowsProducerFull()
    {
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        var stream = LocalAwsFixture.UniqueName("producer-full");
        await LocalKinesis.CreateStreamAsync(client, stream, shardCount: 1);
        using var faults = new FaultInjectionHandler().ForTarget("PutRecords", Fault.Delay(TimeSpan.FromSeconds(2)), times: int.MaxValue);

        await using var producer = new KinesisProducer(ProducerTestKit.Options(fixture.KinesisLocalEndpoint, faults, o =>
        {
            o.MaxOutstandingRecords = 5;
            o.FullMode = ProducerFullMode.Throw;
        }));
        var accepted = Enumerable.Range(0, 5).Select(i => producer.PutAsync(stream, "k", ProducerTestKit.Payload("k", i))).ToArray();

        var error = await Assert.ThrowsAsync<ProducerFullException>(() => producer.PutAsync(stream, "k", ProducerTestKit.Payload("k", 5)));
        Assert.Contains("MaxOutstandingRecords", error.Message, StringComparison.Ordinal);
        Assert.Equal(5, producer.OutstandingRecords);
        await Task.WhenAll(accepted);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task PutAsync_FullWithWaitMode_WaitsForRoomAndMemoryStaysBounded()
    {
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        var stream = LocalAwsFixture.UniqueName("producer-wait");
        await LocalKinesis.CreateStreamAsync(client, stream, shardCount: 1);
        using var faults = new FaultInjectionHandler().ForTarget("PutRecords", Fault.Delay(TimeSpan.FromMilliseconds(300)), times: int.MaxValue);

        await using var producer = new KinesisProducer(ProducerTestKit.Options(fixture.KinesisLocalEndpoint, faults, o => o.MaxOutstandingRecords = 10));
        await producer.PutAsync(stream, "k", ProducerTestKit.Payload("k", 0));

        var puts = Enumerable.Range(1, 30).Select(i => producer.PutAsync(stream, "k", ProducerTestKit.Payload("k", i))).ToArray();
        Assert.Equal(10, producer.OutstandingRecords);
        Assert.Contains(puts, p => !p.IsCompleted);

        var maxSeen = 0L;
        while (!puts.All(p => p.IsCompleted))
        {
            maxSeen = Math.Max(maxSeen, producer.OutstandingRecords);
            await Task.Delay(5);
        }

        Assert.True(maxSeen <= 10, $"outstanding reached {maxSeen}");
        Assert.All(await Task.WhenAll(puts), r => Assert.True(r.IsSuccessful));
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task PutAsync_TimedWakeUpsOfTheSender_ThrowNoExceptions()
    {
        // Debuggers and APM agents report every first-chance exception; a producer at work must not raise one per
        // timed wake-up (RecordMaxBufferedTime, backoffs, shard-map refresh). Only this test's producer is counted: its
        // loop runs in the execution context that carries the marker.
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        var stream = LocalAwsFixture.UniqueName("producer-quiet");
        await LocalKinesis.CreateStreamAsync(client, stream, shardCount: 1);
        var marker = new object();
        var counting = true;
        var thrown = new List<string>();
        void Count(object? sender, System.Runtime.ExceptionServices.FirstChanceExceptionEventArgs e)
        {
            if (Volatile.Read(ref counting) && ReferenceEquals(Marker.Value, marker))
            {
                lock (thrown)
                {
                    thrown.Add($"{e.Exception.GetType().Name}: {e.Exception.Message}");
                }
            }
        }

        Marker.Value = marker;
        AppDomain.CurrentDomain.FirstChanceException += Count;
        try
        {
            await using var producer = new KinesisProducer(ProducerTestKit.Options(fixture.KinesisLocalEndpoint));
            for (var i = 0; i < 20; i++)
            {
                // One record at a time: each is sent when its RecordMaxBufferedTime (20 ms) runs out, a timed wake-up.
                Assert.True((await producer.PutAsync(stream, "k", ProducerTestKit.Payload("k", i))).IsSuccessful);
            }

            Volatile.Write(ref counting, false);
        }
        finally
        {
            AppDomain.CurrentDomain.FirstChanceException -= Count;
            Marker.Value = null;
        }

        Assert.Empty(thrown);
    }

    private static readonly AsyncLocal<object?> Marker = new();
}
