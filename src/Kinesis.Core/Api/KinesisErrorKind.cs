namespace Kinesis.Core.Api;

/// <summary>What kind of failure a <see cref="KinesisApiException"/> reports.</summary>
public enum KinesisErrorKind
{
    /// <summary>The service answered with an error (see <see cref="KinesisApiException.ErrorCode"/>), in an HTTP response or as an event-stream exception frame.</summary>
    Service,

    /// <summary>The connection failed or was reset before a complete answer arrived; the request may or may not have been applied.</summary>
    Network,

    /// <summary>No answer within <see cref="KinesisApiClientOptions.RequestTimeout"/>; the request may or may not have been applied.</summary>
    Timeout,

    /// <summary>The answer could not be understood: malformed JSON, a corrupt or truncated event-stream frame, an unexpected content type.</summary>
    MalformedResponse,

    /// <summary>No credentials could be obtained (none configured, or the provider failed); nothing was sent.</summary>
    Credentials,
}
