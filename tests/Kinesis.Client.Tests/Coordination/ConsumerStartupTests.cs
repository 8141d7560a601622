using System.Net;
using Kinesis.Client.Coordination;
using Kinesis.Client.Tests.Leases;
using Kinesis.Core.Api;
using Kinesis.Testing;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Kinesis.Client.Tests.Coordination;

/// <summary>The start timeout bounds retries, never the first attempt of a step, on a manual clock.</summary>
public sealed class ConsumerStartupTests
{
    private static readonly Uri Kinesis = new("http://127.0.0.1:4567/");

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task FirstShardSyncAsync_StartTimeoutSpentOnEarlierSteps_StillRunsTheSyncOnce()
    {
        var time = new FakeTimeProvider();
        var startup = Create(time, out _);
        time.Advance(TimeSpan.FromSeconds(5));
        var calls = 0;

        await startup.FirstShardSyncAsync(
            _ =>
            {
                calls++;
                return Task.CompletedTask;
            },
            CancellationToken.None);

        Assert.Equal(1, calls);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task FirstShardSyncAsync_PermanentFailure_IsLoggedNotThrownAndNotRetried()
    {
        var startup = Create(new FakeTimeProvider(), out var logs);
        var calls = 0;

        await startup.FirstShardSyncAsync(
            _ =>
            {
                calls++;
                throw new KinesisApiException(KinesisErrorKind.Service, "AccessDeniedException", "ListShards failed with AccessDeniedException (HTTP 400): denied", (int)HttpStatusCode.BadRequest);
            },
            CancellationToken.None);

        Assert.Equal(1, calls);
        Assert.Contains(logs.GetSnapshot(), r => r.Id.Id == 3010);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task CheckStreamAsync_StartTimeoutAlreadySpent_MakesOneAttemptAndReportsItsError()
    {
        var time = new FakeTimeProvider();
        var startup = Create(time, out _);
        time.Advance(TimeSpan.FromSeconds(5));
        using var faults = new FaultInjectionHandler().ForTarget("DescribeStreamSummary", Fault.AwsError(HttpStatusCode.ServiceUnavailable, KinesisErrorCodes.ServiceUnavailable), times: int.MaxValue);
        using var api = new KinesisApiClient(new KinesisApiClientOptions { Region = "us-east-1", ServiceUrl = Kinesis, Credentials = new Amazon.Runtime.BasicAWSCredentials("a", "b"), HttpHandler = faults });

        var ex = await Assert.ThrowsAsync<KinesisConsumerStartException>(() => startup.CheckStreamAsync(api, CancellationToken.None));

        Assert.Equal(1, faults.RequestCount);
        Assert.Equal(KinesisConsumerStartFailure.KinesisFailed, ex.Reason);
        Assert.Contains(KinesisErrorCodes.ServiceUnavailable, ex.Message, StringComparison.Ordinal);
    }

    private static ConsumerStartup Create(FakeTimeProvider time, out FakeLogCollector logs)
    {
        logs = new FakeLogCollector();
        var options = new KinesisConsumerOptions { ApplicationName = "app", StreamName = "s", StartTimeout = TimeSpan.FromSeconds(1), TimeProvider = time };
        return new ConsumerStartup(options, Kinesis, new Uri("http://127.0.0.1:4569/"), new FakeLogger(logs));
    }
}
