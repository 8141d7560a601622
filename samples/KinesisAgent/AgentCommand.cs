using System.CommandLine;
using Kinesis.Agent;
using Kinesis.Agent.Configuration;
using Kinesis.Samples.Shared;
using Microsoft.Extensions.Logging;

namespace Kinesis.Samples.KinesisAgent;

/// <summary>The command line of kinesis-agent (docs/agent.md describes it).</summary>
internal static class AgentCommand
{
    public const string ToolName = "kinesis-agent";

    /// <summary>Where the Java agent reads its configuration; the default here too.</summary>
    public const string DefaultConfigPath = "/etc/aws-kinesis/agent.json";

    public static RootCommand Create(ToolConsole console)
    {
        var config = new Option<FileInfo?>("--config", "-c")
        {
            Description = $"The agent.json to run (the Java Kinesis Agent's format). Default: {DefaultConfigPath}.",
            HelpName = "FILE",
        };
        var command = new RootCommand(
            "Tails log files into Kinesis data streams until Ctrl+C or SIGTERM, then stops gracefully (records in flight are " +
            "sent and checkpointed). Exit codes: 0 stopped, 3 could not start (a bad configuration value, named by its key, " +
            "or no credentials).")
        {
            config,
        };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var path = parsed.GetValue(config)?.FullName ?? DefaultConfigPath;
            AgentConfiguration configuration;
            try
            {
                configuration = AgentConfigurationReader.Load(path);
            }
            catch (AgentConfigurationException ex)
            {
                return console.Fail(ExitCodes.CouldNotStart, ex.Key == path ? ex.Message : $"{path}: {ex.Message}");
            }

            using var loggerFactory = LoggerFactory.Create(builder => builder.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
                o.UseUtcTimestamp = true;
            }));
            KinesisAgentHost? host;
            try
            {
                host = KinesisAgentHost.Create(configuration, console, loggerFactory);
            }
            catch (AgentConfigurationException ex)
            {
                return console.Fail(ExitCodes.CouldNotStart, $"{path}: {ex.Message}");
            }

            if (host is null)
            {
                return ExitCodes.CouldNotStart;
            }

            await using (host.Agent.ConfigureAwait(false))
            {
                await host.Agent.StartAsync(CancellationToken.None).ConfigureAwait(false);
                console.Say($"running {configuration.Flows.Count} flow(s); Ctrl+C stops");
                try
                {
                    await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // Ctrl+C or SIGTERM: the normal way to stop an agent.
                }

                console.Say("stopping: sending what is in flight and writing checkpoints");
                await host.Agent.StopAsync(CancellationToken.None).ConfigureAwait(false);
                return host.Agent.FailedRecords > 0 ? ExitCodes.Failed : ExitCodes.Ok;
            }
        });
        return command;
    }
}
