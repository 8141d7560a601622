using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Kinesis.Client.Diagnostics;
using Kinesis.Core.Api;
using Kinesis.Core.Resilience;
using Microsoft.Extensions.Logging;

namespace Kinesis.Client.Coordination;

/// <summary>
/// The checks and steps of <see cref="KinesisConsumer.StartAsync"/>, each failing with one
/// <see cref="KinesisConsumerStartException"/> that names what is missing or unreachable: the stream exists, the lease
/// table's DynamoDB answers, then the steps that create things. Transient failures are retried until
/// <see cref="KinesisConsumerOptions.StartTimeout"/>, counted from construction; what a retry does not fix fails at once.
/// </summary>
internal sealed class ConsumerStartup
{
    private static readonly TimeSpan RetryBaseDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan RetryMaxDelay = TimeSpan.FromSeconds(2);

    private readonly KinesisConsumerOptions options;
    private readonly Uri kinesisEndpoint;
    private readonly Uri? dynamoDbEndpoint;
    private readonly ILogger logger;
    private readonly long startedAt;

    public ConsumerStartup(KinesisConsumerOptions options, Uri kinesisEndpoint, Uri? dynamoDbEndpoint, ILogger logger)
    {
        this.options = options;
        this.kinesisEndpoint = kinesisEndpoint;
        this.dynamoDbEndpoint = dynamoDbEndpoint;
        this.logger = logger;
        startedAt = options.TimeProvider.GetTimestamp();
    }

    private StreamAddress Stream => options.ValidatedStream;

    private string TableName => options.ValidatedApplicationName;

    private string DynamoDbName => dynamoDbEndpoint?.ToString() ?? "of the given DynamoDbClient";

    /// <summary>Fails unless the stream exists (DescribeStreamSummary).</summary>
    public Task CheckStreamAsync(KinesisApiClient api, CancellationToken cancellationToken) => CheckStreamAsync(api, Stream, cancellationToken);

    /// <summary>
    /// Fails unless <paramref name="stream"/> exists (DescribeStreamSummary); each stream of a multi-stream consumer. Returns
    /// the stream's summary (a multi-stream consumer takes the stream's identity from it).
    /// </summary>
    public async Task<StreamDescriptionSummary> CheckStreamAsync(KinesisApiClient api, StreamAddress stream, CancellationToken cancellationToken)
    {
        StreamDescriptionSummary summary = null!;
        try
        {
            await RetryTransientAsync(
                "describing the stream",
                async ct => summary = (await api.DescribeStreamSummaryAsync(stream.DescribeRequest(), ct).ConfigureAwait(false)).StreamDescriptionSummary,
                cancellationToken).ConfigureAwait(false);
            return summary;
        }
        catch (KinesisApiException ex) when (ex.ErrorCode == KinesisErrorCodes.ResourceNotFound)
        {
            throw new KinesisConsumerStartException(KinesisConsumerStartFailure.StreamNotFound, kinesisEndpoint, isRetryable: false, $"Stream '{stream}' was not found at Kinesis endpoint {kinesisEndpoint}.", ex);
        }
        catch (Exception ex) when (!IsCallerCancellation(ex, cancellationToken))
        {
            throw KinesisFailure(ex, $"describing stream '{stream}'");
        }
    }

