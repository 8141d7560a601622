using System.Text;
using System.Text.RegularExpressions;

namespace Kinesis.Agent.Tailing;

/// <summary>
/// A flow's <c>fileFooterPattern</c>, matched as the Java agent matches it: the record's text, trimmed of leading and
/// trailing characters up to the space (Java's <c>String.trim</c>), must match the whole pattern, compiled multi-line.
/// </summary>
internal sealed class FileFooter
{
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(1);
    private readonly Regex pattern;

    public FileFooter(string pattern) => this.pattern = Pattern(pattern);

    /// <summary>The regular expression of a <c>fileFooterPattern</c> (Java's <c>Matcher.matches</c>: the whole text).</summary>
    /// <exception cref="ArgumentException">The pattern is not a valid regular expression.</exception>
    public static Regex Pattern(string pattern) => new($"\\A(?:{pattern})\\z", RegexOptions.Multiline | RegexOptions.CultureInvariant, MatchTimeout);

    /// <summary>Whether <paramref name="record"/> is a footer.</summary>
    /// <exception cref="RegexMatchTimeoutException">The pattern took longer than its match timeout (1 s).</exception>
    public bool Matches(byte[] record) => pattern.IsMatch(JavaTrim(Encoding.UTF8.GetString(record)));

    private static ReadOnlySpan<char> JavaTrim(string text)
    {
        var span = text.AsSpan();
        var start = 0;
        while (start < span.Length && span[start] <= ' ')
        {
            start++;
        }

        var end = span.Length;
        while (end > start && span[end - 1] <= ' ')
        {
            end--;
        }

        return span[start..end];
    }
}
