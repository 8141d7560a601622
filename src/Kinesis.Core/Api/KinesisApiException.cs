namespace Kinesis.Core.Api;

/// <summary>
/// The one exception type of <see cref="KinesisApiClient"/>: a service error, a network failure, a timeout or a
/// malformed response, with what a caller needs to decide whether and how to retry (the client never retries by itself).
/// </summary>
public sealed class KinesisApiException : Exception
{
    /// <summary>Creates an exception.</summary>
    public KinesisApiException(KinesisErrorKind kind, string errorCode, string message, int? statusCode = null, string? requestId = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
        ErrorCode = errorCode;
        StatusCode = statusCode;
        RequestId = requestId;
    }

    /// <summary>Service errors carry the service's code (e.g. <c>ResourceNotFoundException</c>); other kinds carry <c>NetworkError</c>, <c>RequestTimeout</c>, <c>MalformedResponse</c> or <c>CredentialsUnavailable</c>.</summary>
    public string ErrorCode { get; }

    /// <summary>The kind of failure.</summary>
    public KinesisErrorKind Kind { get; }

    /// <summary>The HTTP status of the response, when there was one.</summary>
    public int? StatusCode { get; }

    /// <summary>The service's request id (<c>x-amzn-RequestId</c>), when there was one; quote it to AWS support.</summary>
    public string? RequestId { get; }

    /// <summary>True when the service asked the caller to slow down (throughput, request-rate or KMS limits); back off with jitter and retry.</summary>
    public bool IsThrottling => Kind == KinesisErrorKind.Service && KinesisErrorCodes.IsThrottling(ErrorCode);

    /// <summary>
    /// True when repeating the same request may succeed: throttling, 5xx and internal failures, network failures and
    /// timeouts. Non-idempotent operations (PutRecord(s)) may then produce duplicates, which Kinesis consumers tolerate.
    /// </summary>
    public bool IsRetryable => Kind switch
    {
        KinesisErrorKind.Network or KinesisErrorKind.Timeout => true,
        KinesisErrorKind.Service => KinesisErrorCodes.IsThrottling(ErrorCode) || KinesisErrorCodes.IsTransient(ErrorCode) || StatusCode >= 500,
        _ => StatusCode >= 500,
    };
}
