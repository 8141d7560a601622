using System.Text.Json;
using Kinesis.Core.Metrics;
using Kinesis.Testing;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Kinesis.Core.Tests.Metrics;

public sealed class EmfMetricsWriterTests
{
    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task FlushAsync_RecordedMetrics_OneEmfDocumentPerDimensionSet()
    {
        using var metrics = new ProducerMetrics();
        var output = new StringWriter();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero));
        var options = new EmfMetricsOptions { Granularity = MetricsGranularity.Stream };
        await using var writer = new EmfMetricsWriter(metrics, options, output, CloudWatchMetricsOptions.DefaultProducerNamespace, timeProvider: clock);
        metrics.UserRecordPut("orders", "shardId-000000000000", bytes: 100, retries: 0);
        metrics.UserRecordFailed("orders", "shardId-000000000000", retries: 2);
        metrics.UserRecordAttemptStarted("orders", "shardId-000000000000", TimeSpan.FromMilliseconds(10));
        metrics.UserRecordAttemptStarted("orders", "shardId-000000000000", TimeSpan.FromMilliseconds(30));

        await writer.FlushAsync();

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        using var global = JsonDocument.Parse(lines[0]);
        using var stream = JsonDocument.Parse(lines[1]);
        var aws = stream.RootElement.GetProperty("_aws");
        Assert.Equal(clock.GetUtcNow().ToUnixTimeMilliseconds(), aws.GetProperty("Timestamp").GetInt64());
        var directive = Assert.Single(aws.GetProperty("CloudWatchMetrics").EnumerateArray().ToList());
        Assert.Equal("KinesisProducerLibrary", directive.GetProperty("Namespace").GetString());
        Assert.Equal(["StreamName"], Assert.Single(directive.GetProperty("Dimensions").EnumerateArray().ToList()).EnumerateArray().Select(e => e.GetString()));
        var metricUnits = directive.GetProperty("Metrics").EnumerateArray().ToDictionary(m => m.GetProperty("Name").GetString()!, m => m.GetProperty("Unit").GetString());
        Assert.Equal("Milliseconds", metricUnits["BufferingTime"]);
        Assert.Equal("Count", metricUnits["UserRecordsPut"]);
        Assert.Equal("Bytes", metricUnits["UserRecordsDataPut"]);
        Assert.Equal("orders", stream.RootElement.GetProperty("StreamName").GetString());

        // Counters carry the interval's sum, distributions its average; the statistic sets ride along.
        Assert.Equal(1, stream.RootElement.GetProperty("UserRecordsPut").GetDouble());
        Assert.Equal(20, stream.RootElement.GetProperty("BufferingTime").GetDouble());
        Assert.Equal(1, stream.RootElement.GetProperty("RetriesPerRecord").GetDouble());
        var buffering = stream.RootElement.GetProperty("StatisticSets").GetProperty("BufferingTime");
        Assert.Equal((2, 40.0, 10.0, 30.0), (buffering.GetProperty("SampleCount").GetInt64(), buffering.GetProperty("Sum").GetDouble(), buffering.GetProperty("Minimum").GetDouble(), buffering.GetProperty("Maximum").GetDouble()));
        Assert.Empty(global.RootElement.GetProperty("_aws").GetProperty("CloudWatchMetrics")[0].GetProperty("Dimensions")[0].EnumerateArray());
        Assert.Equal(2, global.RootElement.GetProperty("StatisticSets").GetProperty("UserRecordsPut").GetProperty("SampleCount").GetInt64());
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task DisposeAsync_ToLogger_WritesRemainingDocumentsAsLogEntries()
    {
        using var metrics = new ConsumerMetrics("billing", "worker-1");
        var logger = new FakeLogger();
        var writer = new EmfMetricsWriter(metrics, new EmfMetricsOptions(), logger, "billing");
        metrics.RenewAllLeasesCompleted(true, TimeSpan.FromMilliseconds(5), 3, 0);

        await writer.DisposeAsync();

        var entry = Assert.Single(logger.Collector.GetSnapshot(), e => e.Id.Id == 1510);
        using var document = JsonDocument.Parse(entry.Message);
        Assert.Equal("billing", document.RootElement.GetProperty("_aws").GetProperty("CloudWatchMetrics")[0].GetProperty("Namespace").GetString());
        Assert.Equal("RenewAllLeases", document.RootElement.GetProperty("Operation").GetString());
        Assert.Equal("worker-1", document.RootElement.GetProperty("WorkerIdentifier").GetString());
        Assert.Equal(1, document.RootElement.GetProperty("Success").GetDouble());
        Assert.Equal(3, document.RootElement.GetProperty("CurrentLeases").GetDouble());
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task UploadInterval_ManualClock_WritesEachInterval()
    {
        using var metrics = new ProducerMetrics();
        var output = new StringWriter();
        var clock = new FakeTimeProvider();
        var options = new EmfMetricsOptions { Granularity = MetricsGranularity.Global, UploadInterval = TimeSpan.FromSeconds(10) };
        await using var writer = new EmfMetricsWriter(metrics, options, TextWriter.Synchronized(output), "ns", timeProvider: clock);
        using var stream = metrics.ObserveStream("orders", () => 1, () => 0);

        await Eventually.HoldsAsync(
            () =>
            {
                clock.Advance(options.UploadInterval);
                return output.ToString().Contains("UserRecordsReceived", StringComparison.Ordinal);
            },
            TimeSpan.FromSeconds(20),
            "an EMF line");

        using var document = JsonDocument.Parse(output.ToString().Split('\n')[0]);
        Assert.Equal(1, document.RootElement.GetProperty("UserRecordsReceived").GetDouble());
    }
}
