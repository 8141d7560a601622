namespace Kinesis.Samples.Shared;

/// <summary>The exit codes every tool uses (docs/tools.md lists them).</summary>
internal static class ExitCodes
{
    /// <summary>Everything asked for was done.</summary>
    public const int Ok = 0;

    /// <summary>The tool ran, but records (or an operation) failed or were rejected.</summary>
    public const int Failed = 1;

    /// <summary>The command line is wrong: an unknown option, a missing or bad value.</summary>
    public const int Usage = 2;

    /// <summary>The tool could not start: a missing stream, an unreachable endpoint, missing credentials.</summary>
    public const int CouldNotStart = 3;

    /// <summary>Stopped by Ctrl+C or SIGTERM before the work was done (128 + SIGINT, as shells report it).</summary>
    public const int Interrupted = 130;
}
