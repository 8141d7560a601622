using System.Net;
using Kinesis.Core.Metrics;
using Kinesis.Testing;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Kinesis.Core.Tests.Metrics;

public sealed class CloudWatchMetricsPublisherTests : IAsyncLifetime
{
    private const string ServerError = "<ErrorResponse><Error><Type>Receiver</Type><Code>InternalFailure</Code><Message>injected</Message></Error></ErrorResponse>";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private readonly LoopbackCloudWatch server = new();
    private readonly ProducerMetrics metrics = new();
    private readonly FakeLogger logger = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        metrics.Dispose();
        await server.DisposeAsync();
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task FlushAsync_RecordedMetrics_SignedPutMetricDataWithStatisticSets()
    {
        await using var publisher = Create(Options());
        metrics.UserRecordAttemptStarted("orders", "shardId-000000000001", TimeSpan.FromMilliseconds(10));
        metrics.UserRecordAttemptStarted("orders", "shardId-000000000001", TimeSpan.FromMilliseconds(30));

        await publisher.FlushAsync();

        Assert.True(server.Requests.Count == 1, string.Join("\n", logger.Collector.GetSnapshot().Select(e => e.Message + e.Exception)));
        var request = Assert.Single(server.Requests);
        Assert.True(request.SignatureValid, "the SigV4 signature re-computed with AWSSDK.Core matches");
        Assert.StartsWith("application/x-www-form-urlencoded", request.ContentType, StringComparison.Ordinal);
        Assert.Equal("PutMetricData", request["Action"]);
        Assert.Equal("2010-08-01", request["Version"]);
        Assert.Equal(CloudWatchMetricsOptions.DefaultProducerNamespace, request["Namespace"]);
        var datums = request.Datums;
        Assert.Equal(["", "StreamName=orders", "StreamName=orders,ShardId=shardId-000000000001"], datums.Select(d => d.Dimensions).Order(StringComparer.Ordinal));
        Assert.All(datums, d =>
        {
            Assert.Equal(ProducerMetricNames.BufferingTime, d.Name);
            Assert.Equal("Milliseconds", d.Unit);
            Assert.Equal((2.0, 40.0, 10.0, 30.0), (d.SampleCount, d.Sum, d.Minimum, d.Maximum));
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", d.Timestamp);
        });
        Assert.Equal(3, publisher.UploadedDatums);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task UploadInterval_ManualClock_UploadsEachIntervalWithItsOwnStatistics()
    {
        var clock = new FakeTimeProvider();
        var options = Options();
        options.Granularity = MetricsGranularity.Global;
        await using var publisher = Create(options, clock);
        metrics.UserRecordExpired("orders", "shardId-000000000000");

        await AdvanceUntilAsync(clock, () => server.Requests.Count == 1);
        metrics.UserRecordExpired("orders", "shardId-000000000000");
        metrics.UserRecordExpired("orders", "shardId-000000000000");
        await AdvanceUntilAsync(clock, () => server.Requests.Count == 2);

        var sums = server.AllDatums.Select(d => d.Sum).ToList();
        Assert.Equal([1.0, 2.0], sums);
        Assert.True(string.CompareOrdinal(server.AllDatums[0].Timestamp, server.AllDatums[1].Timestamp) < 0);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task FlushAsync_ServerErrorsThenSuccess_RetriedAndUploaded()
    {
        var faults = new FaultInjectionHandler(new SocketsHttpHandler());
        faults.When(_ => true, Fault.Respond(HttpStatusCode.InternalServerError, ServerError, "text/xml"), times: 2);
        await using var publisher = Create(Options(faults));
        metrics.UserRecordExpired("orders", "shardId-000000000000");

        await publisher.FlushAsync();

        Assert.Equal(3, faults.RequestCount);
        Assert.Single(server.Requests);
        Assert.Equal(3, publisher.UploadedDatums);
        Assert.Equal(0, publisher.DroppedDatums);
        Assert.Equal(2, logger.Collector.GetSnapshot().Count(e => e.Id.Id == 1500));
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task FlushAsync_PersistentServerErrors_DroppedLoggedAndNextIntervalUnaffected()
    {
        var faults = new FaultInjectionHandler(new SocketsHttpHandler());
        faults.When(_ => true, Fault.Respond(HttpStatusCode.ServiceUnavailable, ServerError, "text/xml"), times: 3);
        var options = Options(faults);
        options.Granularity = MetricsGranularity.Global;
        await using var publisher = Create(options);
        metrics.UserRecordExpired("orders", "shardId-000000000000");

        await publisher.FlushAsync();
        metrics.UserRecordExpired("orders", "shardId-000000000000");
        metrics.UserRecordExpired("orders", "shardId-000000000000");
        await publisher.FlushAsync();

        Assert.Equal(1, publisher.DroppedDatums);
        Assert.Contains(logger.Collector.GetSnapshot(), e => e.Id.Id == 1501);
        var datum = Assert.Single(server.AllDatums);
        Assert.Equal(2.0, datum.Sum);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task FlushAsync_HangingServer_TimesOutRetriesThenDropsWhileRecordingContinues()
    {
        var faults = new FaultInjectionHandler(new SocketsHttpHandler());
        faults.When(_ => true, Fault.Delay(TimeSpan.FromMinutes(5)), times: 2);
        var options = Options(faults);
        options.RequestTimeout = TimeSpan.FromMilliseconds(200);
        options.Retry.MaxRetryAttempts = 1;
        options.Granularity = MetricsGranularity.Global;
        await using var publisher = Create(options);
        metrics.UserRecordExpired("orders", "shardId-000000000000");

        var flush = publisher.FlushAsync();
        for (var i = 0; i < 1000; i++)
        {
            metrics.UserRecordExpired("orders", "shardId-000000000000");
        }

        await flush;
        await publisher.FlushAsync();

        Assert.Equal(1, publisher.DroppedDatums);
        Assert.Contains(logger.Collector.GetSnapshot(), e => e.Id.Id == 1501 && e.Exception is TimeoutException);
        Assert.Equal(1000.0, Assert.Single(server.AllDatums).Sum);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task FlushAsync_InvalidParameter400_DroppedWithoutRetry()
    {
        var faults = new FaultInjectionHandler(new SocketsHttpHandler());
        faults.When(_ => true, Fault.Respond(HttpStatusCode.BadRequest, "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidParameterValue</Code><Message>bad</Message></Error></ErrorResponse>", "text/xml"));
        await using var publisher = Create(Options(faults));
        metrics.UserRecordExpired("orders", "shardId-000000000000");

        await publisher.FlushAsync();

        Assert.Equal(1, faults.RequestCount);
        Assert.Equal(3, publisher.DroppedDatums);
        Assert.Contains(logger.Collector.GetSnapshot(), e => e.Id.Id == 1501 && e.Exception!.Message.Contains("InvalidParameterValue", StringComparison.Ordinal));
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task DisposeAsync_PendingStatistics_UploadedBeforeReturning()
    {
        var publisher = Create(Options());
        metrics.UserRecordPut("orders", "shardId-000000000000", 10, 0);
        metrics.UserRecordFailed("orders", "shardId-000000000000", 3);

        await publisher.DisposeAsync();
        await publisher.DisposeAsync();

        Assert.Single(server.Requests);
        Assert.Contains(server.AllDatums, d => d.Name == ProducerMetricNames.UserRecordsPut && d.Dimensions == "" && d.SampleCount == 2);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task DisposeAsync_HangingServer_GivesUpAfterShutdownTimeoutAndCountsTheDrop()
    {
        var faults = new FaultInjectionHandler(new SocketsHttpHandler());
        faults.When(_ => true, Fault.Delay(TimeSpan.FromMinutes(5)), times: 100);
        var options = Options(faults);
        options.RequestTimeout = TimeSpan.FromMinutes(1);
        options.ShutdownTimeout = TimeSpan.FromMilliseconds(300);
        var publisher = Create(options);
        metrics.UserRecordExpired("orders", "shardId-000000000000");

        await publisher.DisposeAsync();

        Assert.Equal(3, publisher.DroppedDatums);
        Assert.Contains(logger.Collector.GetSnapshot(), e => e.Id.Id == 1506);
        Assert.Empty(server.Requests);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task DisposeAsync_IntervalUploadHangsPastTheDeadline_WhatWasRecordedAfterItIsCountedAsDroppedToo()
    {
        // The interval's upload holds the emit gate until the shutdown deadline cancels it; by then the deadline has
        // passed for the final flush as well. Before, the final flush gave up waiting for the (free) gate and what was
        // recorded after the interval's collection vanished uncounted: 1 dropped instead of 2 (the hanging-server test
        // above met the same race once in five runs under load, when stopping the loop used the deadline up).
        var clock = new FakeTimeProvider();
        var faults = new FaultInjectionHandler(new SocketsHttpHandler());
        faults.When(_ => true, Fault.Delay(TimeSpan.FromMinutes(5)), times: 100);
        var options = Options(faults);
        options.Granularity = MetricsGranularity.Global;
        options.RequestTimeout = TimeSpan.FromMinutes(1);
        options.ShutdownTimeout = TimeSpan.FromMilliseconds(300);
        var publisher = Create(options, clock);
        metrics.UserRecordExpired("orders", "shardId-000000000000");
        await AdvanceUntilAsync(clock, () => faults.RequestCount >= 1);
        metrics.UserRecordExpired("orders", "shardId-000000000000");

        await publisher.DisposeAsync();

        Assert.Equal(2, publisher.DroppedDatums);
        Assert.Empty(server.Requests);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task FlushAsync_ThousandsOfShardSeries_BatchedWithinServiceLimitsGzippedAndSigned()
    {
        await using var publisher = Create(Options());
        for (var i = 0; i < 1_500; i++)
        {
            metrics.UserRecordExpired("orders", "shardId-" + i.ToString("D12", System.Globalization.CultureInfo.InvariantCulture));
        }

        await publisher.FlushAsync();

        var requests = server.Requests.ToList();
        Assert.Equal(2, requests.Count);
        Assert.All(requests, r =>
        {
            Assert.True(r.SignatureValid);
            Assert.Equal("gzip", r.ContentEncoding);
            Assert.InRange(r.Datums.Count, 1, 1_000);
            Assert.InRange(r.FormBytes, 1, 1_000_000);
            Assert.True(r.RawBytes < r.FormBytes);
        });
        Assert.Equal(1_502, server.AllDatums.Count);
        Assert.Equal(1_500.0, server.AllDatums.Single(d => d.Dimensions == "").Sum);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task FlushAsync_SummaryLevel_DetailedMetricsNotUploaded()
    {
        var options = Options();
        options.Level = MetricsLevel.Summary;
        options.Namespace = "Custom";
        await using var publisher = Create(options);
        using var stream = metrics.ObserveStream("orders", () => 1, () => 1);
        metrics.PutRecordsCompleted("orders", 1, 1, TimeSpan.FromMilliseconds(3));
        metrics.UserRecordExpired("orders", "shardId-000000000000");

        await publisher.FlushAsync();

        Assert.All(server.AllDatums, d => Assert.Equal(ProducerMetricNames.UserRecordExpired, d.Name));
        Assert.Equal("Custom", server.AllDatums[0].Namespace);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task Constructor_RegionOnly_ResolvesMonitoringEndpoint()
    {
        var options = new CloudWatchMetricsOptions { Credentials = LoopbackCloudWatch.Credentials };

        await using var publisher = new CloudWatchMetricsPublisher(metrics, options, "ns", clientRegion: "eu-west-1");

        Assert.Equal(new Uri("https://monitoring.eu-west-1.amazonaws.com/"), publisher.Endpoint);
        Assert.Equal("ns", publisher.Namespace);
    }

    [Fact]
    public void Constructor_InvalidSettings_ThrowArgumentException()
    {
        Assert.Throws<ArgumentException>("options", () => new CloudWatchMetricsPublisher(metrics, new CloudWatchMetricsOptions(), "ns"));
        Assert.Throws<ArgumentException>("options", () => new CloudWatchMetricsPublisher(metrics, new CloudWatchMetricsOptions { ServiceUrl = new Uri("http://example.com/") }, "ns", "us-east-1"));
        Assert.Throws<ArgumentException>("Namespace", () => new CloudWatchMetricsPublisher(metrics, new CloudWatchMetricsOptions(), "AWS/Kinesis", "us-east-1"));
    }

    [Fact]
    public void CreateIfEnabled_DisabledOrLevelNone_ReturnsNull()
    {
        Assert.Null(CloudWatchMetricsPublisher.CreateIfEnabled(metrics, new CloudWatchMetricsOptions(), "ns", "us-east-1"));
        Assert.Null(CloudWatchMetricsPublisher.CreateIfEnabled(metrics, new CloudWatchMetricsOptions { Enabled = true, Level = MetricsLevel.None }, "ns", "us-east-1"));
    }

    private static async Task AdvanceUntilAsync(FakeTimeProvider clock, Func<bool> condition)
    {
        // The upload loop arms its timer asynchronously, so keep advancing whole intervals until the upload shows up.
        await Eventually.HoldsAsync(
            () =>
            {
                if (!condition())
                {
                    clock.Advance(MetricsAggregationOptions.DefaultUploadInterval);
                }

                return condition();
            },
            Deadline,
            "an interval upload");
    }

    private CloudWatchMetricsOptions Options(HttpMessageHandler? handler = null) => new()
    {
        Enabled = true,
        ServiceUrl = server.Endpoint,
        Region = LoopbackCloudWatch.Region,
        Credentials = LoopbackCloudWatch.Credentials,
        HttpHandler = handler,
        Retry = new() { MaxRetryAttempts = 2, BaseDelay = TimeSpan.FromMilliseconds(5), MaxDelay = TimeSpan.FromMilliseconds(20) },
    };

    private CloudWatchMetricsPublisher Create(CloudWatchMetricsOptions options, TimeProvider? clock = null) =>
        new(metrics, options, CloudWatchMetricsOptions.DefaultProducerNamespace, logger: logger, timeProvider: clock);
}
