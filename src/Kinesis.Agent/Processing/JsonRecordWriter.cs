using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Kinesis.Agent.Configuration;

namespace Kinesis.Agent.Processing;

/// <summary>
/// Writes a record as one JSON object followed by a line break, as the Java agent's printers do. Only what JSON requires
/// is escaped (quotes, backslashes, control characters), so non-ASCII text stays readable, as Jackson writes it.
/// </summary>
internal sealed class JsonRecordWriter
{
    private readonly ArrayBufferWriter<byte> buffer = new(256);
    private readonly Utf8JsonWriter writer;

    public JsonRecordWriter(JsonFormat format)
    {
        writer = new Utf8JsonWriter(buffer, new JsonWriterOptions
        {
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            Indented = format == JsonFormat.PrettyPrint,
            SkipValidation = true,
        });
    }

    /// <summary>Starts a record; the caller writes its properties on the returned writer, then calls <see cref="End"/>.</summary>
    public Utf8JsonWriter Begin()
    {
        buffer.ResetWrittenCount();
        writer.Reset();
        writer.WriteStartObject();
        return writer;
    }

    /// <summary>Ends the object and returns its bytes with a line break.</summary>
    public byte[] End()
    {
        writer.WriteEndObject();
        writer.Flush();
        var result = new byte[buffer.WrittenCount + 1];
        buffer.WrittenSpan.CopyTo(result);
        result[^1] = (byte)'\n';
        return result;
    }
}
