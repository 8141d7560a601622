namespace Kinesis.Samples.StreamAdmin;

/// <summary>A sub-command's failure: the one line to print and the exit code (see <c>ExitCodes</c>).</summary>
internal sealed class AdminFailure(int exitCode, string message) : Exception(message)
{
    /// <summary>The process exit code.</summary>
    public int ExitCode { get; } = exitCode;
}
