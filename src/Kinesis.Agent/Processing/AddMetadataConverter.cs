using System.Globalization;
using System.Text.Json;
using Kinesis.Agent.Configuration;

namespace Kinesis.Agent.Processing;

/// <summary>
/// ADDMETADATA as the Java agent does it: <c>{"ts":"…","metadata":…,"data":"the line"}</c> with the line (without its
/// break) as a string, <c>ts</c> (UTC, milliseconds, <c>Z</c>) only when <c>timestamp</c> is true, and <c>metadata</c>
/// the configured JSON value (null when not given).
/// </summary>
internal sealed class AddMetadataConverter : DataConverter
{
    private readonly JsonElement? metadata;
    private readonly bool timestamp;
    private readonly TimeProvider time;
    private readonly JsonRecordWriter json;

    /// <exception cref="ArgumentException">The metadata is not JSON.</exception>
    public AddMetadataConverter(string? metadata, bool timestamp, JsonFormat format, TimeProvider time)
    {
        if (metadata is not null)
        {
            try
            {
                using var document = JsonDocument.Parse(metadata);
                this.metadata = document.RootElement.Clone();
            }
            catch (JsonException ex)
            {
                throw new ArgumentException($"metadata is not JSON: {ex.Message}", nameof(metadata));
            }
        }

        this.timestamp = timestamp;
        this.time = time;
        json = new JsonRecordWriter(format);
    }

    public override byte[] Convert(byte[] data)
    {
        var writer = json.Begin();
        if (timestamp)
        {
            writer.WriteString("ts", time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        }

        writer.WritePropertyName("metadata");
        if (metadata is { } value)
        {
            value.WriteTo(writer);
        }
        else
        {
            writer.WriteNullValue();
        }

        writer.WriteString("data", TextWithoutLineBreak(data));
        return json.End();
    }
}
