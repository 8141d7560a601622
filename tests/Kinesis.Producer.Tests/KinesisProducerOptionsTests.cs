using Kinesis.Testing;

namespace Kinesis.Producer.Tests;

public sealed class KinesisProducerOptionsTests
{
    [Fact]
    public void Defaults_MatchTheJavaKplAndDocumentedConstants()
    {
        var options = new KinesisProducerOptions();

        Assert.True(options.AggregationEnabled);
        Assert.Equal(4294967295L, options.AggregationMaxCount);
        Assert.Equal(51_200, options.AggregationMaxSize);
        Assert.Equal(500, options.CollectionMaxCount);
        Assert.Equal(5 * 1024 * 1024, options.CollectionMaxSize);
        Assert.Equal(TimeSpan.FromMilliseconds(100), options.RecordMaxBufferedTime);
        Assert.Equal(TimeSpan.FromSeconds(30), options.RecordTtl);
        Assert.Equal(150, options.RateLimit);
        Assert.Equal(TimeSpan.FromSeconds(6), options.RequestTimeout);
        Assert.Equal(24, options.MaxConnections);
        Assert.Equal(TimeSpan.FromSeconds(6), options.ConnectTimeout);
        Assert.Equal(KinesisProducerOptions.DefaultConnectTimeout, options.ConnectTimeout);
        Assert.False(options.FailIfThrottled);
        Assert.Equal(ProducerFullMode.Wait, options.FullMode);
        Assert.Equal(ProducerOrdering.Relaxed, options.Ordering);
        Assert.Equal(KinesisProducerOptions.DefaultMaxOutstandingRecords, options.MaxOutstandingRecords);
        Assert.Equal(KinesisProducerOptions.DefaultMaxOutstandingBytes, options.MaxOutstandingBytes);
    }

    [Fact]
    public void Validate_Defaults_WithRegion_Passes()
    {
        new KinesisProducerOptions { Region = "eu-west-1" }.Validate();
    }

    [Fact]
    public void Validate_NoRegionAndNoServiceUrl_ThrowsNamingRegion()
    {
        var error = Assert.Throws<ArgumentException>(() => new KinesisProducerOptions().Validate());
        Assert.Equal("Region", error.ParamName);
    }

    [Theory]
    [InlineData(1_048_577, 1_048_576, 256L * 1024 * 1024, nameof(KinesisProducerOptions.AggregationMaxSize))]
    [InlineData(51_200, 4 * 1024 * 1024, 2L * 1024 * 1024, nameof(KinesisProducerOptions.MaxOutstandingBytes))]
    public void Validate_SizeAboveMaxRecordSize_ThrowsNamingBothOptions(int aggregationMaxSize, int maxRecordSize, long maxOutstandingBytes, string name)
    {
        var options = new KinesisProducerOptions { Region = "us-east-1", AggregationMaxSize = aggregationMaxSize, MaxRecordSize = maxRecordSize, MaxOutstandingBytes = maxOutstandingBytes };

        var error = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);

