using System.Text;
using Kinesis.Core.Api;
using Kinesis.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Kinesis.Core.Tests.Api;

/// <summary>The waits of <see cref="KinesisApiClient.WaitForStreamActiveAsync"/> run on <see cref="KinesisApiClientOptions.TimeProvider"/>.</summary>
[Collection(LocalAwsCollection.Name)]
public sealed class KinesisApiClientPollingTests(LocalAwsFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task WaitForStreamActiveAsync_ManualClock_PollsAgainWhenTheClockPassesTheInterval()
    {
        var name = await CreateStreamAsync();
        var faults = new FaultInjectionHandler().ForTarget("DescribeStreamSummary", ReportCreating());
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var client = ApiTestClients.Create(fixture.KinesaliteEndpoint, faults, time: clock);

        // An hour between polls: only the manual clock can bring the second one within the test's time.
        var wait = client.WaitForStreamActiveAsync(name, TimeSpan.FromDays(30), pollInterval: TimeSpan.FromHours(1));
        await AdvanceUntilDoneAsync(clock, wait, TimeSpan.FromHours(1));

        var summary = await wait;
        Assert.Equal(StreamStatus.Active, summary.StreamStatus);
        Assert.Equal(2, faults.RequestCount);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task WaitForStreamActiveAsync_ManualClockPassesTheTimeout_ThrowsTimeoutException()
    {
        var name = await CreateStreamAsync();
        var faults = new FaultInjectionHandler().ForTarget("DescribeStreamSummary", ReportCreating(), times: int.MaxValue);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var client = ApiTestClients.Create(fixture.KinesaliteEndpoint, faults, time: clock);

        var wait = client.WaitForStreamActiveAsync(name, TimeSpan.FromHours(3), pollInterval: TimeSpan.FromHours(1));
        await AdvanceUntilDoneAsync(clock, wait, TimeSpan.FromHours(1));

        var ex = await Assert.ThrowsAsync<TimeoutException>(() => wait);
        Assert.Contains(name, ex.Message, StringComparison.Ordinal);
        Assert.InRange(faults.RequestCount, 2, 4);
    }

    private static Fault ReportCreating() => Fault.TransformResponseBody(body =>
    {
        using var reader = new StreamReader(body);
        return new MemoryStream(Encoding.UTF8.GetBytes(reader.ReadToEnd().Replace("\"ACTIVE\"", "\"CREATING\"", StringComparison.Ordinal)));
    });

    private static async Task AdvanceUntilDoneAsync(FakeTimeProvider clock, Task wait, TimeSpan step)
    {
        // The poll loop arms its timer after each answer, so keep moving the clock a step at a time until it is done.
        await Eventually.HoldsAsync(
            () =>
            {
                if (!wait.IsCompleted)
                {
                    clock.Advance(step);
                }

                return wait.IsCompleted;
            },
            Deadline,
            "the wait to finish on the manual clock",
            TimeSpan.FromMilliseconds(100));
    }

    private async Task<string> CreateStreamAsync()
    {
        var name = LocalAwsFixture.UniqueName("poll");
        using var setup = ApiTestClients.Create(fixture.KinesaliteEndpoint);
        await ApiTestClients.CreateActiveStreamAsync(setup, name, 1);
        return name;
    }
}
