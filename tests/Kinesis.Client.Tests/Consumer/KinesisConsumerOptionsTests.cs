using Kinesis.Core.Aggregation;

namespace Kinesis.Client.Tests.Consumer;

public sealed class KinesisConsumerOptionsTests
{
    [Fact]
    public void Constructor_Defaults_MatchDocumentedConstants()
    {
        var options = new KinesisConsumerOptions();
        Assert.Equal(InitialPositionInStream.Latest, options.InitialPosition);
        Assert.Equal(10_000, options.MaxRecords);
        Assert.Equal(TimeSpan.FromSeconds(1), options.IdleTimeBetweenReads);
        Assert.Equal(30_000, options.MaxPrefetchRecords);
        Assert.Equal(8L * 1024 * 1024, options.MaxPrefetchBytes);
        Assert.Equal(ProcessorErrorMode.RetryBatch, options.ErrorMode);
        Assert.Equal(HashKeyRangeFilterMode.Deliver, options.HashKeyRangeFilter);
        Assert.Equal(TimeSpan.FromSeconds(60), options.ShardSyncInterval);
        Assert.Equal(TimeSpan.FromSeconds(10), options.ParentShardPollInterval);
        Assert.Equal(KinesisConsumerOptions.DefaultShutdownTimeout, options.ShutdownTimeout);
        Assert.Equal(TimeSpan.FromSeconds(10), options.Leases.FailoverTime);
        Assert.Same(TimeProvider.System, options.TimeProvider);
        Assert.Equal(RetrievalMode.Polling, options.Retrieval);
        Assert.False(options.Metrics.Enabled);
        Assert.Null(options.Metrics.Namespace);
        Assert.Null(options.MeterFactory);
        Assert.Null(options.FanOut.ConsumerName);
        Assert.Null(options.FanOut.ConsumerArn);
        Assert.False(options.FanOut.DeregisterOnShutdown);
        Assert.Equal(10, options.FanOut.MaxBufferedEvents);
        Assert.Equal(TimeSpan.FromSeconds(60), options.FanOut.SilenceTimeout);
        Assert.Equal(FanOutOptions.DefaultRetryBaseDelay, options.FanOut.RetryBaseDelay);
        Assert.Equal(FanOutOptions.DefaultRetryMaxDelay, options.FanOut.RetryMaxDelay);
        Assert.Equal(FanOutOptions.DefaultRegistrationTimeout, options.FanOut.RegistrationTimeout);
        Assert.Equal(FanOutOptions.DefaultEmptyEventsBeforeShardEndCheck, options.FanOut.EmptyEventsBeforeShardEndCheck);
        Assert.StartsWith(Environment.MachineName + "-", options.WorkerId, StringComparison.Ordinal);
        Assert.NotEqual(options.WorkerId, new KinesisConsumerOptions().WorkerId);
    }

    [Theory]
    [InlineData(nameof(KinesisConsumerOptions.MaxRecords), 0)]
    [InlineData(nameof(KinesisConsumerOptions.MaxRecords), 10_001)]
    [InlineData(nameof(KinesisConsumerOptions.MaxPrefetchRecords), 0)]
    public void IntSetter_OutOfRange_ThrowsNamingOption(string name, int value)
    {
        var options = new KinesisConsumerOptions();
        var property = typeof(KinesisConsumerOptions).GetProperty(name)!;
        var ex = Assert.Throws<System.Reflection.TargetInvocationException>(() => property.SetValue(options, value));
        var inner = Assert.IsType<ArgumentOutOfRangeException>(ex.InnerException);
        Assert.Equal(name, inner.ParamName);
        Assert.Contains("between", inner.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TimeSetters_OutOfRange_Throw()
    {
        var options = new KinesisConsumerOptions();
        Assert.Equal(nameof(options.IdleTimeBetweenReads), Assert.Throws<ArgumentOutOfRangeException>(() => options.IdleTimeBetweenReads = TimeSpan.Zero).ParamName);
        Assert.Equal(nameof(options.ShardSyncInterval), Assert.Throws<ArgumentOutOfRangeException>(() => options.ShardSyncInterval = TimeSpan.FromHours(2)).ParamName);
        Assert.Equal(nameof(options.MaxPrefetchBytes), Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxPrefetchBytes = 10).ParamName);
        Assert.Equal(nameof(options.ErrorMode), Assert.Throws<ArgumentOutOfRangeException>(() => options.ErrorMode = (ProcessorErrorMode)42).ParamName);
    }

    [Fact]
    public void Validate_MissingNamesOrTimestamp_ThrowsNamingOption()
    {
        var options = new KinesisConsumerOptions();
        Assert.Equal(nameof(options.ApplicationName), Assert.Throws<ArgumentException>(options.Validate).ParamName);
        options.ApplicationName = "app";
        Assert.Equal(nameof(options.StreamName), Assert.Throws<ArgumentException>(options.Validate).ParamName);
        options.StreamName = "stream";
        Assert.Equal("Kinesis.Region", Assert.Throws<ArgumentException>(options.Validate).ParamName);
        options.Kinesis.Region = "us-east-1";
        options.Validate();
        options.InitialPosition = InitialPositionInStream.AtTimestamp;
        Assert.Equal(nameof(options.InitialPositionTimestamp), Assert.Throws<ArgumentException>(options.Validate).ParamName);
        options.InitialPositionTimestamp = DateTimeOffset.UtcNow;
        options.Validate();
        options.ProcessorRetryBaseDelay = TimeSpan.FromSeconds(5);
        options.ProcessorRetryMaxDelay = TimeSpan.FromSeconds(1);
        Assert.Equal(nameof(options.ProcessorRetryMaxDelay), Assert.Throws<ArgumentException>(options.Validate).ParamName);
    }

    [Fact]
    public void Constructor_InvalidOptions_Throws()
    {
        Assert.Throws<ArgumentException>(() => new KinesisConsumer(new KinesisConsumerOptions(), _ => new DelegateShardRecordProcessor((_, _) => Task.CompletedTask)));
    }

    [Fact]
    public void FanOutOptions_OutOfRange_ThrowsNamingTheOption()
    {
        var fanOut = new FanOutOptions();
        Assert.Equal(nameof(FanOutOptions.MaxBufferedEvents), Assert.Throws<ArgumentOutOfRangeException>(() => fanOut.MaxBufferedEvents = 0).ParamName);
        Assert.Equal(nameof(FanOutOptions.SilenceTimeout), Assert.Throws<ArgumentOutOfRangeException>(() => fanOut.SilenceTimeout = TimeSpan.FromMilliseconds(1)).ParamName);
        Assert.Equal(nameof(FanOutOptions.EmptyEventsBeforeShardEndCheck), Assert.Throws<ArgumentOutOfRangeException>(() => fanOut.EmptyEventsBeforeShardEndCheck = 0).ParamName);
        Assert.Equal(nameof(KinesisConsumerOptions.Retrieval), Assert.Throws<ArgumentOutOfRangeException>(() => new KinesisConsumerOptions().Retrieval = (RetrievalMode)7).ParamName);
        fanOut.RetryBaseDelay = TimeSpan.FromSeconds(5);
        fanOut.RetryMaxDelay = TimeSpan.FromSeconds(1);
        Assert.Equal(nameof(FanOutOptions.RetryMaxDelay), Assert.Throws<ArgumentException>(fanOut.Validate).ParamName);
    }
}
