namespace Kinesis.Agent.Configuration;

/// <summary>One entry of a flow's <c>dataProcessingOptions</c>.</summary>
public sealed class DataProcessingOption
{
    /// <summary>The <c>optionName</c> value: <see cref="SingleLine"/> is supported; the others fail at start for now.</summary>
    public required string OptionName { get; init; }

    /// <summary>SINGLELINE's <c>parseOptions</c> contains <c>NO_TRIM</c>: lines are joined without trimming white space.</summary>
    public bool NoTrim { get; init; }

    /// <summary>SINGLELINE's <c>parseOptions</c> contains <c>ESCAPE_NEW_LINE</c>: line breaks become the two characters <c>\n</c>.</summary>
    public bool EscapeNewLine { get; init; }

    /// <summary>The name of the option that turns a multi-line record into one line.</summary>
    public const string SingleLine = "SINGLELINE";
}
