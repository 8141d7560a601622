using Kinesis.Benchmarks.LoadRunner;
using Kinesis.Testing;

namespace Kinesis.IntegrationTests;

/// <summary>The load runner's producer-e2e comparison reports failed records instead of ending on the first one.</summary>
[Collection(LocalAwsCollection.Name)]
public sealed class ProducerComparisonTests(LocalAwsFixture fixture)
{
    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task ProduceAsync_RecordsFail_CountsThemAndKeepsTheFirstError()
    {
        // A stream that does not exist fails every record at once (ResourceNotFound is not retried).
        var outcome = await ProducerComparison.ProduceAsync(fixture.KinesaliteEndpoint, LocalKinesis.Credentials, LocalAwsFixture.UniqueName("missing"), 10, new byte[100], aggregation: true);

        Assert.Equal(10, outcome.Failed);
        Assert.Contains("ResourceNotFound", outcome.FirstError, StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task ProduceAsync_ClosedLoop_RecordsFail_CountsEveryOne()
    {
        var outcome = await ProducerComparison.ProduceAsync(fixture.KinesaliteEndpoint, LocalKinesis.Credentials, LocalAwsFixture.UniqueName("missing"), 30, new byte[100], aggregation: false, maxUnresolved: 4);

        Assert.Equal(30, outcome.Failed);
    }
}
