namespace Kinesis.Client;

/// <summary>
/// <see cref="KinesisConsumer.StartAsync"/> could not start: the stream is missing, an endpoint is unreachable, or a
/// service refused. The message is one line naming what is missing or unreachable (the stream and the Kinesis endpoint,
/// or the DynamoDB endpoint and the lease table), for example
/// <c>Stream 'orders' was not found at Kinesis endpoint http://localhost:4567/.</c>; <see cref="Exception.InnerException"/>
/// holds the service or network error. Nothing is left running; the start may be retried on the same consumer.
/// </summary>
public sealed class KinesisConsumerStartException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="reason">What failed.</param>
    /// <param name="endpoint">The endpoint concerned, when known.</param>
    /// <param name="isRetryable">Whether starting again later may succeed without a configuration change.</param>
    /// <param name="message">A one-line description.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public KinesisConsumerStartException(KinesisConsumerStartFailure reason, Uri? endpoint, bool isRetryable, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Reason = reason;
        Endpoint = endpoint;
        IsRetryable = isRetryable;
    }

    /// <summary>What failed.</summary>
    public KinesisConsumerStartFailure Reason { get; }

    /// <summary>The Kinesis or DynamoDB endpoint concerned, when known.</summary>
    public Uri? Endpoint { get; }

    /// <summary>
    /// True when starting again later may succeed as is: the endpoint could not be reached, or it kept failing with
    /// transient errors (throttling, 5xx, timeouts) until <see cref="KinesisConsumerOptions.StartTimeout"/>. False for a
    /// missing stream and for errors that need a change (access denied, invalid credentials, a bad request).
    /// </summary>
    public bool IsRetryable { get; }
}
