namespace Kinesis.Agent.Configuration;

/// <summary>An agent configuration that cannot be used: a missing or bad value, named by its key.</summary>
public sealed class AgentConfigurationException : Exception
{
    /// <summary>Creates the exception for <paramref name="key"/> (a dotted path such as <c>flows[0].filePattern</c>).</summary>
    public AgentConfigurationException(string key, string message)
        : base($"{key}: {message}")
    {
        Key = key;
    }

    /// <summary>The key at fault, as a path from the file's root: <c>checkpointFile</c>, <c>flows[1].partitionKeyOption</c>.</summary>
    public string Key { get; }
}
