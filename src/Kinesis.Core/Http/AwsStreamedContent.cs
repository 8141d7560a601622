using System.Net;
using System.Net.Http.Headers;

namespace Kinesis.Core.Http;

/// <summary>Request content that writes an <see cref="AwsStreamedBody"/> to the connection piece by piece.</summary>
internal sealed class AwsStreamedContent : HttpContent
{
    private readonly AwsStreamedBody body;

    public AwsStreamedContent(AwsStreamedBody body, MediaTypeHeaderValue contentType)
    {
        this.body = body;
        Headers.ContentType = contentType;
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
