using Kinesis.Testing;

namespace Kinesis.Client.Tests.Consumer;

[Collection(LocalAwsCollection.Name)]
public sealed class ProcessorInitializeRetryTests(LocalAwsFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task InitializeAsync_ThrowsIncludingItsOwnCancellation_RetriedWithBackoffThenRecordsDelivered()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(1);
        var expected = await env.PutRawAsync(keys: 2, first: 0, count: 5);
        FlakyInitializeProcessor? processor = null;
        var consumer = env.CreateConsumer("w1", _ => processor = new FlakyInitializeProcessor(new RecordingProcessor("w1", env.Deliveries)));
        await consumer.StartAsync();

        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(expected), Deadline, "records delivered after the failed initializations");
        Assert.Equal(3, processor!.InitializeCalls);
        Assert.Equal(2, consumer.Counters.CallbackFailures);
        await consumer.StopAsync();
    }

    /// <summary>Fails <see cref="IShardRecordProcessor.InitializeAsync"/> twice: once plainly, once with a cancellation of its own (a timeout in user code), not the worker's.</summary>
    private sealed class FlakyInitializeProcessor(IShardRecordProcessor inner) : IShardRecordProcessor
    {
        private int initializeCalls;

        public int InitializeCalls => Volatile.Read(ref initializeCalls);

        public Task InitializeAsync(InitializationInput input, CancellationToken cancellationToken = default) => Interlocked.Increment(ref initializeCalls) switch
        {
            1 => throw new InvalidOperationException("The processor's store is not ready."),
            2 => throw new TaskCanceledException("The processor's own call timed out."),
            _ => inner.InitializeAsync(input, cancellationToken),
        };

        public Task ProcessRecordsAsync(ProcessRecordsInput input, CancellationToken cancellationToken = default) => inner.ProcessRecordsAsync(input, cancellationToken);

        public Task LeaseLostAsync(LeaseLostInput input, CancellationToken cancellationToken = default) => inner.LeaseLostAsync(input, cancellationToken);

        public Task ShardEndedAsync(ShardEndedInput input, CancellationToken cancellationToken = default) => inner.ShardEndedAsync(input, cancellationToken);

        public Task ShutdownRequestedAsync(ShutdownRequestedInput input, CancellationToken cancellationToken = default) => inner.ShutdownRequestedAsync(input, cancellationToken);
    }
}