    /// <summary>Fails unless the lease table's DynamoDB answers DescribeTable; a missing table is fine (it is created next).</summary>
    public async Task CheckLeaseTableAsync(IAmazonDynamoDB dynamoDb, CancellationToken cancellationToken)
    {
        try
        {
            await RetryTransientAsync(
                "describing the lease table",
                async ct =>
                {
                    try
                    {
                        await dynamoDb.DescribeTableAsync(TableName, ct).ConfigureAwait(false);
                    }
                    catch (ResourceNotFoundException)
                    {
                        // Created by the next step.
                    }

                    return true;
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!IsCallerCancellation(ex, cancellationToken))
        {
            throw LeaseTableFailure(ex, "describing");
        }
    }

    /// <summary>Runs a lease-table step (create, wait for ACTIVE) once; its own retries are the lease refresher's.</summary>
    public async Task RunLeaseTableStepAsync(Func<CancellationToken, Task> step, string what, CancellationToken cancellationToken)
    {
        try
        {
            await step(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!IsCallerCancellation(ex, cancellationToken))
        {
            throw LeaseTableFailure(ex, what);
        }
    }

    /// <summary>Runs a Kinesis step (the fan-out consumer registration) once; it retries by itself.</summary>
    public async Task RunKinesisStepAsync(Func<CancellationToken, Task> step, string what, CancellationToken cancellationToken)
    {
        try
        {
            await step(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!IsCallerCancellation(ex, cancellationToken))
        {
            throw KinesisFailure(ex, what);
        }
    }

    /// <summary>
    /// Runs the first shard sync, retrying transient failures until the start timeout, so that the leases exist when the
    /// start returns. A failure that remains is logged and left to the periodic sync, as in the KCL (the stream was checked).
    /// </summary>
    public async Task FirstShardSyncAsync(Func<CancellationToken, Task> sync, CancellationToken cancellationToken, StreamAddress? stream = null)
    {
        try
        {
            await RetryTransientAsync(
                "the first shard sync",
                async ct =>
                {
                    await sync(ct).ConfigureAwait(false);
                    return true;
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!IsCallerCancellation(ex, cancellationToken))
        {
            ConsumerLog.ShardSyncFailed(logger, (stream ?? Stream).ToString(), ex is StartDeadlineException { InnerException: { } last } ? last : ex);
        }
    }

    /// <summary>How a start-up failure is handled.</summary>
    internal enum ErrorClass
    {
        /// <summary>Throttling, 5xx, a request timeout, a connection lost mid-answer: retried until the start timeout.</summary>
        Transient,

        /// <summary>No connection could be made: the endpoint is wrong or down; fails at once.</summary>
        Unreachable,

        /// <summary>An answer a retry does not change (missing resource, access denied, bad credentials); fails at once.</summary>
        Permanent,
    }

    /// <summary>Classifies a Kinesis (<see cref="KinesisApiException"/>) or DynamoDB (AWS SDK) failure.</summary>
    internal static ErrorClass Classify(Exception exception)
    {
        if (IsConnectFailure(exception))
        {
            return ErrorClass.Unreachable;
        }

        return exception switch
        {
            KinesisApiException kinesis => kinesis.IsRetryable ? ErrorClass.Transient : ErrorClass.Permanent,
            _ => Leases.DynamoDbRetryClassifier.IsRetryable(exception) ? ErrorClass.Transient : ErrorClass.Permanent,
        };
    }

    /// <summary>Whether the exception, or one it wraps, says that no connection could be opened.</summary>
    internal static bool IsConnectFailure(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError }:
                // SocketsHttpHandler.ConnectTimeout: a cancellation wrapping a TimeoutException.
                case OperationCanceledException { InnerException: TimeoutException }:
                    return true;

                // The AWS SDK unwraps that cancellation into the bare TimeoutException, which it also makes of its own request
                // timeout; the runtime's message names the property (an identifier, the same in every language).
                case TimeoutException when e.Message.Contains("ConnectTimeout", StringComparison.Ordinal):
                    return true;
            }
        }

        return false;
    }

    private static bool IsCallerCancellation(Exception exception, CancellationToken cancellationToken) =>
        exception is OperationCanceledException && cancellationToken.IsCancellationRequested;

    /// <summary>One line with the error code (the AWS SDK's messages may span several and leave the code out).</summary>
    private static string Describe(Exception exception)
    {
        var message = exception.Message.ReplaceLineEndings(" ").Trim();
        return exception is AmazonServiceException { ErrorCode: { Length: > 0 } code } service && !message.Contains(code, StringComparison.Ordinal)
            ? $"{code} (HTTP {(int)service.StatusCode}): {message}"
            : message;
    }

    private static string Seconds(TimeSpan value) => value.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s";

    private async Task RetryTransientAsync<T>(string step, Func<CancellationToken, ValueTask<T>> operation, CancellationToken cancellationToken)
    {
        var remaining = options.StartTimeout - options.TimeProvider.GetElapsedTime(startedAt);
        if (remaining <= TimeSpan.Zero)
        {
            // The time went on earlier steps (a new lease table can take a while to become ACTIVE): one attempt, no retries.
            await operation(cancellationToken).ConfigureAwait(false);
            return;
        }

        Exception? last = null;
        using var deadline = new CancellationTokenSource(remaining, options.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var backoff = new RetryBackoff(
            new RetryBackoffOptions { BaseDelay = RetryBaseDelay, MaxDelay = RetryMaxDelay, MaxRetryAttempts = int.MaxValue },
            e => Classify(e) == ErrorClass.Transient,
            options.TimeProvider,
            (e, retry, delay) =>
            {
                last = e;
                ConsumerLog.StartStepRetry(logger, step, retry + 1, delay, e);
            });
        try
        {
            await backoff.ExecuteAsync(operation, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new StartDeadlineException(last);
        }
    }

    private KinesisConsumerStartException KinesisFailure(Exception exception, string what)
    {
        if (exception is KinesisConsumerStartException started)
        {
            return started;
        }

        var (timedOut, cause) = Unwrap(exception);
        var message = Describe(cause);
        return timedOut
            ? new KinesisConsumerStartException(KinesisConsumerStartFailure.KinesisFailed, kinesisEndpoint, isRetryable: true, $"Kinesis endpoint {kinesisEndpoint} kept failing while {what} until StartTimeout ({Seconds(options.StartTimeout)}) ran out; {LastError(cause, message)}", cause)
            : Classify(cause) == ErrorClass.Unreachable
                ? new KinesisConsumerStartException(KinesisConsumerStartFailure.KinesisUnreachable, kinesisEndpoint, isRetryable: true, $"Kinesis endpoint {kinesisEndpoint} is unreachable: {message}", cause)
                : new KinesisConsumerStartException(KinesisConsumerStartFailure.KinesisFailed, kinesisEndpoint, isRetryable: false, $"Kinesis endpoint {kinesisEndpoint} failed while {what}: {message}", cause);
    }

    private KinesisConsumerStartException LeaseTableFailure(Exception exception, string what)
    {
        if (exception is KinesisConsumerStartException started)
        {
            return started;
        }

        var (timedOut, cause) = Unwrap(exception);
        var message = Describe(cause);
        return timedOut
            ? new KinesisConsumerStartException(KinesisConsumerStartFailure.LeaseTableFailed, dynamoDbEndpoint, isRetryable: true, $"DynamoDB endpoint {DynamoDbName} kept failing while {what} lease table '{TableName}' until StartTimeout ({Seconds(options.StartTimeout)}) ran out; {LastError(cause, message)}", cause)
            : Classify(cause) == ErrorClass.Unreachable
                ? new KinesisConsumerStartException(KinesisConsumerStartFailure.LeaseTableUnreachable, dynamoDbEndpoint, isRetryable: true, $"DynamoDB endpoint {DynamoDbName} (lease table '{TableName}') is unreachable: {message}", cause)
                : new KinesisConsumerStartException(KinesisConsumerStartFailure.LeaseTableFailed, dynamoDbEndpoint, isRetryable: cause is TimeoutException, $"DynamoDB endpoint {DynamoDbName} failed while {what} lease table '{TableName}': {message}", cause);
    }

    private static string LastError(Exception cause, string message) =>
        cause is StartDeadlineException ? "no attempt had answered" : "last error: " + message;

    private static (bool TimedOut, Exception Cause) Unwrap(Exception exception) =>
        exception is StartDeadlineException deadline ? (true, deadline.InnerException ?? deadline) : (false, exception);

    /// <summary>The start timeout ran out; the inner exception is the last transient failure, if an attempt had failed.</summary>
    private sealed class StartDeadlineException(Exception? last) : Exception("StartTimeout ran out.", last);
}
