using Kinesis.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Kinesis.Producer.Tests;

[Collection(LocalAwsCollection.Name)]
public sealed class KinesisProducerShutdownTests(LocalAwsFixture fixture)
{
    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task DisposeAsync_CallInFlightWhileTheClockStandsStill_AwaitsTheCallAndFailsItsRecordAsShutDown()
    {
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        var stream = LocalAwsFixture.UniqueName("producer-stop");
        await LocalKinesis.CreateStreamAsync(client, stream, shardCount: 1);
        using var faults = new FaultInjectionHandler().ForTarget("PutRecords", Fault.Delay(TimeSpan.FromMinutes(5)), times: int.MaxValue);

        // The producer's clock moves only when told: shutdown must wait for the call itself, not for the clock to tick.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var producer = new KinesisProducer(
            ProducerTestKit.Options(fixture.KinesisLocalEndpoint, faults, o =>
            {
                o.RecordMaxBufferedTime = TimeSpan.Zero;
                o.ShutdownTimeout = TimeSpan.FromSeconds(1);
                o.RequestTimeout = TimeSpan.FromMinutes(2);
            }),
            client: null,
            clock,
            loggerFactory: null);
        var put = producer.PutAsync(stream, "k", ProducerTestKit.Payload("k", 0));
        await Eventually.HoldsAsync(() => faults.RequestCount >= 2, TimeSpan.FromSeconds(20), "the PutRecords call to be in flight");

        var disposing = producer.DisposeAsync().AsTask();
        clock.Advance(TimeSpan.FromSeconds(2));
        await disposing.WaitAsync(TimeSpan.FromSeconds(20));

        // Resolved by the time DisposeAsync returns: the call was awaited, not left to finish on its own.
        Assert.Equal(0, producer.OutstandingRecords);
        var error = await Assert.ThrowsAsync<UserRecordFailedException>(() => put);
        Assert.Equal(ProducerErrorCodes.Shutdown, error.ErrorCode);
    }
}
