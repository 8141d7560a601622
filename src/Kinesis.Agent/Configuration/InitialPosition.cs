namespace Kinesis.Agent.Configuration;

/// <summary>Where the agent starts in a file it has no checkpoint for (<c>initialPosition</c>).</summary>
public enum InitialPosition
{
    /// <summary><c>END_OF_FILE</c>, the default: only lines written after the agent first sees the file.</summary>
    EndOfFile,

    /// <summary><c>START_OF_FILE</c>: every line of the file.</summary>
    StartOfFile,
}
