using System.Net;

namespace Kinesis.Core.Http;

/// <summary>
/// Request content over bytes the transport owns (a pooled buffer). The transport returns the buffer only after the
/// response is complete, so a re-sent request (clock-skew retry) can wrap the same bytes again.
/// </summary>
internal sealed class AwsBodyContent : HttpContent
{
    private readonly ReadOnlyMemory<byte> body;

    public AwsBodyContent(ReadOnlyMemory<byte> body, string contentType)
    {
        this.body = body;
        // Added as text: sent as it is, without a parsed MediaTypeHeaderValue per request; the signer signs the same text.
        Headers.TryAddWithoutValidation("Content-Type", contentType);
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        stream.WriteAsync(body).AsTask();

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
        stream.WriteAsync(body, cancellationToken).AsTask();

    protected override bool TryComputeLength(out long length)
    {
        length = body.Length;
        return true;
    }
}
