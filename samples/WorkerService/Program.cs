using Kinesis.Client.Hosting;
using Kinesis.Samples.WorkerService;
using Microsoft.Extensions.Hosting;

// A Kinesis consumer as a .NET worker service. Configuration: appsettings.json, then environment variables
// (Kinesis__Consumer__StreamName=orders, Kinesis__Consumer__Kinesis__Region=eu-west-1, ...), then the command line.
var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddKinesisConsumer<OrderProcessor>(builder.Configuration.GetSection("Kinesis:Consumer"));

// The host starts the consumer, and on Ctrl+C or SIGTERM stops it gracefully: processors get
// ShutdownRequestedAsync, checkpoints are written and leases are released for the other workers.
await builder.Build().RunAsync();
