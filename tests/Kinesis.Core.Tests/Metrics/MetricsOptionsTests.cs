using Kinesis.Core.Metrics;

namespace Kinesis.Core.Tests.Metrics;

public sealed class MetricsOptionsTests
{
    [Fact]
    public void CloudWatchMetricsOptions_Defaults_MatchDocumentedConstants()
    {
        var options = new CloudWatchMetricsOptions();

        Assert.False(options.Enabled);
        Assert.Null(options.Namespace);
        Assert.Null(options.Region);
        Assert.Null(options.ServiceUrl);
        Assert.Null(options.Credentials);
        Assert.Null(options.HttpHandler);
        Assert.Equal(TimeSpan.FromSeconds(60), options.UploadInterval);
        Assert.Equal(MetricsLevel.Detailed, options.Level);
        Assert.Equal(MetricsGranularity.Shard, options.Granularity);
        Assert.Equal(MetricsAggregationOptions.DefaultMaxQueuedDatums, options.MaxQueuedDatums);
        Assert.Equal(CloudWatchMetricsOptions.DefaultRequestTimeout, options.RequestTimeout);
        Assert.Equal(CloudWatchMetricsOptions.DefaultShutdownTimeout, options.ShutdownTimeout);
        Assert.Equal(CloudWatchMetricsOptions.DefaultMaxRetryAttempts, options.Retry.MaxRetryAttempts);
        Assert.Equal("KinesisProducerLibrary", CloudWatchMetricsOptions.DefaultProducerNamespace);
    }

    [Fact]
    public void Setters_OutOfRange_ThrowNamingTheProperty()
    {
        var options = new CloudWatchMetricsOptions();

        Assert.Throws<ArgumentOutOfRangeException>("UploadInterval", () => options.UploadInterval = TimeSpan.FromMilliseconds(999));
        Assert.Throws<ArgumentOutOfRangeException>("UploadInterval", () => options.UploadInterval = TimeSpan.FromHours(2));
        Assert.Throws<ArgumentOutOfRangeException>("MaxQueuedDatums", () => options.MaxQueuedDatums = 0);
        Assert.Throws<ArgumentOutOfRangeException>("Level", () => options.Level = (MetricsLevel)7);
        Assert.Throws<ArgumentOutOfRangeException>("Granularity", () => options.Granularity = (MetricsGranularity)(-1));
        Assert.Throws<ArgumentOutOfRangeException>("RequestTimeout", () => options.RequestTimeout = TimeSpan.FromMilliseconds(50));
        Assert.Throws<ArgumentOutOfRangeException>("ShutdownTimeout", () => options.ShutdownTimeout = TimeSpan.FromMinutes(6));
    }
}
