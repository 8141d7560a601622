using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Kinesis.Client.Tests.Consumer;
using Kinesis.Core.Api;
using Kinesis.Testing;
using Xunit.Abstractions;

namespace Kinesis.Client.Tests.FanOut;

/// <summary>
/// Put-to-process latency of polling and fan-out against kinesis-local, printed for the record (no timed assertion):
/// records carry their put time and the processor notes when it sees them.
/// </summary>
[Collection(LocalAwsCollection.Name)]
public sealed class RetrievalLatencyMeasurements(LocalAwsFixture fixture, ITestOutputHelper output)
{
    private const int Samples = 30;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Theory(Timeout = TestTimeouts.LongIntegration)]
    [InlineData(RetrievalMode.Polling)]
    [InlineData(RetrievalMode.FanOut)]
    public async Task PutToProcess_OneRecordAtATime_PrintsLatencyPercentiles(RetrievalMode mode)
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(1);
        var latencies = new ConcurrentQueue<double>();
        var consumer = env.CreateConsumer(
            "w1",
            _ => new LatencyProcessor(latencies),
            o =>
            {
                if (mode == RetrievalMode.FanOut)
                {
                    KinesisConsumerFanOutTests.ConfigureFanOut(o);
                }
                else
                {
                    // The default idle time between reads (the KCL's default is 1.5 s).
                    o.IdleTimeBetweenReads = KinesisConsumerOptions.DefaultIdleTimeBetweenReads;
                }
            });
        await consumer.StartAsync();
        await Eventually.HoldsAsync(() => consumer.HeldShardIds.Count == 1, Deadline, "the lease is held");
        await Task.Delay(TimeSpan.FromSeconds(2));

        for (var i = 0; i < Samples; i++)
        {
            var stamp = DateTimeOffset.UtcNow.UtcTicks.ToString(CultureInfo.InvariantCulture);
            await env.Kinesis.PutRecordAsync(new PutRecordRequest { StreamName = env.StreamName, PartitionKey = "k", Data = Encoding.UTF8.GetBytes(stamp) });
            await Task.Delay(TimeSpan.FromMilliseconds(300));
        }

        await Eventually.HoldsAsync(() => latencies.Count >= Samples, Deadline, "every sample processed");
        var sorted = latencies.Order().ToArray();
        output.WriteLine($"{mode}: put-to-process latency over {sorted.Length} records: p50 {Percentile(sorted, 0.50):F0} ms, p99 {Percentile(sorted, 0.99):F0} ms, min {sorted[0]:F0} ms, max {sorted[^1]:F0} ms (kinesis-local, loaded 2-core machine).");
        Assert.Equal(Samples, sorted.Length);
        await consumer.StopAsync();
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private sealed class LatencyProcessor(ConcurrentQueue<double> latencies) : IShardRecordProcessor
    {
        public Task InitializeAsync(InitializationInput input, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task ProcessRecordsAsync(ProcessRecordsInput input, CancellationToken cancellationToken = default)
        {
            var now = DateTimeOffset.UtcNow.UtcTicks;
            foreach (var record in input.Records)
            {
                var put = long.Parse(Encoding.UTF8.GetString(record.Data.Span), CultureInfo.InvariantCulture);
                latencies.Enqueue(TimeSpan.FromTicks(now - put).TotalMilliseconds);
            }

            return Task.CompletedTask;
        }

        public Task LeaseLostAsync(LeaseLostInput input, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task ShardEndedAsync(ShardEndedInput input, CancellationToken cancellationToken = default) => input.Checkpointer.CheckpointAsync(cancellationToken);

        public Task ShutdownRequestedAsync(ShutdownRequestedInput input, CancellationToken cancellationToken = default) => Task.CompletedTask;
    }
}
