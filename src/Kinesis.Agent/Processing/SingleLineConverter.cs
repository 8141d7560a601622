using System.Text;

namespace Kinesis.Agent.Processing;

/// <summary>
/// SINGLELINE as the Java agent does it: split at line breaks (trailing empty lines dropped), trim each line unless
/// NO_TRIM, join them (with the three characters <c>\\n</c> for ESCAPE_NEW_LINE, as the Java agent writes), end with one break.
/// </summary>
internal sealed class SingleLineConverter : DataConverter
{
    // Java's String.trim removes every character up to U+0020.
    private static readonly char[] JavaWhiteSpace = Enumerable.Range(0, 33).Select(c => (char)c).ToArray();

    private readonly bool noTrim;
    private readonly bool escapeNewLine;

    public SingleLineConverter(bool noTrim, bool escapeNewLine)
    {
        this.noTrim = noTrim;
        this.escapeNewLine = escapeNewLine;
    }

    public override byte[] Convert(byte[] data)
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
                lines[i] = lines[i].Trim(JavaWhiteSpace);
            }
        }

        return Encoding.UTF8.GetBytes(string.Join(escapeNewLine ? "\\\\n" : string.Empty, lines) + "\n");
    }
}
