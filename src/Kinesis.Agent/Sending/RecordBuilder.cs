using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Kinesis.Agent.Configuration;

namespace Kinesis.Agent.Sending;

/// <summary>Turns a line into the record the Java agent would send: processing options applied, partition key chosen.</summary>
internal sealed class RecordBuilder
{
    private readonly FlowConfiguration flow;

    public RecordBuilder(FlowConfiguration flow)
    {
        this.flow = flow;
    }

    public byte[] Process(byte[] line)
    {
        foreach (var option in flow.DataProcessingOptions)
        {
            if (option.OptionName == DataProcessingOption.SingleLine)
            {
                line = SingleLine(line, option.NoTrim, option.EscapeNewLine);
            }
        }

        return line;
    }

    public string PartitionKey(byte[] data) => flow.PartitionKeyOption == PartitionKeyOption.Deterministic
        ? Convert.ToHexString(MD5.HashData(data)).ToLowerInvariant()
        : (Random.Shared.NextDouble() * 1_000_000).ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// SINGLELINE as the Java agent does it: split at line breaks (trailing empty lines dropped), trim each line unless
    /// NO_TRIM, join them (with the three characters <c>\\n</c> for ESCAPE_NEW_LINE, as the Java agent writes), end with one break.
    /// </summary>
    internal static byte[] SingleLine(byte[] data, bool noTrim, bool escapeNewLine)
    {
        var lines = Encoding.UTF8.GetString(data).Split('\n').ToList();
        while (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        if (!noTrim)
        {
            for (var i = 0; i < lines.Count; i++)
            {
                // Java's String.trim removes every character up to U+0020.
                lines[i] = lines[i].Trim(JavaWhiteSpace);
            }
        }

        return Encoding.UTF8.GetBytes(string.Join(escapeNewLine ? "\\\\n" : string.Empty, lines) + "\n");
    }

    private static readonly char[] JavaWhiteSpace = Enumerable.Range(0, 33).Select(c => (char)c).ToArray();
}
