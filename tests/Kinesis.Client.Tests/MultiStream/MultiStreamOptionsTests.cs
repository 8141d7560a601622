using Kinesis.Testing;

namespace Kinesis.Client.Tests.MultiStream;

public sealed class MultiStreamOptionsTests
{
    [Fact]
    public void Defaults_EqualTheDocumentedDefaults()
    {
        var options = new MultiStreamOptions();
        Assert.Equal(TimeSpan.FromSeconds(60), options.StreamSyncInterval);
        Assert.Equal(TimeSpan.FromHours(1), options.FormerStreamsLeasesDeletionDelay);
        Assert.Equal(FormerStreamsLeasesDeletion.AutoDetectionDeferred, options.FormerStreamsLeasesDeletion);
        Assert.Empty(options.Streams);
        Assert.Null(options.StreamProvider);
        DocumentedDefaults.AssertMatch(options, "MultiStreamOptions", "Streams");
    }

    [Fact]
    public void Setters_OutOfRange_ThrowNamingTheOption()
    {
        var options = new MultiStreamOptions();
        Assert.Equal(nameof(options.StreamSyncInterval), Assert.Throws<ArgumentOutOfRangeException>(() => options.StreamSyncInterval = TimeSpan.Zero).ParamName);
        Assert.Equal(nameof(options.FormerStreamsLeasesDeletionDelay), Assert.Throws<ArgumentOutOfRangeException>(() => options.FormerStreamsLeasesDeletionDelay = TimeSpan.FromSeconds(-1)).ParamName);
        Assert.Equal(nameof(options.FormerStreamsLeasesDeletion), Assert.Throws<ArgumentOutOfRangeException>(() => options.FormerStreamsLeasesDeletion = (FormerStreamsLeasesDeletion)9).ParamName);
    }

    [Fact]
    public void Validate_MultiStreamWithStreamName_ThrowsNamingBoth()
    {
        var options = Valid();
        options.StreamName = "single";
        var error = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Contains("Set either MultiStream or one of StreamName and StreamArn", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_StreamEntries_EachChecked()
    {
        var options = Valid();
        options.MultiStream.Streams.Add(new StreamConfig { StreamName = "b", StreamArn = "arn:aws:kinesis:eu-west-1:123456789012:stream/b" });
        Assert.Equal("MultiStream.Streams[1]", Assert.Throws<ArgumentException>(options.Validate).ParamName);
        options.MultiStream.Streams[1] = new StreamConfig { StreamArn = "arn:aws:kinesis:us-east-1:123456789012:stream/b" };
        Assert.Contains("region 'us-east-1'", Assert.Throws<ArgumentException>(options.Validate).Message, StringComparison.Ordinal);
        options.MultiStream.Streams[1] = new StreamConfig { StreamName = "b", CreationEpoch = 5 };
        Assert.Contains("CreationEpoch", Assert.Throws<ArgumentException>(options.Validate).Message, StringComparison.Ordinal);
        options.MultiStream.Streams[1] = new StreamConfig { StreamArn = "arn:aws:kinesis:eu-west-1:123456789012:stream/b", CreationEpoch = 1_700_000_000 };
        options.Validate();
        options.FanOut.ConsumerArn = "arn:aws:kinesis:eu-west-1:123456789012:stream/b/consumer/c:1";
        Assert.Equal("FanOut.ConsumerArn", Assert.Throws<ArgumentException>(options.Validate).ParamName);
    }

    [Fact]
    public void Clone_CopiesTheStreamListAndItsEntries()
    {
        var options = Valid();
        var copy = options.Clone();
        options.MultiStream.Streams[0].StreamName = "changed";
        options.MultiStream.Streams.Add(new StreamConfig { StreamName = "added" });
        Assert.Equal("a", Assert.Single(copy.MultiStream.Streams).StreamName);
    }

    private static KinesisConsumerOptions Valid()
    {
        var options = new KinesisConsumerOptions { ApplicationName = "app", Kinesis = { Region = "eu-west-1" } };
        options.MultiStream.Streams.Add(new StreamConfig { StreamName = "a" });
        options.Validate();
        return options;
    }
}
