using Kinesis.Core.Resilience;
using Kinesis.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Kinesis.Core.Tests.Resilience;

public sealed class RetryBackoffTests
{
    private static readonly RetryBackoffOptions FastOptions = new() { BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(4), MaxRetryAttempts = 3 };

    [Theory]
    [InlineData(0, 0.5, 50)]
    [InlineData(1, 0.5, 100)]
    [InlineData(3, 0.999, 799.2)]
    [InlineData(10, 0.5, 500)]
    [InlineData(1000, 1.0, 1000)]
    [InlineData(2, 0.0, 0)]
    public void ComputeFullJitterDelay_GrowsExponentiallyUpToCap(int retry, double random, double expectedMs)
    {
        var delay = RetryBackoff.ComputeFullJitterDelay(retry, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), random);

        Assert.Equal(expectedMs, delay.TotalMilliseconds, 3);
    }

    [Fact]
    public void GetDelay_RandomJitter_StaysWithinBounds()
    {
        var backoff = new RetryBackoff(new RetryBackoffOptions(), _ => true);

        for (var retry = 0; retry < 20; retry++)
        {
            var delay = backoff.GetDelay(retry);
            Assert.InRange(delay, TimeSpan.Zero, RetryBackoffOptions.DefaultMaxDelay);
        }
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task ExecuteAsync_TransientFailuresThenSuccess_RetriesAndReportsEachRetry()
    {
        var retries = new List<int>();
        var backoff = new RetryBackoff(FastOptions, e => e is TimeoutException, onRetry: (_, n, _) => retries.Add(n));
        var attempts = 0;

        var result = await backoff.ExecuteAsync(_ => ++attempts < 3 ? throw new TimeoutException() : new ValueTask<int>(attempts));

        Assert.Equal(3, result);
        Assert.Equal([0, 1], retries);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task ExecuteAsync_NonRetryableFailure_ThrowsAfterOneAttempt()
    {
        var backoff = new RetryBackoff(FastOptions, e => e is TimeoutException);
        var attempts = 0;

        await Assert.ThrowsAsync<InvalidOperationException>(async () => await backoff.ExecuteAsync<int>(_ =>
        {
            attempts++;
            throw new InvalidOperationException();
        }));

        Assert.Equal(1, attempts);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task ExecuteAsync_AttemptsExhausted_ThrowsLastException()
    {
        var backoff = new RetryBackoff(FastOptions, _ => true);
        var attempts = 0;

        await Assert.ThrowsAsync<TimeoutException>(async () => await backoff.ExecuteAsync<int>(_ =>
        {
            attempts++;
            throw new TimeoutException();
        }));

        Assert.Equal(4, attempts);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task ExecuteAsync_CancelledDuringDelay_ThrowsOperationCanceled()
    {
        var clock = new FakeTimeProvider();
        var backoff = new RetryBackoff(new RetryBackoffOptions { BaseDelay = TimeSpan.FromHours(1), MaxDelay = TimeSpan.FromHours(1) }, _ => true, clock);
        using var cts = new CancellationTokenSource();
        var attempts = 0;

        var run = backoff.ExecuteAsync<int>(_ =>
        {
            attempts++;
            throw new TimeoutException();
        }, cts.Token).AsTask();
        await Eventually.HoldsAsync(() => attempts == 1, TimeSpan.FromSeconds(10), "first attempt");
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.Equal(1, attempts);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task ExecuteAsync_OperationCancelsItselfWhileCallerDoesNot_AsksThePredicateAndRetries()
    {
        // A user callback's or a client timeout's cancellation is a failure like any other; only the caller's ends the retries.
        var seen = new List<Type>();
        var backoff = new RetryBackoff(FastOptions, e => { seen.Add(e.GetType()); return true; });
        var attempts = 0;

        var result = await backoff.ExecuteAsync(_ => ++attempts < 3 ? throw new TaskCanceledException() : new ValueTask<int>(attempts));

        Assert.Equal(3, result);
        Assert.Equal([typeof(TaskCanceledException), typeof(TaskCanceledException)], seen);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task ExecuteAsync_CallerCancelled_DoesNotAskThePredicate()
    {
        using var cts = new CancellationTokenSource();
        var asked = 0;
        var backoff = new RetryBackoff(FastOptions, _ => { asked++; return true; });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await backoff.ExecuteAsync<int>(ct =>
        {
            cts.Cancel();
            ct.ThrowIfCancellationRequested();
            return new ValueTask<int>(0);
        }, cts.Token));

        Assert.Equal(0, asked);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task ExecuteAsync_TokenAlreadyCancelled_MakesTheFirstAttemptOnly()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        var backoff = new RetryBackoff(FastOptions, _ => true);
        var attempts = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await backoff.ExecuteAsync<int>(ct =>
        {
            attempts++;
            ct.ThrowIfCancellationRequested();
            return new ValueTask<int>(0);
        }, cts.Token));

        Assert.Equal(1, attempts);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task ForDelays_DelayAsync_WaitsOnTheGivenClock()
    {
        var clock = new FakeTimeProvider();
        var backoff = RetryBackoff.ForDelays(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10), clock);
        var delay = backoff.GetDelay(0);
        Assert.InRange(delay, TimeSpan.Zero, TimeSpan.FromSeconds(10));

        var wait = backoff.DelayAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
        Assert.False(wait.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(5));

        await wait;
        Assert.Equal(0, backoff.MaxRetryAttempts);
    }

    [Fact]
    public void Options_OutOfRange_ThrowNamingTheOption()
    {
        var options = new RetryBackoffOptions();

        Assert.Equal(nameof(options.BaseDelay), Assert.Throws<ArgumentOutOfRangeException>(() => options.BaseDelay = TimeSpan.Zero).ParamName);
        Assert.Equal(nameof(options.MaxDelay), Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxDelay = TimeSpan.FromDays(2)).ParamName);
        Assert.Equal(nameof(options.MaxRetryAttempts), Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxRetryAttempts = -1).ParamName);
        Assert.Equal(RetryBackoffOptions.DefaultMaxRetryAttempts, options.MaxRetryAttempts);
    }
}
