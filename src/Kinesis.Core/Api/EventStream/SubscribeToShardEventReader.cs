using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Amazon.Runtime.EventStreams;
using Kinesis.Core.Api.Serialization;
using Kinesis.Core.Api.Transport;

namespace Kinesis.Core.Api.EventStream;

/// <summary>
/// Reads the <c>application/vnd.amazon.eventstream</c> body of a SubscribeToShard response: buffers by each frame's
/// 4-byte total-length prefix (a read can end inside a frame or hold several), decodes frames with AWSSDK.Core's
/// <see cref="EventStreamMessage"/> (which checks both CRCs) and turns them into events or exceptions.
/// </summary>
internal static class SubscribeToShardEventReader
{
    /// <summary>Largest frame accepted: an event holds at most 10 MiB of records, base64 and JSON add a third.</summary>
    internal const int MaxFrameSize = 16 * 1024 * 1024;

    private const int PreludeSize = 12;
    private const int MinimumFrameSize = 16;
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
                while (end - start >= PreludeSize)
                {
                    var total = BinaryPrimitives.ReadInt32BigEndian(buffer.AsSpan(start));
                    if (total < MinimumFrameSize || total > MaxFrameSize)
                    {
                        throw Malformed($"An event-stream frame declares {total} bytes; frames have {MinimumFrameSize} to {MaxFrameSize}.", null, response);
                    }

                    if (end - start < total)
                    {
                        break;
                    }

                    var message = Decode(buffer, start, total, response);
                    start += total;
                    var subscribeEvent = ToEvent(message, response);
                    if (subscribeEvent is not null)
                    {
                        yield return subscribeEvent;
                    }
                }

                if (start == end)
                {
                    start = end = 0;
                }

                var needed = end - start >= 4 ? Math.Clamp(BinaryPrimitives.ReadInt32BigEndian(buffer.AsSpan(start)), PreludeSize, MaxFrameSize) : PreludeSize;
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

    /// <summary>Turns a decoded frame into an event, null for frames to skip, or throws for exception and error frames.</summary>
    internal static SubscribeToShardEvent? ToEvent(EventStreamMessage message, HttpResponseMessage? response)
    {
        var messageType = Header(message, ":message-type");
        switch (messageType)
        {
            case "event":
                var eventType = Header(message, ":event-type");
                if (eventType != "SubscribeToShardEvent")
                {
                    // initial-response (which kinesis-local never sends) and event types added later carry no records.
                    return null;
                }

                try
                {
                    return KinesisResponseParser.SubscribeToShardEvent(message.Payload ?? []);
                }
                catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException or OverflowException)
                {
                    throw Malformed($"A SubscribeToShardEvent could not be parsed: {ex.Message}", ex, response);
                }

            case "exception":
                var exceptionType = Header(message, ":exception-type") ?? "UnknownException";
                var (_, exceptionMessage) = KinesisResponseParser.Error(message.Payload ?? []);
                throw new KinesisApiException(KinesisErrorKind.Service, exceptionType, $"SubscribeToShard failed with {exceptionType}: {exceptionMessage}", (int?)response?.StatusCode, RequestId(response));

            case "error":
                var errorCode = Header(message, ":error-code") ?? "UnknownError";
                throw new KinesisApiException(KinesisErrorKind.Service, errorCode, $"SubscribeToShard failed with {errorCode}: {Header(message, ":error-message")}", (int?)response?.StatusCode, RequestId(response));

            default:
                throw Malformed($"An event-stream frame has message type '{messageType}'.", null, response);
        }
    }

    private static EventStreamMessage Decode(byte[] buffer, int offset, int length, HttpResponseMessage response)
    {
        // EventStreamMessage.FromBuffer (AWSSDK.Core 4.0.102.18) fails its CRC check for frames that do not start at
        // offset 0 of the array, so a frame found further in is copied out first.
        byte[]? scratch = null;
        try
        {
            if (offset != 0)
            {
                scratch = ArrayPool<byte>.Shared.Rent(length);
                buffer.AsSpan(offset, length).CopyTo(scratch);
            }

            return EventStreamMessage.FromBuffer(scratch ?? buffer, 0, length);
        }
        catch (Exception ex) when (ex is EventStreamChecksumFailureException or EventStreamParseException or ArgumentException or IndexOutOfRangeException or FormatException)
        {
            throw Malformed($"An event-stream frame is corrupt: {ex.Message}", ex, response);
        }
        finally
        {
            if (scratch is not null)
            {
                ArrayPool<byte>.Shared.Return(scratch);
            }
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

    private static string? Header(EventStreamMessage message, string name) =>
        message.Headers is { } headers && headers.TryGetValue(name, out var header) ? header.AsString() : null;

    private static string? RequestId(HttpResponseMessage? response) => response is null ? null : KinesisJsonTransport.RequestId(response);

    private static KinesisApiException Malformed(string message, Exception? inner, HttpResponseMessage? response) =>
        new(KinesisErrorKind.MalformedResponse, KinesisErrorCodes.MalformedResponse, message, (int?)response?.StatusCode, RequestId(response), inner);
}
