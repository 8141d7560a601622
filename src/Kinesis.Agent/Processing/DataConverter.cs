namespace Kinesis.Agent.Processing;

/// <summary>One processing option: turns a record's bytes into other bytes, or filters the record out.</summary>
internal abstract class DataConverter
{
    /// <summary>
    /// The converted record, or null to filter it out (LOGTOJSON's line that does not match). An exception means the
    /// record cannot be converted: the chain sends it unconverted, as the Java agent does.
    /// </summary>
    public abstract byte[]? Convert(byte[] data);

    /// <summary>The record as text without one trailing line break, as the Java converters read it.</summary>
    protected static string TextWithoutLineBreak(byte[] data)
    {
        var length = data.Length > 0 && data[^1] == (byte)'\n' ? data.Length - 1 : data.Length;
        return System.Text.Encoding.UTF8.GetString(data, 0, length);
    }
}
