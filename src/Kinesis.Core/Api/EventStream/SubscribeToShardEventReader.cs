using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Kinesis.Core.Api.Serialization;
using Kinesis.Core.Api.Transport;

namespace Kinesis.Core.Api.EventStream;

/// <summary>
/// Reads the <c>application/vnd.amazon.eventstream</c> body of a SubscribeToShard response: buffers by each frame's
/// prelude (a read can end inside a frame or hold several), verifies and decodes each frame in place
/// (<see cref="EventStreamFrame"/>) and parses its JSON payload straight from the receive buffer into an event, or throws
/// for exception and error frames.
/// </summary>
/// <remarks>
/// Nothing returned refers to the receive buffer: record data are decoded from base64 into arrays of their own, so the
/// buffer can be reused for the next frames as soon as an event is parsed.
/// </remarks>
internal static class SubscribeToShardEventReader
{
    private const int InitialBufferSize = 64 * 1024;

    public static async IAsyncEnumerable<SubscribeToShardEvent> ReadAsync(HttpResponseMessage response, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var ownedResponse = response;
        var stream = await ReadStreamAsync(response, cancellationToken).ConfigureAwait(false);

        // Disposing the stream is what makes a pending HTTP/2 read give up at once when the caller cancels.
        using var cancelRegistration = cancellationToken.Register(static s => ((Stream)s!).Dispose(), stream);
        var buffer = ArrayPool<byte>.Shared.Rent(InitialBufferSize);
        var start = 0;
        var end = 0;
        try
        {
            while (true)
            {
                while (end - start >= EventStreamFrame.PreludeSize)
                {
                    var total = ReadPrelude(buffer.AsSpan(start, EventStreamFrame.PreludeSize), response);
                    if (end - start < total)
                    {
                        break;
                    }

                    var subscribeEvent = ReadFrame(buffer, start, total, response);
                    start += total;
                    if (subscribeEvent is not null)
                    {
                        yield return subscribeEvent;
                    }
                }

                if (start == end)
                {
                    start = end = 0;
                }

                // A whole prelude was checked above, so the length it declares can be trusted to size the buffer.
                var needed = end - start >= EventStreamFrame.PreludeSize ? BinaryPrimitives.ReadInt32BigEndian(buffer.AsSpan(start)) : EventStreamFrame.PreludeSize;
                if (buffer.Length - start < needed || end == buffer.Length)
                {
                    buffer = MakeRoom(buffer, ref start, ref end, Math.Max(needed, end - start + 1));
                }

                var read = await ReadChunkAsync(stream, buffer.AsMemory(end), response, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    if (end != start)
                    {
                        throw Malformed($"The subscription ended inside an event-stream frame ({end - start} bytes of it received).", null, response);
                    }

                    // The service ends every subscription after about five minutes; the caller resubscribes.
                    yield break;
                }

                end += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static int ReadPrelude(ReadOnlySpan<byte> prelude, HttpResponseMessage response)
    {
        try
        {
            return EventStreamFrame.ReadPrelude(prelude);
        }
        catch (InvalidDataException ex)
        {
            throw Malformed($"An event-stream frame is corrupt: {ex.Message}", ex, response);
        }
    }

    /// <summary>Verifies and decodes the frame at <paramref name="offset"/>: its event, null for frames to skip, or throws for exception and error frames.</summary>
    private static SubscribeToShardEvent? ReadFrame(byte[] buffer, int offset, int length, HttpResponseMessage response)
    {
        EventStreamFrame frame;
        try
        {
            frame = EventStreamFrame.Decode(buffer, offset, length);
        }
        catch (InvalidDataException ex)
        {
            throw Malformed($"An event-stream frame is corrupt: {ex.Message}", ex, response);
        }

        return ToEvent(frame, response);
    }

    /// <summary>Turns a verified frame into an event, null for frames to skip, or throws for exception and error frames.</summary>
    private static SubscribeToShardEvent? ToEvent(in EventStreamFrame frame, HttpResponseMessage response)
    {
        var messageType = frame.Header(":message-type");
        switch (messageType)
        {
            case "event":
                var eventType = frame.Header(":event-type");
                if (eventType != "SubscribeToShardEvent")
                {
                    // initial-response (which kinesis-local never sends) and event types added later carry no records.
                    return null;
                }

                try
                {
                    return KinesisResponseParser.SubscribeToShardEvent(frame.Payload);
                }
                catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException or OverflowException)
                {
                    throw Malformed($"A SubscribeToShardEvent could not be parsed: {ex.Message}", ex, response);
                }

            case "exception":
                var exceptionType = frame.Header(":exception-type") ?? "UnknownException";
                var (_, exceptionMessage) = KinesisResponseParser.Error(frame.Payload);
                throw new KinesisApiException(KinesisErrorKind.Service, exceptionType, $"SubscribeToShard failed with {exceptionType}: {exceptionMessage}", (int)response.StatusCode, RequestId(response));

            case "error":
                var errorCode = frame.Header(":error-code") ?? "UnknownError";
                throw new KinesisApiException(KinesisErrorKind.Service, errorCode, $"SubscribeToShard failed with {errorCode}: {frame.Header(":error-message")}", (int)response.StatusCode, RequestId(response));

            default:
                throw Malformed($"An event-stream frame has message type '{messageType}'.", null, response);
        }
    }

    private static async Task<Stream> ReadStreamAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (Network(ex, response, cancellationToken) is { } mapped)
        {
            throw mapped;
        }
    }

    private static async ValueTask<int> ReadChunkAsync(Stream stream, Memory<byte> into, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await stream.ReadAsync(into, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("The subscription was cancelled.", ex, cancellationToken);
        }
        catch (Exception ex) when (Network(ex, response, cancellationToken) is { } mapped)
        {
            throw mapped;
        }
    }

    private static KinesisApiException? Network(Exception ex, HttpResponseMessage response, CancellationToken cancellationToken) =>
        ex is HttpRequestException or IOException or ObjectDisposedException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested)
            ? new KinesisApiException(KinesisErrorKind.Network, KinesisErrorCodes.NetworkError, $"The SubscribeToShard connection failed: {ex.Message}", (int)response.StatusCode, RequestId(response), ex)
            : null;

    private static byte[] MakeRoom(byte[] buffer, ref int start, ref int end, int needed)
    {
        var pending = end - start;
        var target = buffer.Length >= needed && start > 0 ? buffer : ArrayPool<byte>.Shared.Rent(Math.Max(needed, buffer.Length * 2));
        buffer.AsSpan(start, pending).CopyTo(target);
        if (!ReferenceEquals(target, buffer))
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        start = 0;
        end = pending;
        return target;
    }

    private static string? RequestId(HttpResponseMessage response) => KinesisJsonTransport.RequestId(response);

    private static KinesisApiException Malformed(string message, Exception? inner, HttpResponseMessage response) =>
        new(KinesisErrorKind.MalformedResponse, KinesisErrorCodes.MalformedResponse, message, (int)response.StatusCode, RequestId(response), inner);
}
