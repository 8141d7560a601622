using System.CommandLine;

namespace Kinesis.Samples.Shared;

/// <summary>
/// Parses and invokes a tool's command: <c>--help</c> exits 0; a parse or validation error is one line on stderr and
/// exit code <see cref="ExitCodes.Usage"/> (System.CommandLine's own default would be 1 plus the whole help text).
/// </summary>
internal static class ToolCommandLine
{
    /// <summary>Parses <paramref name="args"/> and runs the chosen action with <see cref="ToolConsole.Stopping"/> as its token.</summary>
    public static Task<int> InvokeAsync(RootCommand command, string[] args, ToolConsole console)
    {
        var parsed = command.Parse(args);

        // System.CommandLine drops the parse errors when --help (or --version) is given: `tool --help` works alone.
        if (parsed.Errors.Count > 0)
        {
            var reasons = string.Join(" ", parsed.Errors.Select(e => OneLine(e.Message)));
            return Task.FromResult(console.Fail(ExitCodes.Usage, $"{reasons} See '{console.Tool} --help'."));
        }

        // The tool's ToolConsole already turns Ctrl+C and SIGTERM into its token; System.CommandLine must not
        // install handlers of its own (they would end the process after a timeout instead of a graceful stop).
        return parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, console.Stopping);
    }

    /// <summary>Folds a multi-line message (as some System.CommandLine errors are) into one line.</summary>
    public static string OneLine(string message) =>
        string.Join(' ', message.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
