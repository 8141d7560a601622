using Kinesis.Samples.ConsoleProducer;
using Kinesis.Samples.Shared;

// kinesis-console-producer: stdin lines -> user records, like Kafka's console producer.
using var console = new ToolConsole("kinesis-console-producer");
return await ToolCommandLine.InvokeAsync(ProducerCommand.Create(console), args, console);
