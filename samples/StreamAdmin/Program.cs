using System.CommandLine;
using System.CommandLine.Invocation;
using Kinesis.Samples.Shared;
using Kinesis.Samples.StreamAdmin;

// kinesis-streams: create, list, describe, scale, split, merge, delete and wait for Kinesis data streams.
using var console = new ToolConsole(AdminCommandLine.ToolName);
var root = AdminCommandLine.Create(new AdminRunner(console, Console.Out));
var parsed = root.Parse(args);
if (parsed.Action is ParseErrorAction)
{
    // One line naming what is wrong, instead of System.CommandLine's error list followed by the whole help.
    var command = parsed.CommandResult.Command;
    var help = command is RootCommand ? $"{console.Tool} --help" : $"{console.Tool} {command.Name} --help";
    // An unknown word also leaves the root without a command; the unknown word is the error worth naming.
    var error = parsed.UnmatchedTokens.Count > 0
        ? parsed.Errors.FirstOrDefault(e => e.Message.Contains($"'{parsed.UnmatchedTokens[0]}'", StringComparison.Ordinal)) ?? parsed.Errors[0]
        : parsed.Errors[0];
    return console.Fail(ExitCodes.Usage, $"{error.Message.TrimEnd('.')} (see '{help}')");
}

// Ctrl+C and SIGTERM are ToolConsole's; System.CommandLine must not install its own handler.
return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false }, console.Stopping);
