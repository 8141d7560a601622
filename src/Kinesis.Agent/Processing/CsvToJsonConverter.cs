using System.Text.RegularExpressions;
using Kinesis.Agent.Configuration;

namespace Kinesis.Agent.Processing;

/// <summary>
/// CSVTOJSON as the Java agent does it: the line (without its break) is split at the <c>delimiter</c> regular
/// expression with Java's <c>String.split</c> rules (trailing empty columns dropped), and column i becomes field i of
/// <c>customFieldNames</c>: a missing column is null, columns beyond the names are ignored. Values stay strings.
/// </summary>
internal sealed class CsvToJsonConverter : DataConverter
{
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(1);

    private readonly IReadOnlyList<string> fieldNames;
    private readonly Regex delimiter;
    private readonly JsonRecordWriter json;
    private readonly List<string> columns = [];

    /// <exception cref="ArgumentException">The delimiter is not a valid regular expression.</exception>
    public CsvToJsonConverter(IReadOnlyList<string> fieldNames, string delimiter, JsonFormat format)
    {
        this.fieldNames = fieldNames;
        try
        {
            this.delimiter = new Regex(delimiter, RegexOptions.CultureInvariant, MatchTimeout);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"delimiter is not a valid regular expression: {ex.Message}", nameof(delimiter));
        }

        json = new JsonRecordWriter(format);
    }

    public override byte[] Convert(byte[] data)
    {
        JavaSplit(TextWithoutLineBreak(data), delimiter, columns);
        var writer = json.Begin();
        for (var i = 0; i < fieldNames.Count; i++)
        {
            if (i < columns.Count)
            {
                writer.WriteString(fieldNames[i], columns[i]);
            }
            else
            {
                writer.WriteNull(fieldNames[i]);
            }
        }

        return json.End();
    }

    /// <summary>
    /// Java's <c>String.split(regex)</c>: no leading empty piece for a zero-width match at the start, trailing empty
    /// pieces removed, and the whole text as the one piece when nothing matches (even when it is empty).
    /// </summary>
    internal static void JavaSplit(string text, Regex delimiter, List<string> pieces)
    {
        pieces.Clear();
        var start = 0;
        var matched = false;
        for (var match = delimiter.Match(text); match.Success; match = match.NextMatch())
        {
            if (match.Index == 0 && match.Length == 0)
            {
                continue;
            }

            matched = true;
            pieces.Add(text[start..match.Index]);
            start = match.Index + match.Length;
        }

        if (!matched)
        {
            pieces.Add(text);
            return;
        }

        pieces.Add(text[start..]);
        while (pieces.Count > 0 && pieces[^1].Length == 0)
        {
            pieces.RemoveAt(pieces.Count - 1);
        }
    }
}
