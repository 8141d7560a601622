using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;

namespace Kinesis.Producer.Tests;

/// <summary>
/// Records, in the real HTTP pipeline, every Kinesis record a PutRecords call put: when the call was sent, the shard the
/// service put it on and its size as the per-shard byte limit counts it (partition key plus data).
/// </summary>
internal sealed class PutRecordsRecorder : DelegatingHandler
{
    public PutRecordsRecorder(HttpMessageHandler? innerHandler = null)
        : base(innerHandler ?? new SocketsHttpHandler())
    {
    }

    /// <summary>The Kinesis records put, in no particular order.</summary>
    public ConcurrentQueue<(long SentAt, string ShardId, int Bytes)> Put { get; } = new();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var target = request.Headers.TryGetValues("X-Amz-Target", out var values) ? values.First() : string.Empty;
        if (!target.EndsWith(".PutRecords", StringComparison.Ordinal))
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        var body = await request.Content!.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var sizes = JsonNode.Parse(body)!["Records"]!.AsArray()
            .Select(r => Encoding.UTF8.GetByteCount(r!["PartitionKey"]!.GetValue<string>()) + Convert.FromBase64String(r["Data"]!.GetValue<string>()).Length)
            .ToArray();
        var sentAt = Stopwatch.GetTimestamp();
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            return response;
        }

        // Buffered, so the client reads the same body after us.
        await response.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
        var results = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false))!["Records"]!.AsArray();
        for (var i = 0; i < results.Count; i++)
        {
            if (results[i]!["ShardId"]?.GetValue<string>() is { } shardId)
            {
                Put.Enqueue((sentAt, shardId, sizes[i]));
            }
        }

        return response;
    }
}
