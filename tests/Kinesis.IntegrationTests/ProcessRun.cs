namespace Kinesis.IntegrationTests;

/// <summary>What a program run as a process printed and returned.</summary>
internal sealed record ProcessRun(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>The non-empty lines of stderr, trimmed.</summary>
    public string[] StderrLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Exit code and output, for assertion messages.</summary>
    public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
}
