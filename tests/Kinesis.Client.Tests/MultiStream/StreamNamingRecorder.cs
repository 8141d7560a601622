using System.Collections.Concurrent;
using System.Text.Json;

namespace Kinesis.Client.Tests.MultiStream;

/// <summary>Records, per Kinesis operation, whether each request named the stream by StreamName, by StreamARN, or not at all.</summary>
internal sealed class StreamNamingRecorder : DelegatingHandler
{
    public StreamNamingRecorder()
        : base(new SocketsHttpHandler())
    {
    }

    public ConcurrentQueue<(string Operation, string? StreamName, string? StreamArn)> Requests { get; } = new();

    public HashSet<string> Operations => Requests.Select(r => r.Operation).ToHashSet(StringComparer.Ordinal);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var target = request.Headers.TryGetValues("X-Amz-Target", out var values) ? values.First() : string.Empty;
        string? name = null;
        string? arn = null;
        if (request.Content is not null)
        {
            var body = await request.Content.ReadAsByteArrayAsync(cancellationToken);
            using var json = JsonDocument.Parse(body);
            name = json.RootElement.TryGetProperty("StreamName", out var n) ? n.GetString() : null;
            arn = json.RootElement.TryGetProperty("StreamARN", out var a) ? a.GetString() : null;
        }

        Requests.Enqueue((target[(target.IndexOf('.', StringComparison.Ordinal) + 1)..], name, arn));
        return await base.SendAsync(request, cancellationToken);
    }
}
