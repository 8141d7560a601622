namespace Kinesis.Core.Api;

/// <summary>Error codes the service returns and the codes <see cref="KinesisApiException"/> uses for client-side failures.</summary>
public static class KinesisErrorCodes
{
    /// <summary>A shard's read or write throughput was exceeded.</summary>
    public const string ProvisionedThroughputExceeded = "ProvisionedThroughputExceededException";

    /// <summary>Too many control-plane requests or too many resources.</summary>
    public const string LimitExceeded = "LimitExceededException";

    /// <summary>Request rate exceeded.</summary>
    public const string Throttling = "ThrottlingException";

    /// <summary>KMS refused a request because of its own rate limits.</summary>
    public const string KmsThrottling = "KMSThrottlingException";

    /// <summary>The stream, shard or consumer does not exist.</summary>
    public const string ResourceNotFound = "ResourceNotFoundException";

    /// <summary>The resource is not in a state that allows the operation (e.g. CREATING, or a subscription already open).</summary>
    public const string ResourceInUse = "ResourceInUseException";

    /// <summary>A shard iterator is older than five minutes.</summary>
    public const string ExpiredIterator = "ExpiredIteratorException";

    /// <summary>The service failed internally.</summary>
    public const string InternalFailure = "InternalFailure";

    /// <summary>The service is unavailable.</summary>
    public const string ServiceUnavailable = "ServiceUnavailable";

    /// <summary>Client-side: the connection failed or was reset.</summary>
    public const string NetworkError = "NetworkError";

    /// <summary>Client-side: no answer within the request timeout.</summary>
    public const string RequestTimeout = "RequestTimeout";

    /// <summary>Client-side: the answer could not be parsed.</summary>
    public const string MalformedResponse = "MalformedResponse";

    /// <summary>Client-side: the credential provider returned no credentials.</summary>
    public const string CredentialsUnavailable = "CredentialsUnavailable";

    /// <summary>True for codes that mean "slow down".</summary>
    public static bool IsThrottling(string errorCode) => errorCode is ProvisionedThroughputExceeded or LimitExceeded or Throttling or KmsThrottling
        or "Throttling" or "RequestLimitExceeded" or "TooManyRequestsException";

    /// <summary>True for codes of transient service-side failures.</summary>
    public static bool IsTransient(string errorCode) => errorCode is InternalFailure or ServiceUnavailable or "InternalFailureException"
        or "ServiceUnavailableException" or "KMSInternalException";

    /// <summary>True for codes that may mean the request was signed with a skewed clock.</summary>
    internal static bool MayBeClockSkew(string errorCode, string message) => errorCode switch
    {
        "RequestExpired" or "RequestTimeTooSkewed" or "RequestInTheFuture" => true,
        "InvalidSignatureException" or "SignatureDoesNotMatch" or "AuthFailure" =>
            message.Contains("expired", StringComparison.OrdinalIgnoreCase)
            || message.Contains("not yet current", StringComparison.OrdinalIgnoreCase)
            || message.Contains("skew", StringComparison.OrdinalIgnoreCase),
        _ => false,
    };
}
