namespace Kinesis.Core.Http;

/// <summary>
/// Builds, signs (SigV4) and sends AWS requests to one endpoint over a shared handler; protocol-neutral (JSON or
/// query), so every AWS client of this library shares it. Returns the response as soon as its headers arrive;
/// network exceptions and cancellation propagate unchanged for the caller to classify. Thread-safe.
/// </summary>
internal sealed class AwsHttpSender : IDisposable
{
    private readonly HttpMessageInvoker invoker;

    public AwsHttpSender(Uri endpoint, AwsRequestSigner signer, HttpMessageHandler handler, bool ownsHandler)
    {
        Endpoint = endpoint;
        Signer = signer;
        invoker = new HttpMessageInvoker(handler, ownsHandler);
    }

    public Uri Endpoint { get; }

    public AwsRequestSigner Signer { get; }

    /// <summary>The default transport: a pooled <see cref="SocketsHttpHandler"/> that speaks HTTP/1.1 and HTTP/2.</summary>
    public static SocketsHttpHandler CreateDefaultHandler(int maxConnections, TimeSpan connectTimeout) => new()
    {
        MaxConnectionsPerServer = maxConnections,
        ConnectTimeout = connectTimeout,

        // Long-lived subscriptions each hold an HTTP/2 stream; more connections avoid the per-connection stream cap.
        EnableMultipleHttp2Connections = true,

        // A SubscribeToShard event must fit the stream window: a server that misses a window update mid-event stalls.
        InitialHttp2StreamWindowSize = Api.KinesisApiClientOptions.SubscribeToShardStreamWindowSize,

        // Re-resolve DNS now and then so endpoint changes are followed.
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(55),
        AutomaticDecompression = System.Net.DecompressionMethods.None,
        UseCookies = false,
    };

    public async Task<HttpResponseMessage> SendAsync(AwsHttpRequest request, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, Endpoint)
        {
            Version = request.Version,
            VersionPolicy = request.VersionPolicy,
            Content = request.StreamedBody is { } streamed
                ? new AwsStreamedContent(streamed, request.ContentType)
                : new AwsBodyContent(request.Body, request.ContentType),
        };
        if (request.ContentEncoding is { } encoding)
        {
            message.Content.Headers.ContentEncoding.Add(encoding);
        }

        // Indexed: a foreach over the interface would allocate an enumerator per request.
        var headers = request.Headers;
        for (var i = 0; i < headers.Count; i++)
        {
            message.Headers.TryAddWithoutValidation(headers[i].Key, headers[i].Value);
        }

        await Signer.SignAsync(message, request, cancellationToken).ConfigureAwait(false);
        return await invoker.SendAsync(message, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => invoker.Dispose();
}
