using Kinesis.Samples.KinesisAgent;
using Kinesis.Samples.Shared;

// kinesis-agent: tails files into Kinesis streams, configured by the Java Kinesis Agent's agent.json.
using var console = new ToolConsole(AgentCommand.ToolName);
return await ToolCommandLine.InvokeAsync(AgentCommand.Create(console), args, console);
