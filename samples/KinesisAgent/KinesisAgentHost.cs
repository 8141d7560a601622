using Kinesis.Agent;
using Kinesis.Agent.Configuration;
using Kinesis.Samples.Shared;
using Microsoft.Extensions.Logging;

namespace Kinesis.Samples.KinesisAgent;

/// <summary>The agent built for the tool: credentials from agent.json, else the standard chain (dummy ones for a local emulator).</summary>
internal sealed class KinesisAgentHost
{
    private KinesisAgentHost(global::Kinesis.Agent.KinesisAgent agent)
    {
        Agent = agent;
    }

    public global::Kinesis.Agent.KinesisAgent Agent { get; }

    /// <summary>The agent, or null (after saying why) when no credentials can be found.</summary>
    /// <exception cref="AgentConfigurationException">A configuration value cannot be used.</exception>
    public static KinesisAgentHost? Create(AgentConfiguration configuration, ToolConsole console, ILoggerFactory loggerFactory)
    {
        var options = global::Kinesis.Agent.KinesisAgent.CreateProducerOptions(configuration);
        if (options.Credentials is null)
        {
            options.Credentials = ToolCredentials.Resolve(console.Tool, Console.Error, out var error, configuration.KinesisEndpoint);
            if (options.Credentials is null)
            {
                console.Say(error ?? ToolCredentials.MissingHint);
                return null;
            }
        }

        return new KinesisAgentHost(new global::Kinesis.Agent.KinesisAgent(configuration, options, loggerFactory));
    }
}
