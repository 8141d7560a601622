using Kinesis.Agent.Configuration;

namespace Kinesis.Agent.Processing;

/// <summary>
/// LOGTOJSON as the Java agent does it: the line (without its break) is parsed by the format's pattern and written as
/// a JSON object of string (or null) fields in order. A line that does not match is filtered out (counted and logged
/// by the caller), as the Java agent skips it.
/// </summary>
internal sealed class LogToJsonConverter : DataConverter
{
    private readonly LogParser parser;
    private readonly string?[] values;
    private readonly JsonRecordWriter json;

    public LogToJsonConverter(LogParser parser, JsonFormat format)
    {
        this.parser = parser;
        values = new string?[parser.Fields.Count];
        json = new JsonRecordWriter(format);
    }

    public override byte[]? Convert(byte[] data)
    {
        if (!parser.TryParse(TextWithoutLineBreak(data), values))
        {
            return null;
        }

        var writer = json.Begin();
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i] is { } value)
            {
                writer.WriteString(parser.Fields[i], value);
            }
            else
            {
                writer.WriteNull(parser.Fields[i]);
            }
        }

        return json.End();
    }
}
