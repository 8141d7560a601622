using System.Runtime.InteropServices;
using Amazon.DynamoDBv2;
using Kinesis.Client;
using Kinesis.Core.Api;
using Kinesis.Samples.ConsoleConsumer;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

// kinesis-console-consumer: user records -> JSON lines on stdout, like Kafka's console consumer.
var arguments = ConsumerArguments.Parse(args, out var error);
if (arguments is null)
{
    Console.Error.WriteLine($"kinesis-console-consumer: {error}");
    Console.Error.WriteLine(ConsumerArguments.Usage);
    return 2;
}

var temporaryApplication = arguments.Application is null;
var application = arguments.Application ?? $"kinesis-console-consumer-{Guid.NewGuid():N}"[..33];
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    // Keep the process alive until the consumer has checkpointed and released its leases.
    context.Cancel = true;
    stop.Cancel();
});

// --verbose: the consumer's events (stable event ids, see docs/logging.md) on stderr, one line each; stdout stays records only.
using var loggerFactory = arguments.Verbose
    ? LoggerFactory.Create(logging => logging
        .SetMinimumLevel(LogLevel.Debug)
        .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace)
        .AddSimpleConsole(format =>
        {
            format.SingleLine = true;
            format.UseUtcTimestamp = true;
            format.TimestampFormat = "HH:mm:ss.fff ";
        }))
    : NullLoggerFactory.Instance;

await using var stdout = new BufferedStream(Console.OpenStandardOutput(), 64 * 1024);
var options = new KinesisConsumerOptions
{
    ApplicationName = application,
    StreamName = arguments.Stream,
    InitialPosition = arguments.InitialPosition,
    Kinesis = new KinesisApiClientOptions { Region = arguments.Region, ServiceUrl = arguments.KinesisEndpoint },
    DynamoDbServiceUrl = arguments.DynamoDbEndpoint,

    // A console tool should pick up new records within a fraction of a second.
    IdleTimeBetweenReads = TimeSpan.FromMilliseconds(200),

    // Enhanced fan-out registers a stream consumer named after the application; a throwaway application
    // removes it again on exit, as it removes its lease table.
    Retrieval = arguments.FanOut ? RetrievalMode.FanOut : RetrievalMode.Polling,
    FanOut = new FanOutOptions { DeregisterOnShutdown = temporaryApplication },
};
if (arguments.WorkerId is { } workerId)
{
    options.WorkerId = workerId;
}

var printer = new RecordPrinter(stdout, arguments.MaxRecords, arguments.PrintWorkerId ? options.WorkerId : null);
await using var consumer = new KinesisConsumer(options, _ => new PrintingRecordProcessor(printer), loggerFactory);
try
{
    await consumer.StartAsync(stop.Token);
}
catch (Exception ex) when (ex is not OperationCanceledException)
{
    // A missing stream, bad credentials or an unreachable endpoint: say so in one line, not a stack trace.
    Console.Error.WriteLine($"kinesis-console-consumer: could not start: {ex.Message}");
    return 1;
}
await WaitUntilDoneAsync(printer, arguments.ExitWhenIdle, stop.Token);

using var shutdownDeadline = new CancellationTokenSource(options.ShutdownTimeout + TimeSpan.FromSeconds(5));
await consumer.StopAsync(shutdownDeadline.Token);
if (temporaryApplication)
{
    await DeleteLeaseTableAsync(application, arguments);
}

Console.Error.WriteLine($"kinesis-console-consumer: {printer.Printed} records printed");
return 0;

// Sleeps until something can have changed: a stop, the record limit, or the moment the idle limit would be reached. No
// periodic wake-up: an idle tool should cost no more than its consumer's own polling.
static async Task WaitUntilDoneAsync(RecordPrinter printer, TimeSpan? exitWhenIdle, CancellationToken stop)
{
    while (!stop.IsCancellationRequested && !printer.LimitReached)
    {
        var wait = Timeout.InfiniteTimeSpan;
        if (exitWhenIdle is { } idle)
        {
            wait = idle - printer.IdleFor;
            if (wait <= TimeSpan.Zero)
            {
                return;
            }
        }

        try
        {
            await printer.LimitReachedTask.WaitAsync(wait, stop);
        }
        catch (TimeoutException)
        {
            // Records may have arrived meanwhile: look at the idle time again.
        }
        catch (OperationCanceledException)
        {
            return;
        }
    }
}

static async Task DeleteLeaseTableAsync(string table, ConsumerArguments arguments)
{
    var config = new AmazonDynamoDBConfig();
    if (arguments.DynamoDbEndpoint is { } endpoint)
    {
        config.ServiceURL = endpoint.ToString();
        config.AuthenticationRegion = arguments.Region;
    }
    else
    {
        config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(arguments.Region);
    }

    using var dynamoDb = new AmazonDynamoDBClient(config);
    try
    {
        await dynamoDb.DeleteTableAsync(table);
    }
    catch (Amazon.DynamoDBv2.Model.ResourceNotFoundException)
    {
        // The consumer never created it.
    }
}
