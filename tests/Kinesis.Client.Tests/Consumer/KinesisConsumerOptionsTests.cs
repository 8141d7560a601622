using Kinesis.Core.Aggregation;
using Kinesis.Testing;
using Microsoft.Extensions.Time.Testing;

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
        Assert.Equal(TimeSpan.FromSeconds(30), options.StartTimeout);
        Assert.Equal(KinesisConsumerOptions.DefaultStartTimeout, options.StartTimeout);
        Assert.Equal(TimeSpan.FromSeconds(6), options.DynamoDbConnectTimeout);
        Assert.Equal(KinesisConsumerOptions.DefaultDynamoDbConnectTimeout, options.DynamoDbConnectTimeout);
        Assert.Equal(Kinesis.Core.Api.KinesisApiClientOptions.DefaultConnectTimeout, options.Kinesis.ConnectTimeout);
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
        Assert.Equal(nameof(options.StartTimeout), Assert.Throws<ArgumentOutOfRangeException>(() => options.StartTimeout = TimeSpan.FromMilliseconds(999)).ParamName);
        Assert.Equal(nameof(options.DynamoDbConnectTimeout), Assert.Throws<ArgumentOutOfRangeException>(() => options.DynamoDbConnectTimeout = TimeSpan.FromMilliseconds(99)).ParamName);
    }

    [Theory]
    [InlineData("http://localhost:4567/")]
    [InlineData("http://127.0.0.1:4567/")]
    [InlineData("https://localhost:4567/")]
    [InlineData("http://[::1]:4567/")]
    [InlineData("http://localstack:4566/")]
    public void Validate_EmulatorKinesisEndpointWithoutDynamoDb_ThrowsNamingDynamoDbServiceUrl(string kinesisUrl)
    {
        var options = new KinesisConsumerOptions { ApplicationName = "app", StreamName = "s" };
        options.Kinesis.Region = "eu-west-1";
        options.Kinesis.ServiceUrl = new Uri(kinesisUrl);
        options.Kinesis.AllowInsecureHttp = true;

        var ex = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Equal(nameof(KinesisConsumerOptions.DynamoDbServiceUrl), ex.ParamName);
        Assert.StartsWith($"Kinesis.ServiceUrl is {kinesisUrl} but DynamoDbServiceUrl is not set, so the lease table would be in AWS DynamoDB (eu-west-1); ", ex.Message, StringComparison.Ordinal);
        Assert.Contains("https://dynamodb.eu-west-1.amazonaws.com", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void Validate_EmulatorKinesisEndpointWithAnExplicitDynamoDbEndpointOrClient_Passes()
    {
        var options = new KinesisConsumerOptions { ApplicationName = "app", StreamName = "s" };
        options.Kinesis.Region = "eu-west-1";
        options.Kinesis.ServiceUrl = new Uri("http://localhost:4567/");
        options.DynamoDbServiceUrl = new Uri("http://localhost:4569/");
        options.Validate();

        // AWS DynamoDB with a local Kinesis, on purpose.
        options.DynamoDbServiceUrl = new Uri("https://dynamodb.eu-west-1.amazonaws.com");
        options.Validate();

        options.DynamoDbServiceUrl = null;
        using var client = new Amazon.DynamoDBv2.AmazonDynamoDBClient(new Amazon.Runtime.BasicAWSCredentials("a", "b"), Amazon.RegionEndpoint.EUWest1);
        options.DynamoDbClient = client;
        options.Validate();
    }

    [Fact]
    public void Validate_VpcEndpointForKinesisWithoutDynamoDbEndpoint_PassesAndUsesTheRegionalDynamoDb()
    {
        var options = new KinesisConsumerOptions { ApplicationName = "app", StreamName = "s" };
        options.Kinesis.Region = "eu-west-1";
        options.Kinesis.ServiceUrl = new Uri("https://vpce-0123456789abcdef0-abcdefgh.kinesis.eu-west-1.vpce.amazonaws.com/");

        options.Validate();
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
    public void Validate_StreamNameAndArn_RequiresExactlyOneAndNamesBoth()
    {
        var options = new KinesisConsumerOptions { ApplicationName = "app", Kinesis = { Region = "eu-west-1" } };
        var neither = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Contains("exactly one of StreamName and StreamArn", neither.Message, StringComparison.Ordinal);
        options.StreamName = "s";
        options.StreamArn = "arn:aws:kinesis:eu-west-1:123456789012:stream/s";
        var both = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Contains("exactly one of StreamName and StreamArn", both.Message, StringComparison.Ordinal);
        Assert.Contains("both are set", both.Message, StringComparison.Ordinal);
        options.StreamName = null;
        options.Validate();
        Assert.Equal("s", options.ValidatedStreamName);
        Assert.Equal("arn:aws:kinesis:eu-west-1:123456789012:stream/s", options.ValidatedStream.Arn);
        Assert.Null(options.ValidatedStream.Name);
        Assert.Equal("123456789012", options.ValidatedStream.AccountId);
    }

    [Theory]
    [InlineData("s")]
    [InlineData("arn:aws:kinesis:eu-west-1:123456789012:consumer/s")]
    [InlineData("arn:aws:kinesis:eu-west-1:1234:stream/s")]
    [InlineData("arn:aws:sqs:eu-west-1:123456789012:stream/s")]
    [InlineData("arn:aws:kinesis:eu-west-1:123456789012:stream/")]
    public void Validate_NotAStreamArn_ThrowsNamingStreamArn(string arn)
    {
        var options = new KinesisConsumerOptions { ApplicationName = "app", StreamArn = arn, Kinesis = { Region = "eu-west-1" } };
        var error = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Equal(nameof(KinesisConsumerOptions.StreamArn), error.ParamName);
        Assert.Contains("is not a Kinesis stream ARN", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_StreamArnOfAnotherRegion_ThrowsNamingBothRegions()
    {
        var options = new KinesisConsumerOptions { ApplicationName = "app", StreamArn = "arn:aws:kinesis:us-east-1:123456789012:stream/s", Kinesis = { Region = "eu-west-1" } };
        var error = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Equal(nameof(KinesisConsumerOptions.StreamArn), error.ParamName);
        Assert.Contains("'us-east-1'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'eu-west-1'", error.Message, StringComparison.Ordinal);
        options.StreamArn = "arn:aws-cn:kinesis:eu-west-1:123456789012:stream/s";
        options.Validate();
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

    [Fact]
    public void Defaults_EqualTheDocumentedDefaults()
    {
        DocumentedDefaults.AssertMatch(new KinesisConsumerOptions(), "KinesisConsumerOptions", "ApplicationName", "StreamName", "WorkerId", "Leases", "Kinesis", "TimeProvider", "FanOut", "Metrics", "PoisonRecords", "MultiStream");
        DocumentedDefaults.AssertMatch(new PoisonRecordOptions(), "Poison records");
        DocumentedDefaults.AssertMatch(new FanOutOptions(), "FanOutOptions", "ConsumerName");
        DocumentedDefaults.AssertMatch(new LeaseManagementOptions(), "LeaseManagementOptions", "RenewalInterval", "TakerInterval", "MaxLeasesForWorker");
    }

    [Fact]
    public void Setter_OutOfRange_MessageNamesTheOptionTheRangeAndTheValue()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new KinesisConsumerOptions().MaxRecords = 0);

        Assert.StartsWith("MaxRecords must be between 1 and 10000; it was 0.", error.Message, StringComparison.Ordinal);
        Assert.StartsWith("ErrorMode must be one of RetryBatch, StopShard, SkipBatch; it was 42.", Assert.Throws<ArgumentOutOfRangeException>(() => new KinesisConsumerOptions().ErrorMode = (ProcessorErrorMode)42).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Clone_CopiesEverySettingAndTheNestedOptions_SharesServices()
    {
        var options = new KinesisConsumerOptions { ApplicationName = "app", StreamName = "s", MaxRecords = 77, TimeProvider = new FakeTimeProvider() };
        options.Kinesis.Region = "eu-west-1";
        options.Kinesis.RequestTimeout = TimeSpan.FromSeconds(3);
        options.Leases.FailoverTime = TimeSpan.FromSeconds(4);
        options.FanOut.ConsumerName = "fan";
        options.Metrics.Retry.MaxRetryAttempts = 9;
        options.PoisonRecords.MaxRetryAttempts = 5;

        var copy = options.Clone();
        options.MaxRecords = 1;
        options.Kinesis.RequestTimeout = TimeSpan.FromSeconds(9);
        options.Leases.FailoverTime = TimeSpan.FromSeconds(20);
        options.FanOut.ConsumerName = "changed";
        options.Metrics.Retry.MaxRetryAttempts = 1;
        options.PoisonRecords.MaxRetryAttempts = 1;

        Assert.Equal(77, copy.MaxRecords);
        Assert.Equal("eu-west-1", copy.Kinesis.Region);
        Assert.Equal(TimeSpan.FromSeconds(3), copy.Kinesis.RequestTimeout);
        Assert.Equal(TimeSpan.FromSeconds(4), copy.Leases.FailoverTime);
        Assert.Equal("fan", copy.FanOut.ConsumerName);
        Assert.Equal(9, copy.Metrics.Retry.MaxRetryAttempts);
        Assert.Equal(5, copy.PoisonRecords.MaxRetryAttempts);
        Assert.Same(options.TimeProvider, copy.TimeProvider);
        Assert.Same(options.Kinesis.TimeProvider, copy.Kinesis.TimeProvider);
    }

    [Fact]
    public void Clone_KinesisCoreOptions_EveryReadWritePropertyIsCopied()
    {
        // OptionsCopy copies Kinesis.Core's options by reflection: a property added there is copied without a change here.
        var kinesis = new Kinesis.Core.Api.KinesisApiClientOptions
        {
            Region = "eu-west-1",
            ServiceUrl = new Uri("http://localhost:4567"),
            AllowInsecureHttp = true,
            Credentials = new Amazon.Runtime.BasicAWSCredentials("a", "b"),
            RequestTimeout = TimeSpan.FromSeconds(3),
            ConnectTimeout = TimeSpan.FromSeconds(2),
            MaxConnections = 3,
            UseHttp2ForRequests = true,
            TimeProvider = new FakeTimeProvider(),
        };
        var options = new KinesisConsumerOptions { Kinesis = kinesis };

        var copy = options.Clone().Kinesis;

        Assert.NotSame(kinesis, copy);
        foreach (var property in typeof(Kinesis.Core.Api.KinesisApiClientOptions).GetProperties().Where(p => p.CanWrite))
        {
            Assert.Equal(property.GetValue(kinesis), property.GetValue(copy));
        }
    }
}
