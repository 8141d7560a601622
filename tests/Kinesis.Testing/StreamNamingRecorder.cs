using System.Collections.Concurrent;
using System.Text.Json;

namespace Kinesis.Testing;

/// <summary>
/// Records, in the real HTTP pipeline, how each Kinesis request named its stream: the operation (from
/// <c>X-Amz-Target</c>) and the top-level <c>StreamName</c> and <c>StreamARN</c> members of its JSON body.
/// </summary>
public sealed class StreamNamingRecorder : DelegatingHandler
{
    /// <summary>Creates a recorder in front of <paramref name="innerHandler"/> (default: a new <see cref="SocketsHttpHandler"/>).</summary>
    public StreamNamingRecorder(HttpMessageHandler? innerHandler = null)
        : base(innerHandler ?? new SocketsHttpHandler())
    {
    }

    /// <summary>The requests sent so far, in the order they were sent.</summary>
    public ConcurrentQueue<(string Operation, string? StreamName, string? StreamArn)> Requests { get; } = new();

    /// <summary>The operations sent so far.</summary>
    public HashSet<string> Operations => Requests.Select(r => r.Operation).ToHashSet(StringComparer.Ordinal);

    /// <inheritdoc/>
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var target = request.Headers.TryGetValues("X-Amz-Target", out var values) ? values.First() : string.Empty;
        var operation = target[(target.LastIndexOf('.') + 1)..];
        string? name = null, arn = null;
        if (request.Content is not null)
        {
            // Buffered, so the client sends the same body after us.
            await request.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
            using var body = JsonDocument.Parse(await request.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false));
            name = body.RootElement.TryGetProperty("StreamName", out var n) ? n.GetString() : null;
            arn = body.RootElement.TryGetProperty("StreamARN", out var a) ? a.GetString() : null;
        }

        Requests.Enqueue((operation, name, arn));
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }
}
