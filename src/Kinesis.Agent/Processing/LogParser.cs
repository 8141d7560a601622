using System.Text.RegularExpressions;
using Kinesis.Agent.Configuration;

namespace Kinesis.Agent.Processing;

/// <summary>
/// Parses one log line into named fields, as the Java agent's LOGTOJSON: the whole line must match the format's
/// pattern (or <c>matchPattern</c>), each capturing group gives one field in order, an unmatched optional group gives
/// null, and in the Apache formats (and RFC 5424's nil value) a field that is exactly <c>-</c> is null.
/// </summary>
internal sealed class LogParser
{
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(1);

    private readonly Regex regex;
    private readonly int[] groups;
    private readonly bool dashIsNull;

    private LogParser(Regex regex, IReadOnlyList<string> fields, bool dashIsNull)
    {
        this.regex = regex;
        Fields = fields;
        this.dashIsNull = dashIsNull;

        // Every capturing group but the whole match (0), in .NET's numbering: named groups come after the unnamed
        // ones (Java numbers all by their opening parenthesis; documented).
        groups = regex.GetGroupNumbers().Where(n => n != 0).Order().ToArray();
    }

    public IReadOnlyList<string> Fields { get; }

    /// <summary>The default field names of <paramref name="format"/>, as the Java agent names them.</summary>
    public static IReadOnlyList<string> DefaultFields(LogFormat format) => format switch
    {
        LogFormat.CommonApacheLog => ["host", "ident", "authuser", "datetime", "request", "response", "bytes"],
        LogFormat.CombinedApacheLog => ["host", "ident", "authuser", "datetime", "request", "response", "bytes", "referer", "agent"],
        LogFormat.ApacheErrorLog => ["timestamp", "module", "severity", "processid", "threadid", "client", "message"],
        LogFormat.Rfc5424Syslog => ["priority", "version", "timestamp", "hostname", "program", "processid", "messageid", "structureddata", "message"],
        _ => ["timestamp", "hostname", "program", "processid", "message"],
    };

    /// <summary>
    /// Builds the parser for <paramref name="format"/>, optionally with <paramref name="matchPattern"/> and
    /// <paramref name="customFieldNames"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The pattern does not compile, or the field names do not fit it (the message says how).</exception>
    public static LogParser Create(LogFormat format, string? matchPattern, IReadOnlyList<string>? customFieldNames)
    {
        var dashIsNull = format is LogFormat.CommonApacheLog or LogFormat.CombinedApacheLog or LogFormat.ApacheErrorLog or LogFormat.Rfc5424Syslog;
        if (matchPattern is not null)
        {
            if (customFieldNames is null)
            {
                throw new ArgumentException("customFieldNames must be given with matchPattern", nameof(customFieldNames));
            }

            Regex regex;
            try
            {
                // Java's Matcher.matches: the whole line, not a prefix.
                regex = new Regex($"\\A(?:{matchPattern})\\z", RegexOptions.CultureInvariant, MatchTimeout);
            }
            catch (ArgumentException ex)
            {
                throw new ArgumentException($"matchPattern is not a valid regular expression: {ex.Message}", nameof(matchPattern));
            }

            var parser = new LogParser(regex, customFieldNames, dashIsNull);

            // The Java agent finds out line by line and drops every line; a count that can never fit is a configuration error.
            if (parser.groups.Length != customFieldNames.Count)
            {
                throw new ArgumentException($"{customFieldNames.Count} names for the {parser.groups.Length} groups of matchPattern", nameof(customFieldNames));
            }

            return parser;
        }

        var defaults = DefaultFields(format);
        if (customFieldNames is not null && customFieldNames.Count != defaults.Count)
        {
            throw new ArgumentException($"{customFieldNames.Count} names for the {defaults.Count} fields of {format}; give {defaults.Count} or a matchPattern", nameof(customFieldNames));
        }

        var pattern = format switch
        {
            LogFormat.CommonApacheLog => LogPatterns.CommonApacheLog + ".*",
            LogFormat.CombinedApacheLog => LogPatterns.CombinedApacheLog + ".*",
            LogFormat.ApacheErrorLog => LogPatterns.ApacheErrorLog,
            LogFormat.Syslog => LogPatterns.Syslog,
            LogFormat.Rfc3339Syslog => LogPatterns.Rfc3339Syslog,
            _ => LogPatterns.Rfc5424Syslog,
        };
        return new LogParser(new Regex($"\\A(?:{pattern})\\z", RegexOptions.CultureInvariant | RegexOptions.Compiled, MatchTimeout), customFieldNames ?? defaults, dashIsNull);
    }

    /// <summary>The fields of <paramref name="line"/> (without its line break), or false when it does not match.</summary>
    /// <exception cref="RegexMatchTimeoutException">A user pattern took too long on this line.</exception>
    public bool TryParse(string line, string?[] values)
    {
        var match = regex.Match(line);
        if (!match.Success)
        {
            return false;
        }

        for (var i = 0; i < groups.Length; i++)
        {
            var group = match.Groups[groups[i]];
            var value = group.Success ? group.Value : null;
            values[i] = dashIsNull && value == "-" ? null : value;
        }

        return true;
    }
}
