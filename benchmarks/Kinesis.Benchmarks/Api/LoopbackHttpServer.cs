using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Kinesis.Benchmarks.Api;

/// <summary>
/// A minimal HTTP/1.1 server on the loopback interface that answers every request with the same response, with
/// keep-alive and without allocating per request, so that a benchmark of a client's exchange measures the client.
/// Reads a request's headers and its Content-Length body; nothing else of HTTP.
/// </summary>
internal sealed class LoopbackHttpServer : IAsyncDisposable
{
    private readonly Socket listener;
    private readonly byte[] response;
    private readonly CancellationTokenSource stop = new();
    private readonly Task acceptLoop;

    public LoopbackHttpServer(string contentType, byte[] body)
    {
        var head = $"HTTP/1.1 200 OK\r\nx-amzn-RequestId: 5f1c7c8e-0d3b-4a4a-9d0e-2f8f2b4d8c11\r\nx-amz-id-2: c2FtcGxlIGlkLTI=\r\nContent-Type: {contentType}\r\nContent-Length: {body.Length}\r\nDate: Sat, 05 Dec 2026 06:00:00 GMT\r\nConnection: keep-alive\r\n\r\n";
        response = [.. Encoding.ASCII.GetBytes(head), .. body];
        listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(16);
        Endpoint = new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndPoint!).Port}/");
        acceptLoop = AcceptAsync();
    }

    public Uri Endpoint { get; }

    public long Requests;

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync().ConfigureAwait(false);
        listener.Dispose();
        try
        {
            await acceptLoop.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            var connection = await listener.AcceptAsync(stop.Token).ConfigureAwait(false);
            connection.NoDelay = true;
            _ = ServeAsync(connection);
        }
    }

    private async Task ServeAsync(Socket connection)
    {
        var buffer = new byte[64 * 1024];
        var filled = 0;
        try
        {
            while (true)
            {
                var headerEnd = IndexOfHeaderEnd(buffer.AsSpan(0, filled));
                if (headerEnd < 0)
                {
                    var read = await connection.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, stop.Token).ConfigureAwait(false);
                    if (read == 0)
                    {
                        return;
                    }

                    filled += read;
                    continue;
                }

                var requestLength = headerEnd + ContentLength(buffer.AsSpan(0, headerEnd));
                while (filled < requestLength)
                {
                    var read = await connection.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, stop.Token).ConfigureAwait(false);
                    if (read == 0)
                    {
                        return;
                    }

                    filled += read;
                }

                buffer.AsSpan(requestLength, filled - requestLength).CopyTo(buffer);
                filled -= requestLength;
                Interlocked.Increment(ref Requests);
                await connection.SendAsync(response, SocketFlags.None, stop.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            connection.Dispose();
        }
    }

    private static int IndexOfHeaderEnd(ReadOnlySpan<byte> data)
    {
        var at = data.IndexOf("\r\n\r\n"u8);
        return at < 0 ? -1 : at + 4;
    }

    private static int ContentLength(ReadOnlySpan<byte> head)
    {
        var name = "\r\ncontent-length:"u8;
        for (var i = 0; i + name.Length <= head.Length; i++)
        {
            if (!Ascii.EqualsIgnoreCase(head.Slice(i, name.Length), name))
            {
                continue;
            }

            var value = 0;
            for (var k = i + name.Length; k < head.Length && head[k] != '\r'; k++)
            {
                if (head[k] is >= (byte)'0' and <= (byte)'9')
                {
                    value = (value * 10) + (head[k] - '0');
                }
            }

            return value;
        }

        return 0;
    }
}
