using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace Kinesis.IntegrationTests;

/// <summary>
/// An HTTP/1.1 proxy in front of an emulator that plays a service whose reshard shows late: every
/// DescribeStreamSummary says ACTIVE, and after a SplitShard the next <see cref="HiddenListShards"/> ListShards
/// answers leave out the new children. A tool that trusts ACTIVE alone then reports a split without children.
/// </summary>
internal sealed class LaggingKinesisProxy : IAsyncDisposable
{
    private readonly HttpListener listener = new();
    private readonly HttpClient client = new();
    private readonly Uri target;
    private readonly Task loop;
    private int hideRemaining;

    public LaggingKinesisProxy(Uri target, int hiddenListShards)
    {
        this.target = target;
        HiddenListShards = hiddenListShards;
        var port = FreePort();
        Endpoint = new Uri($"http://127.0.0.1:{port}/");
        listener.Prefixes.Add(Endpoint.ToString());
        listener.Start();
        loop = Task.Run(ServeAsync);
    }

    /// <summary>Where the tool should send its requests.</summary>
    public Uri Endpoint { get; }

    /// <summary>How many ListShards answers after a SplitShard hide the children.</summary>
    public int HiddenListShards { get; }

    /// <summary>How many ListShards answers hid children so far.</summary>
    public int Hidden { get; private set; }

    public async ValueTask DisposeAsync()
    {
        listener.Stop();
        listener.Close();
        try
        {
            await loop;
        }
        catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
        {
            // Stopping the listener ends GetContextAsync this way.
        }

        client.Dispose();
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private async Task ServeAsync()
    {
        while (listener.IsListening)
        {
            var context = await listener.GetContextAsync();
            await ForwardAsync(context);
        }
    }

    private async Task ForwardAsync(HttpListenerContext context)
    {
        using var body = new MemoryStream();
        await context.Request.InputStream.CopyToAsync(body);
        var operation = context.Request.Headers["X-Amz-Target"] ?? "";
        using var request = new HttpRequestMessage(HttpMethod.Post, target) { Content = new ByteArrayContent(body.ToArray()) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", context.Request.ContentType);
        foreach (var header in new[] { "X-Amz-Target", "X-Amz-Date", "Authorization", "X-Amz-Security-Token" })
        {
            if (context.Request.Headers[header] is { } value)
            {
                request.Headers.TryAddWithoutValidation(header, value);
            }
        }

        using var response = await client.SendAsync(request);
        var answer = await response.Content.ReadAsByteArrayAsync();
        if (response.IsSuccessStatusCode)
        {
            answer = Rewrite(operation, answer);
        }

        context.Response.StatusCode = (int)response.StatusCode;
        context.Response.ContentType = response.Content.Headers.ContentType?.ToString();
        await context.Response.OutputStream.WriteAsync(answer);
        context.Response.Close();
    }

    private byte[] Rewrite(string operation, byte[] answer)
    {
        if (operation.EndsWith(".SplitShard", StringComparison.Ordinal))
        {
            hideRemaining = HiddenListShards;
            return answer;
        }

        if (operation.EndsWith(".DescribeStreamSummary", StringComparison.Ordinal))
        {
            var json = JsonNode.Parse(answer)!;
            json["StreamDescriptionSummary"]!["StreamStatus"] = "ACTIVE";
            return System.Text.Encoding.UTF8.GetBytes(json.ToJsonString());
        }

        if (operation.EndsWith(".ListShards", StringComparison.Ordinal) && hideRemaining > 0)
        {
            hideRemaining--;
            Hidden++;
            var json = JsonNode.Parse(answer)!;
            var shards = json["Shards"]!.AsArray();
            foreach (var child in shards.Where(s => s!["ParentShardId"]?.GetValue<string>() is not null).ToList())
            {
                shards.Remove(child);
            }

            return System.Text.Encoding.UTF8.GetBytes(json.ToJsonString());
        }

        return answer;
    }
}
