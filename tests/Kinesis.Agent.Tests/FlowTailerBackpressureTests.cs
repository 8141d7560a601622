using System.Net;
using Kinesis.Agent.Configuration;
using Kinesis.Agent.Tailing;
using Kinesis.LocalServices;
using Kinesis.Producer;
using Kinesis.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kinesis.Agent.Tests;

[Collection(LocalAwsCollection.Name)]
public sealed class FlowTailerBackpressureTests : IDisposable
{
    private readonly LocalAwsFixture fixture;
    private readonly TempDirectory directory = new();

    public FlowTailerBackpressureTests(LocalAwsFixture fixture)
    {
        this.fixture = fixture;
    }

    public void Dispose() => directory.Dispose();

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task PollAsync_WindowFull_PausesReadingUntilRecordsAreAcknowledged()
    {
        var stream = LocalAwsFixture.UniqueName("agent-window");
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        await LocalKinesis.CreateStreamAsync(client, stream, 1);
        var log = directory.File("app.log");
        await File.WriteAllTextAsync(log, string.Concat(Enumerable.Range(0, 500).Select(i => $"line {i}\n")));
        using var faults = new FaultInjectionHandler();
        faults.ForTarget("PutRecords", Fault.AwsError(HttpStatusCode.InternalServerError, "InternalFailure"), times: 100_000);
        await using var producer = new KinesisProducer(new KinesisProducerOptions
        {
            Region = LocalAwsServices.Region,
            ServiceUrl = fixture.KinesisLocalEndpoint,
            Credentials = LocalKinesis.Credentials,
            HttpMessageHandler = faults,
            RecordMaxBufferedTime = TimeSpan.FromMilliseconds(20),
            RecordTtl = TimeSpan.FromMinutes(5),
        });
        var flow = new FlowConfiguration { FilePattern = log, KinesisStream = stream, InitialPosition = InitialPosition.StartOfFile };
        using var tailer = new FlowTailer(flow, producer, windowRecords: 20, windowBytes: long.MaxValue, TimeProvider.System, NullLogger.Instance);

        var poll = tailer.PollAsync(CancellationToken.None);
        await Eventually.HoldsAsync(() => faults.RequestCount >= 3, TimeSpan.FromSeconds(30), "PutRecords attempts");

        Assert.False(poll.IsCompleted);
        Assert.Equal(20, producer.OutstandingRecords);

        faults.Clear();
        await poll.WaitAsync(TimeSpan.FromSeconds(60));
        await producer.FlushAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(500, (await LocalKinesis.ReadAllAsync(client, stream)).Count);
    }
}
