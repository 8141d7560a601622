using Kinesis.Client;
using Kinesis.Client.DeadLetter.Hosting;
using Kinesis.Client.Hosting;
using Kinesis.Producer.Hosting;
using Kinesis.Samples.WorkerService;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

// A Kinesis consumer as a .NET worker service. Configuration: appsettings.json, then environment variables
// (Kinesis__Consumer__StreamName=orders, Kinesis__Consumer__Kinesis__Region=eu-west-1, ...), then the command line.
// The content root is the app's own directory, so appsettings.json (copied next to the app) is found from any
// working directory, not only from the project's.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });

// Dead-letter mode: --dead-letter orders-dead-letters (or Kinesis__DeadLetter__StreamName). A record the processor keeps
// failing on is isolated (bisect), retried, then written to that stream with why it failed, and the shard moves on.
builder.Configuration.AddCommandLine(args, new Dictionary<string, string> { ["--dead-letter"] = "Kinesis:DeadLetter:StreamName" });
var deadLetterStream = builder.Configuration["Kinesis:DeadLetter:StreamName"];
var deadLetter = !string.IsNullOrWhiteSpace(deadLetterStream);
if (deadLetter)
{
    // Registered before the consumer, so the host stops the consumer first and flushes this producer after it.
    builder.Services.AddKinesisProducer(builder.Configuration.GetSection("Kinesis:Producer"));
    builder.Services.AddKinesisStreamDeadLetterSink(deadLetterStream!);
}

builder.Services.AddKinesisConsumer<OrderProcessor>(builder.Configuration.GetSection("Kinesis:Consumer"), options =>
{
    if (deadLetter)
    {
        // The sink is the one registered above (AddKinesisConsumer takes the container's IDeadLetterSink); the limits
        // default here unless Kinesis:Consumer:PoisonRecords sets them.
        options.PoisonRecords.BisectBatchOnError = true;
        options.PoisonRecords.MaxRetryAttempts ??= 2;
    }
});
using var host = builder.Build();

// The host would validate the options on start too, but inside a long stack trace: say what is wrong in one line.
try
{
    _ = host.Services.GetRequiredService<IOptions<KinesisConsumerOptions>>().Value;
}
catch (OptionsValidationException ex)
{
    Console.Error.WriteLine($"WorkerService: bad Kinesis:Consumer configuration (appsettings.json, Kinesis__Consumer__* environment variables): {string.Join("; ", ex.Failures)}");
    return 2;
}
catch (ArgumentException ex)
{
    // A value out of its range ("MaxRecords must be between 1 and 10000; it was 0."), rejected while binding.
    Console.Error.WriteLine($"WorkerService: bad Kinesis:Consumer configuration (appsettings.json, Kinesis__Consumer__* environment variables): {ex.Message.ReplaceLineEndings(" ")}");
    return 2;
}

if (deadLetter)
{
    Console.WriteLine($"WorkerService: records the processor keeps failing on go to the dead-letter stream '{deadLetterStream}'.");
}

// The host starts the consumer, and on Ctrl+C or SIGTERM stops it gracefully: processors get
// ShutdownRequestedAsync, checkpoints are written and leases are released for the other workers.
await host.RunAsync();
return 0;
