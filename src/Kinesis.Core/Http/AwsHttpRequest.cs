namespace Kinesis.Core.Http;

/// <summary>
/// What <see cref="AwsHttpSender"/> needs to build, sign and send one AWS request (a POST to the endpoint's root, as
/// both the JSON and the query protocols use). The body is not copied; its hash is
/// computed once so the request can be re-signed and re-sent.
/// </summary>
internal sealed class AwsHttpRequest
{
    public AwsHttpRequest(ReadOnlyMemory<byte> body, string contentType)
    {
        Body = body;
        ContentType = contentType;
        PayloadSha256 = AwsRequestSigner.HashPayload(body.Span);
    }

    /// <summary>A body written to the connection as it is produced; <see cref="Body"/> is empty then.</summary>
    public AwsHttpRequest(AwsStreamedBody body, string contentType)
    {
        StreamedBody = body;
        ContentType = contentType;
        PayloadSha256 = body.PayloadSha256;
    }

    public ReadOnlyMemory<byte> Body { get; }

    public AwsStreamedBody? StreamedBody { get; }

    public string ContentType { get; }

    public string PayloadSha256 { get; }

    /// <summary>The body's Content-Encoding (e.g. <c>gzip</c>), or null when it is sent as is. Sent, not signed (SigV4 does not require it).</summary>
    public string? ContentEncoding { get; init; }

    /// <summary>Extra headers to send and sign (e.g. X-Amz-Target).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    public Version Version { get; init; } = System.Net.HttpVersion.Version11;

    public HttpVersionPolicy VersionPolicy { get; init; } = HttpVersionPolicy.RequestVersionOrLower;
}
