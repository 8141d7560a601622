namespace Kinesis.Agent.Configuration;

/// <summary>
/// One entry of a flow's <c>dataProcessingOptions</c>. The options of a flow are applied in order, each to the
/// output of the one before, as the Java agent chains them.
/// </summary>
public sealed class DataProcessingOption
{
    /// <summary>The option that turns a multi-line record into one line.</summary>
    public const string SingleLine = "SINGLELINE";

    /// <summary>The option that turns a delimited line into a JSON object.</summary>
    public const string CsvToJson = "CSVTOJSON";

    /// <summary>The option that parses a log line (Apache, syslog, or a pattern) into a JSON object.</summary>
    public const string LogToJson = "LOGTOJSON";

    /// <summary>The option that wraps the record in a JSON object with configured metadata (and a timestamp).</summary>
    public const string AddMetadata = "ADDMETADATA";

    /// <summary>Default of <see cref="Delimiter"/>.</summary>
    public const string DefaultDelimiter = ",";

    /// <summary>The <c>optionName</c> value: <see cref="SingleLine"/>, <see cref="CsvToJson"/>, <see cref="LogToJson"/> or <see cref="AddMetadata"/>.</summary>
    public required string OptionName { get; init; }

    /// <summary>SINGLELINE's <c>parseOptions</c> contains <c>NO_TRIM</c>: lines are joined without trimming white space.</summary>
    public bool NoTrim { get; init; }

    /// <summary>SINGLELINE's <c>parseOptions</c> contains <c>ESCAPE_NEW_LINE</c>: line breaks become the two characters <c>\n</c>.</summary>
    public bool EscapeNewLine { get; init; }

    /// <summary>
    /// <c>customFieldNames</c>: CSVTOJSON's field names (required), or LOGTOJSON's names replacing the format's (as many)
    /// or naming the groups of <see cref="MatchPattern"/> (required with it).
    /// </summary>
    public IReadOnlyList<string>? CustomFieldNames { get; init; }

    /// <summary>CSVTOJSON's <c>delimiter</c>, a regular expression as in the Java agent; default <see cref="DefaultDelimiter"/>.</summary>
    public string Delimiter { get; init; } = DefaultDelimiter;

    /// <summary>LOGTOJSON's <c>logFormat</c> (required).</summary>
    public LogFormat? LogFormat { get; init; }

    /// <summary>LOGTOJSON's <c>matchPattern</c>: a regular expression a whole line must match, one group per field, replacing the format's.</summary>
    public string? MatchPattern { get; init; }

    /// <summary><c>jsonFormat</c> of the options that write JSON; default <see cref="Configuration.JsonFormat.Compact"/>.</summary>
    public JsonFormat JsonFormat { get; init; } = JsonFormat.Compact;

    /// <summary>ADDMETADATA's <c>metadata</c>, as JSON text (any JSON value); null writes <c>"metadata":null</c>, as the Java agent.</summary>
    public string? Metadata { get; init; }

    /// <summary>ADDMETADATA's <c>timestamp</c>: when true, a <c>ts</c> field with the time of processing in UTC (milliseconds).</summary>
    public bool Timestamp { get; init; }
}
