namespace Kinesis.Agent.Configuration;

/// <summary>The <c>jsonFormat</c> of the processing options that write JSON.</summary>
public enum JsonFormat
{
    /// <summary><c>COMPACT</c>, the default: one line per record.</summary>
    Compact,

    /// <summary><c>PRETTYPRINT</c>: indented over several lines (the white space differs from the Java agent's).</summary>
    PrettyPrint,
}
