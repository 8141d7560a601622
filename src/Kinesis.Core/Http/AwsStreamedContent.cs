using System.Net;

namespace Kinesis.Core.Http;

/// <summary>Request content that writes an <see cref="AwsStreamedBody"/> to the connection piece by piece.</summary>
internal sealed class AwsStreamedContent : HttpContent
{
    private readonly AwsStreamedBody body;

    public AwsStreamedContent(AwsStreamedBody body, string contentType)
    {
        this.body = body;
        // Added as text: sent as it is, without a parsed MediaTypeHeaderValue per request; the signer signs the same text.
        Headers.TryAddWithoutValidation("Content-Type", contentType);
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        body.WriteToAsync(stream, CancellationToken.None);

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
        body.WriteToAsync(stream, cancellationToken);

    protected override bool TryComputeLength(out long length)
    {
        length = body.Length;
        return true;
    }
}
