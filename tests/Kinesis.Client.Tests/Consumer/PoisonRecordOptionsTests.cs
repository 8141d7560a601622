using Microsoft.Extensions.Configuration;
using Kinesis.Client.Lifecycle;

namespace Kinesis.Client.Tests.Consumer;

public sealed class PoisonRecordOptionsTests
{
    [Fact]
    public void Constructor_Defaults_NothingLimited()
    {
        var options = new KinesisConsumerOptions().PoisonRecords;

        Assert.Null(options.MaxRetryAttempts);
        Assert.Null(options.MaximumRecordAge);
        Assert.False(options.BisectBatchOnError);
        Assert.Null(options.DeadLetterSink);
        Assert.False(options.SkipWithoutDeadLetter);
        Assert.Equal(10_000, PoisonRecordOptions.MaxMaxRetryAttempts);
        Assert.Equal(TimeSpan.FromSeconds(1), PoisonRecordOptions.MinMaximumRecordAge);
        Assert.Equal(TimeSpan.FromDays(365), PoisonRecordOptions.MaxMaximumRecordAge);
    }

    [Fact]
    public void Setters_OutOfRange_ThrowNamingTheOption()
    {
        var options = new PoisonRecordOptions();
        Assert.Equal(nameof(options.MaxRetryAttempts), Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxRetryAttempts = -1).ParamName);
        Assert.Equal(nameof(options.MaxRetryAttempts), Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxRetryAttempts = 10_001).ParamName);
        Assert.Equal(nameof(options.MaximumRecordAge), Assert.Throws<ArgumentOutOfRangeException>(() => options.MaximumRecordAge = TimeSpan.FromMilliseconds(999)).ParamName);
        Assert.Equal(nameof(options.MaximumRecordAge), Assert.Throws<ArgumentOutOfRangeException>(() => options.MaximumRecordAge = TimeSpan.FromDays(366)).ParamName);
        options.MaxRetryAttempts = 0;
        options.MaxRetryAttempts = null;
        options.MaximumRecordAge = TimeSpan.FromDays(365);
        options.MaximumRecordAge = null;
    }

    [Fact]
    public void Validate_LimitWithoutSinkOrOptIn_ThrowsNamingTheSink()
    {
        var options = Valid();
        options.PoisonRecords.MaxRetryAttempts = 3;
        Assert.Equal("PoisonRecords.DeadLetterSink", Assert.Throws<ArgumentException>(options.Validate).ParamName);

        options.PoisonRecords.MaxRetryAttempts = null;
        options.PoisonRecords.MaximumRecordAge = TimeSpan.FromHours(1);
        Assert.Equal("PoisonRecords.DeadLetterSink", Assert.Throws<ArgumentException>(options.Validate).ParamName);

        options.PoisonRecords.SkipWithoutDeadLetter = true;
        options.Validate();
        options.PoisonRecords.SkipWithoutDeadLetter = false;
        options.PoisonRecords.DeadLetterSink = new ListSink();
        options.Validate();
    }

    [Theory]
    [InlineData(ProcessorErrorMode.SkipBatch)]
    [InlineData(ProcessorErrorMode.StopShard)]
    public void Validate_PolicyWithAnotherErrorMode_ThrowsNamingErrorMode(ProcessorErrorMode mode)
    {
        var options = Valid();
        options.ErrorMode = mode;
        options.Validate();
        options.PoisonRecords.BisectBatchOnError = true;
        Assert.Equal(nameof(options.ErrorMode), Assert.Throws<ArgumentException>(options.Validate).ParamName);
    }

    [Fact]
    public void Validate_NullPoisonRecords_ThrowsNamingIt()
    {
        var options = Valid();
        options.PoisonRecords = null!;
        Assert.Equal(nameof(options.PoisonRecords), Assert.Throws<ArgumentException>(options.Validate).ParamName);
    }

    [Fact]
    public void Bind_FromConfiguration_SetsThePoisonRecordSection()
    {
        var configuration = new Microsoft.Extensions.Configuration.ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["PoisonRecords:MaxRetryAttempts"] = "3",
                ["PoisonRecords:MaximumRecordAge"] = "06:00:00",
                ["PoisonRecords:BisectBatchOnError"] = "true",
                ["PoisonRecords:SkipWithoutDeadLetter"] = "true",
            })
            .Build();
        var options = Valid();

        Microsoft.Extensions.Configuration.ConfigurationBinder.Bind(configuration, options);

        Assert.Equal(3, options.PoisonRecords.MaxRetryAttempts);
        Assert.Equal(TimeSpan.FromHours(6), options.PoisonRecords.MaximumRecordAge);
        Assert.True(options.PoisonRecords.BisectBatchOnError);
        Assert.True(options.PoisonRecords.SkipWithoutDeadLetter);
        options.Validate();
    }

    private static KinesisConsumerOptions Valid()
    {
        var options = new KinesisConsumerOptions { ApplicationName = "app", StreamName = "stream" };
        options.Kinesis.Region = "us-east-1";
        return options;
    }
}

public sealed class FailureDecisionTests
{
    private static readonly TimeSpan Young = TimeSpan.FromSeconds(1);

