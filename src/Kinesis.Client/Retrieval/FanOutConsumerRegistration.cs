using Kinesis.Core.Api;
using Kinesis.Core.Resilience;
using Microsoft.Extensions.Logging;

namespace Kinesis.Client.Retrieval;

/// <summary>
/// Finds or registers the worker's stream consumer and waits until it is ACTIVE (the KCL's FanOutConsumerRegistration):
/// DescribeStreamSummary for the stream ARN, DescribeStreamConsumer by name, RegisterStreamConsumer when absent (retried on
/// LimitExceeded; ResourceInUse means another worker registers it, so describe again), then DescribeStreamConsumer with
/// backoff until ACTIVE, bounded by <see cref="FanOutOptions.RegistrationTimeout"/>. The ARN is cached and shared by every
/// shard of the worker; a subscription that finds the consumer gone invalidates it so the next lookup registers again.
/// </summary>
/// <remarks>Safe for concurrent use; concurrent lookups share one round of calls.</remarks>
internal sealed class FanOutConsumerRegistration
{
    private const int MaxRegisterAttempts = 10;
    private static readonly TimeSpan DescribeBaseDelay = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan DescribeMaxDelay = TimeSpan.FromSeconds(2);

    private readonly KinesisApiClient api;
    private readonly StreamAddress stream;
    private readonly FanOutOptions options;
    private readonly RetryBackoff describeBackoff;
    private readonly ILogger logger;
    private readonly SemaphoreSlim gate = new(1, 1);
    private string? consumerArn;

    public FanOutConsumerRegistration(KinesisApiClient api, StreamAddress stream, string consumerName, FanOutOptions options, TimeProvider time, ILogger logger)
    {
        this.api = api;
        this.stream = stream;
        this.options = options;
        describeBackoff = RetryBackoff.ForDelays(DescribeBaseDelay, DescribeMaxDelay, time);
        this.logger = logger;
        ConsumerName = consumerName;
        consumerArn = options.ConsumerArn;
    }

    public string ConsumerName { get; }

    /// <summary>Registrations this object made (for tests).</summary>
    internal int Registrations { get; private set; }

    /// <summary>The ACTIVE consumer's ARN, looked up or registered on first use.</summary>
    public async ValueTask<string> GetConsumerArnAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref consumerArn) is { } cached)
        {
            return cached;
        }

        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (consumerArn is { } known)
            {
                return known;
            }

            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(options.RegistrationTimeout);
            try
            {
                var arn = await RegisterOrDescribeAsync(deadline.Token).ConfigureAwait(false);
                Volatile.Write(ref consumerArn, arn);
                return arn;
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"Stream consumer '{ConsumerName}' did not become ACTIVE within {options.RegistrationTimeout}.", ex);
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Forgets <paramref name="arn"/> when it is the cached one, so the next lookup describes (and registers) again.</summary>
    public void Invalidate(string arn) => Interlocked.CompareExchange(ref consumerArn, null, arn);

    /// <summary>Deregisters the consumer when one is known; failures are logged, not thrown.</summary>
    public async Task DeregisterAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref consumerArn) is not { } arn)
        {
            return;
        }

        try
        {
            await api.DeregisterStreamConsumerAsync(new StreamConsumerRequest { ConsumerARN = arn }, cancellationToken).ConfigureAwait(false);
            Invalidate(arn);
            FanOutLog.ConsumerDeregistered(logger, arn);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            FanOutLog.DeregistrationFailed(logger, ConsumerName, ex);
        }
    }

    private async Task<string> RegisterOrDescribeAsync(CancellationToken cancellationToken)
    {
        // A stream addressed by ARN needs no lookup (and a cross-account caller may not be allowed DescribeStreamSummary).
        var streamArn = stream.Arn
            ?? (await api.DescribeStreamSummaryAsync(stream.DescribeRequest(), cancellationToken).ConfigureAwait(false)).StreamDescriptionSummary.StreamARN
            ?? throw new InvalidOperationException($"DescribeStreamSummary of '{stream}' returned no StreamARN; enhanced fan-out needs it.");
        for (var attempt = 0; ; attempt++)
        {
            ConsumerDescription? description = null;
            try
            {
                description = (await api.DescribeStreamConsumerAsync(new StreamConsumerRequest { StreamARN = streamArn, ConsumerName = ConsumerName }, cancellationToken).ConfigureAwait(false)).ConsumerDescription;
            }
            catch (KinesisApiException ex) when (ex.ErrorCode == KinesisErrorCodes.ResourceNotFound)
            {
                try
                {
                    await api.RegisterStreamConsumerAsync(new RegisterStreamConsumerRequest { StreamARN = streamArn, ConsumerName = ConsumerName }, cancellationToken).ConfigureAwait(false);
                    Registrations++;
                    FanOutLog.ConsumerRegistered(logger, ConsumerName, streamArn);
                }
                catch (KinesisApiException registerFailure) when (registerFailure.ErrorCode == KinesisErrorCodes.ResourceInUse)
                {
                    // Another worker registered it first: describe again.
                }
                catch (KinesisApiException registerFailure) when ((registerFailure.ErrorCode == KinesisErrorCodes.LimitExceeded || registerFailure.IsRetryable) && attempt < MaxRegisterAttempts)
                {
                    await BackOffAsync(attempt, registerFailure.ErrorCode, cancellationToken).ConfigureAwait(false);
                }

                continue;
            }
            catch (KinesisApiException ex) when (ex.IsRetryable)
            {
                await BackOffAsync(attempt, ex.ErrorCode, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (description.ConsumerStatus == ConsumerStatus.Active)
            {
                FanOutLog.ConsumerActive(logger, ConsumerName, description.ConsumerARN);
                return description.ConsumerARN;
            }

            // CREATING (or DELETING, after which it is registered again): poll with backoff until the deadline.
            await describeBackoff.DelayAsync(describeBackoff.GetDelay(Math.Min(attempt, 10)), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task BackOffAsync(int attempt, string errorCode, CancellationToken cancellationToken)
    {
        var delay = describeBackoff.GetDelay(Math.Min(attempt, 10));
        FanOutLog.RegistrationRetry(logger, ConsumerName, errorCode, delay);
        await describeBackoff.DelayAsync(delay, cancellationToken).ConfigureAwait(false);
    }
}
