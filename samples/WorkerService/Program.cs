using Kinesis.Client;
using Kinesis.Client.Hosting;
using Kinesis.Samples.WorkerService;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

// A Kinesis consumer as a .NET worker service. Configuration: appsettings.json, then environment variables
// (Kinesis__Consumer__StreamName=orders, Kinesis__Consumer__Kinesis__Region=eu-west-1, ...), then the command line.
// The content root is the app's own directory, so appsettings.json (copied next to the app) is found from any
// working directory, not only from the project's.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Services.AddKinesisConsumer<OrderProcessor>(builder.Configuration.GetSection("Kinesis:Consumer"));
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

// The host starts the consumer, and on Ctrl+C or SIGTERM stops it gracefully: processors get
// ShutdownRequestedAsync, checkpoints are written and leases are released for the other workers.
await host.RunAsync();
return 0;