    [Theory]
    [InlineData(ProcessorErrorMode.StopShard, "StopShard")]
    [InlineData(ProcessorErrorMode.SkipBatch, "SkipBatch")]
    public void Decide_OtherErrorModes_FollowTheMode(ProcessorErrorMode mode, string expectedAction)
    {
        var expected = Enum.Parse<FailureAction>(expectedAction);
        var decision = new FailureDecision(mode, new PoisonRecordOptions());
        Assert.Equal(expected, decision.Decide(10, recordIdentified: false, failures: 1, Young, out _));
        Assert.Equal(expected, decision.Decide(1, recordIdentified: true, failures: 1, Young, out _));
    }

    [Fact]
    public void Decide_NoLimits_AlwaysRetries()
    {
        var decision = new FailureDecision(ProcessorErrorMode.RetryBatch, new PoisonRecordOptions { DeadLetterSink = new ListSink() });
        Assert.Equal(FailureAction.Retry, decision.Decide(10, false, 1, Young, out _));
        Assert.Equal(FailureAction.Retry, decision.Decide(1, true, 100_000, TimeSpan.FromDays(400), out _));
    }

    [Fact]
    public void Decide_Bisect_SplitsUnidentifiedMultiRecordUnitsOnly()
    {
        var decision = new FailureDecision(ProcessorErrorMode.RetryBatch, new PoisonRecordOptions { BisectBatchOnError = true, MaxRetryAttempts = 0, MaximumRecordAge = TimeSpan.FromMinutes(1), DeadLetterSink = new ListSink() });

        Assert.Equal(FailureAction.Split, decision.Decide(2, false, 1, Young, out _));
        Assert.Equal(FailureAction.Split, decision.Decide(2, false, 1, TimeSpan.FromHours(1), out _));
        Assert.Equal(FailureAction.DeadLetter, decision.Decide(1, false, 1, Young, out _));
        Assert.Equal(FailureAction.DeadLetter, decision.Decide(1, true, 1, Young, out _));
    }

    [Fact]
    public void Decide_RetryLimit_DeadLettersAfterMaxRetries()
    {
        var decision = new FailureDecision(ProcessorErrorMode.RetryBatch, new PoisonRecordOptions { MaxRetryAttempts = 2, DeadLetterSink = new ListSink() });

        Assert.Equal(FailureAction.Retry, decision.Decide(5, false, 1, Young, out _));
        Assert.Equal(FailureAction.Retry, decision.Decide(5, false, 2, Young, out _));
        Assert.Equal(FailureAction.DeadLetter, decision.Decide(5, false, 3, Young, out var reason));
        Assert.Equal(DeadLetterReason.RetriesExhausted, reason);
    }

    [Fact]
    public void Decide_AgeLimit_DeadLettersWithoutRetrying()
    {
        var decision = new FailureDecision(ProcessorErrorMode.RetryBatch, new PoisonRecordOptions { MaxRetryAttempts = 5, MaximumRecordAge = TimeSpan.FromMinutes(10), DeadLetterSink = new ListSink() });

        Assert.Equal(FailureAction.Retry, decision.Decide(3, false, 1, TimeSpan.FromMinutes(9), out _));
        Assert.Equal(FailureAction.DeadLetter, decision.Decide(3, false, 1, TimeSpan.FromMinutes(10), out var reason));
        Assert.Equal(DeadLetterReason.RecordAgeExceeded, reason);
    }

    [Fact]
    public void Decide_LimitReachedWithoutSink_DiscardsOnlyWithTheOptIn()
    {
        var optedIn = new FailureDecision(ProcessorErrorMode.RetryBatch, new PoisonRecordOptions { MaxRetryAttempts = 0, SkipWithoutDeadLetter = true });
        var neither = new FailureDecision(ProcessorErrorMode.RetryBatch, new PoisonRecordOptions { MaxRetryAttempts = 0 });

        Assert.Equal(FailureAction.Discard, optedIn.Decide(1, true, 1, Young, out _));
        Assert.Equal(FailureAction.Retry, neither.Decide(1, true, 1, Young, out _));
    }
}

/// <summary>A dead-letter sink that keeps what it got and can be told to fail.</summary>
internal sealed class ListSink : IDeadLetterSink
{
    private readonly object gate = new();
    private readonly List<DeadLetterBatch> batches = [];

    private int failuresLeft;

    /// <summary>How many of the next calls throw; set under the sink's lock, so a change while calls run is never lost.</summary>
    public int FailuresLeft
    {
        get
        {
            lock (gate)
            {
                return failuresLeft;
            }
        }

        set
        {
            lock (gate)
            {
                failuresLeft = value;
            }
        }
    }

    public int Calls { get; private set; }

    /// <summary>Runs inside every call (before it fails or stores), to observe the consumer's state.</summary>
    public Action<DeadLetterBatch>? OnCall { get; set; }

    public IReadOnlyList<DeadLetterBatch> Batches
    {
        get
        {
            lock (gate)
            {
                return [.. batches];
            }
        }
    }

    public Task SendAsync(DeadLetterBatch batch, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            Calls++;
            OnCall?.Invoke(batch);
            if (failuresLeft > 0)
            {
                failuresLeft--;
                return Task.FromException(new IOException("dead-letter store unavailable"));
            }

            batches.Add(batch);
        }

        return Task.CompletedTask;
    }
}
