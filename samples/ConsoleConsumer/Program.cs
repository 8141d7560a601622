using Kinesis.Samples.ConsoleConsumer;
using Kinesis.Samples.Shared;

// kinesis-console-consumer: user records -> JSON lines on stdout, like Kafka's console consumer.
using var console = new ToolConsole("kinesis-console-consumer");
return await ToolCommandLine.InvokeAsync(ConsumerCommand.Create(console), args, console);