        Assert.Equal(name, error.ParamName);
        Assert.Contains(nameof(KinesisProducerOptions.MaxRecordSize), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_AggregationMaxSizeRaisedWithMaxRecordSize_Passes()
    {
        new KinesisProducerOptions { Region = "us-east-1", MaxRecordSize = 10 * 1024 * 1024, AggregationMaxSize = 10 * 1024 * 1024 }.Validate();
    }

    public static TheoryData<Action<KinesisProducerOptions>, string> OutOfRange => new()
    {
        { o => o.AggregationMaxCount = 0, nameof(KinesisProducerOptions.AggregationMaxCount) },
        { o => o.AggregationMaxSize = 63, nameof(KinesisProducerOptions.AggregationMaxSize) },
        { o => o.AggregationMaxSize = (10 * 1024 * 1024) + 1, nameof(KinesisProducerOptions.AggregationMaxSize) },
        { o => o.MaxRecordSize = (1024 * 1024) - 1, nameof(KinesisProducerOptions.MaxRecordSize) },
        { o => o.MaxRecordSize = (10 * 1024 * 1024) + 1, nameof(KinesisProducerOptions.MaxRecordSize) },
        { o => o.CollectionMaxCount = 0, nameof(KinesisProducerOptions.CollectionMaxCount) },
        { o => o.CollectionMaxCount = 501, nameof(KinesisProducerOptions.CollectionMaxCount) },
        { o => o.CollectionMaxSize = 52_223, nameof(KinesisProducerOptions.CollectionMaxSize) },
        { o => o.CollectionMaxSize = (5 * 1024 * 1024) + 1, nameof(KinesisProducerOptions.CollectionMaxSize) },
        { o => o.RecordMaxBufferedTime = TimeSpan.FromMilliseconds(-1), nameof(KinesisProducerOptions.RecordMaxBufferedTime) },
        { o => o.RecordTtl = TimeSpan.FromMilliseconds(99), nameof(KinesisProducerOptions.RecordTtl) },
        { o => o.RateLimit = 0, nameof(KinesisProducerOptions.RateLimit) },
        { o => o.RequestTimeout = TimeSpan.FromMilliseconds(99), nameof(KinesisProducerOptions.RequestTimeout) },
        { o => o.ConnectTimeout = TimeSpan.FromMilliseconds(99), nameof(KinesisProducerOptions.ConnectTimeout) },
        { o => o.ConnectTimeout = TimeSpan.FromSeconds(301), nameof(KinesisProducerOptions.ConnectTimeout) },
        { o => o.MaxConnections = 257, nameof(KinesisProducerOptions.MaxConnections) },
        { o => o.MaxOutstandingRecords = 0, nameof(KinesisProducerOptions.MaxOutstandingRecords) },
        { o => o.MaxOutstandingBytes = 1000, nameof(KinesisProducerOptions.MaxOutstandingBytes) },
        { o => o.FullMode = (ProducerFullMode)7, nameof(KinesisProducerOptions.FullMode) },
    };

    [Theory]
    [MemberData(nameof(OutOfRange))]
    public void Setter_OutOfRange_ThrowsNamingTheOptionAndRange(Action<KinesisProducerOptions> change, string name)
    {
        var options = new KinesisProducerOptions { Region = "us-east-1" };

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => change(options));

        Assert.Equal(name, error.ParamName);
        Assert.Contains($"{name} must be ", error.Message, StringComparison.Ordinal);
        Assert.Contains("; it was ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Defaults_EqualTheDocumentedDefaults()
    {
        DocumentedDefaults.AssertMatch(new KinesisProducerOptions(), "KinesisProducerOptions", "Region", "Metrics");
    }

    [Fact]
    public void Clone_CopiesEveryPropertyAndTheMetricsOptions()
    {
        var options = new KinesisProducerOptions { Region = "eu-west-1", RateLimit = 80, RecordTtl = TimeSpan.FromMinutes(2), Ordering = ProducerOrdering.StrictPerShard };
        options.Metrics.Enabled = true;
        options.Metrics.Retry.MaxRetryAttempts = 7;

        var copy = options.Clone();
        options.Metrics.Retry.MaxRetryAttempts = 1;
        options.RateLimit = 100;

        foreach (var property in typeof(KinesisProducerOptions).GetProperties().Where(p => p.Name is not nameof(KinesisProducerOptions.Metrics) and not nameof(KinesisProducerOptions.RateLimit)))
        {
            Assert.Equal(property.GetValue(options), property.GetValue(copy));
        }

        Assert.Equal(80, copy.RateLimit);
        Assert.NotSame(options.Metrics, copy.Metrics);
        Assert.NotSame(options.Metrics.Retry, copy.Metrics.Retry);
        Assert.True(copy.Metrics.Enabled);
        Assert.Equal(7, copy.Metrics.Retry.MaxRetryAttempts);
    }

    [Fact]
    public async Task Constructor_LeavesTheCallersOptionsUnchanged()
    {
        var credentials = new Amazon.Runtime.BasicAWSCredentials("a", "b");
        var options = new KinesisProducerOptions { Region = "eu-west-1", Credentials = credentials };

        await using (new KinesisProducer(options))
        {
            // The producer fills in the metrics publisher's credentials from its own, in its copy.
            Assert.Null(options.Metrics.Credentials);
        }
    }
}
