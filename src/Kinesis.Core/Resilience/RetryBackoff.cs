using Polly;
using Polly.Retry;

namespace Kinesis.Core.Resilience;

/// <summary>
/// Retries an operation on the failures a predicate selects, waiting an exponentially growing, fully
/// jittered delay between attempts (see <see cref="RetryBackoffOptions"/>). Built on a Polly
/// <see cref="ResiliencePipeline"/>, which stays out of every public signature. Every retry loop of the suite goes
/// through it: whole operations with <see cref="ExecuteAsync{TResult}"/>, loops whose attempts carry their own state
/// (a publisher's failure count, a batch of unprocessed keys) with <see cref="GetDelay"/> and <see cref="DelayAsync"/>.
/// </summary>
/// <remarks>
/// Safe for concurrent use. Cancellation stops the retries at once: the pending delay is cancelled and
/// an <see cref="OperationCanceledException"/> is thrown. When the attempts are used up, the last
/// exception is thrown unchanged.
/// </remarks>
internal sealed class RetryBackoff
{
    private readonly TimeSpan baseDelay;
    private readonly TimeSpan maxDelay;
    private readonly Func<double> random;
    private readonly TimeProvider time;
    private readonly ResiliencePipeline pipeline;

    /// <summary>Creates a backoff.</summary>
    /// <param name="options">Delays and attempt limit; copied, later changes are ignored.</param>
    /// <param name="shouldRetry">Returns <see langword="true"/> for an exception worth retrying (throttling, a 5xx, a network fault). It runs on the thread that observed the failure and must not throw. An <see cref="OperationCanceledException"/> reaches it only while the caller's token is not cancelled.</param>
    /// <param name="timeProvider">The clock the delays run on; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <param name="onRetry">Optional observer called before each delay with the exception, the 0-based retry number and the delay; for logging and metrics. An exception it throws fails the operation.</param>
    public RetryBackoff(
        RetryBackoffOptions options,
        Func<Exception, bool> shouldRetry,
        TimeProvider? timeProvider = null,
        Action<Exception, int, TimeSpan>? onRetry = null)
        : this(options, shouldRetry, timeProvider, onRetry, null)
    {
    }

    internal RetryBackoff(
        RetryBackoffOptions options,
        Func<Exception, bool> shouldRetry,
        TimeProvider? timeProvider,
        Action<Exception, int, TimeSpan>? onRetry,
        Func<double>? random)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(shouldRetry);
        baseDelay = options.BaseDelay;
        maxDelay = options.MaxDelay;
        MaxRetryAttempts = options.MaxRetryAttempts;
        this.random = random ?? Random.Shared.NextDouble;
        time = timeProvider ?? TimeProvider.System;
        if (MaxRetryAttempts == 0)
        {
            pipeline = ResiliencePipeline.Empty;
            return;
        }

        var retry = new RetryStrategyOptions
        {
            MaxRetryAttempts = MaxRetryAttempts,
            // A cancellation of the caller's token ends the retries; one the operation raised on its own (a user callback's,
            // a client's timeout) is the predicate's to judge.
            ShouldHandle = args => new ValueTask<bool>(
                args.Outcome.Exception is { } e && !(e is OperationCanceledException && args.Context.CancellationToken.IsCancellationRequested) && shouldRetry(e)),
            DelayGenerator = args => new ValueTask<TimeSpan?>(GetDelay(args.AttemptNumber)),
            OnRetry = args =>
            {
                if (onRetry is not null && args.Outcome.Exception is { } e)
                {
                    onRetry(e, args.AttemptNumber, args.RetryDelay);
                }

                return default;
            },
        };
        pipeline = new ResiliencePipelineBuilder { TimeProvider = timeProvider ?? TimeProvider.System }.AddRetry(retry).Build();
    }

    /// <summary>
    /// Creates a backoff for a loop that keeps its own attempt count and decides itself what to retry: it uses
    /// <see cref="GetDelay"/> and <see cref="DelayAsync"/> only (<see cref="ExecuteAsync{TResult}"/> would not retry).
    /// </summary>
    /// <param name="baseDelay">The first retry's upper bound.</param>
    /// <param name="maxDelay">The cap on the upper bound.</param>
    /// <param name="timeProvider">The clock <see cref="DelayAsync"/> waits on; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <returns>The backoff.</returns>
    public static RetryBackoff ForDelays(TimeSpan baseDelay, TimeSpan maxDelay, TimeProvider? timeProvider = null) =>
        new(new RetryBackoffOptions { BaseDelay = baseDelay, MaxDelay = maxDelay, MaxRetryAttempts = 0 }, static _ => false, timeProvider);

    /// <summary>The number of retries after the first attempt.</summary>
    public int MaxRetryAttempts { get; }

    /// <summary>Computes a full-jitter delay: uniform in [0, min(<paramref name="maxDelay"/>, <paramref name="baseDelay"/> × 2^<paramref name="retryNumber"/>)).</summary>
    /// <param name="retryNumber">The 0-based retry number; negative values are treated as 0.</param>
    /// <param name="baseDelay">The first retry's upper bound.</param>
    /// <param name="maxDelay">The cap on the upper bound.</param>
    /// <param name="random01">A random value in [0, 1).</param>
    /// <returns>The delay.</returns>
    public static TimeSpan ComputeFullJitterDelay(int retryNumber, TimeSpan baseDelay, TimeSpan maxDelay, double random01)
    {
        // 2^62 ticks overflows; beyond ~40 doublings every realistic base delay is past the cap anyway.
        var exponent = Math.Clamp(retryNumber, 0, 40);
        var ceilingTicks = Math.Min((double)maxDelay.Ticks, baseDelay.Ticks * Math.Pow(2, exponent));
        return TimeSpan.FromTicks((long)(ceilingTicks * Math.Clamp(random01, 0, 1)));
    }

    /// <summary>The jittered delay before the retry with the given 0-based number.</summary>
    /// <param name="retryNumber">The 0-based retry number.</param>
    /// <returns>The delay.</returns>
    public TimeSpan GetDelay(int retryNumber) => ComputeFullJitterDelay(retryNumber, baseDelay, maxDelay, random());

    /// <summary>Waits <paramref name="delay"/> (from <see cref="GetDelay"/>) on this backoff's clock.</summary>
    /// <param name="delay">The delay.</param>
    /// <param name="cancellationToken">Cancels the wait with an <see cref="OperationCanceledException"/>.</param>
    /// <returns>A task that completes when the delay has passed.</returns>
    public Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken) => Task.Delay(delay, time, cancellationToken);

    /// <summary>Runs <paramref name="operation"/>, retrying it as configured. The first attempt runs even when <paramref name="cancellationToken"/> is already cancelled (then it is the only one).</summary>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="operation">The operation; it receives the cancellation token to pass on.</param>
    /// <param name="cancellationToken">Cancels the operation and any pending delay.</param>
    /// <returns>The result of the first successful attempt.</returns>
    public ValueTask<TResult> ExecuteAsync<TResult>(Func<CancellationToken, ValueTask<TResult>> operation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(operation);

        // Polly skips the operation when the token is already cancelled. The first attempt always runs, as in the loops
        // this replaced: a record processor's InitializeAsync must come before its LeaseLostAsync.
        return cancellationToken.IsCancellationRequested ? operation(cancellationToken) : pipeline.ExecuteAsync(operation, cancellationToken);
    }
}
