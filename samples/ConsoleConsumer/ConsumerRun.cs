using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Kinesis.Client;
using Kinesis.Core.Api;
using Kinesis.Samples.Shared;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kinesis.Samples.ConsoleConsumer;

/// <summary>
/// One run of the console consumer: start, print until stopped (Ctrl+C, SIGTERM, --max-records, --exit-when-idle),
/// stop gracefully, and remove a temporary application's lease table. Every failure is one line on stderr.
/// </summary>
internal static class ConsumerRun
{
    // Removing a temporary lease table is a courtesy: an unreachable DynamoDB must not hold the exit for long.
    private static readonly TimeSpan DeleteTableTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Runs the consumer; returns the exit code.</summary>
    public static async Task<int> RunAsync(ConsumerSettings settings, ToolConsole console, CancellationToken stopping)
    {
        var credentials = ToolCredentials.Resolve(console.Tool, Console.Error, out var error, settings.KinesisEndpoint, settings.DynamoDbEndpoint);
        if (credentials is null)
        {
            return console.Fail(ExitCodes.CouldNotStart, error ?? ToolCredentials.MissingHint);
        }

        var temporaryApplication = settings.Application is null;
        var application = settings.Application ?? $"kinesis-console-consumer-{Guid.NewGuid():N}"[..33];

        // --verbose: the consumer's events (stable event ids, see docs/logging.md) on stderr, one line each; stdout stays records only.
        using var loggerFactory = settings.Verbose
            ? LoggerFactory.Create(logging => logging
                .SetMinimumLevel(LogLevel.Debug)
                .AddConsole(logger => logger.LogToStandardErrorThreshold = LogLevel.Trace)
                .AddSimpleConsole(format =>
                {
                    format.SingleLine = true;
                    format.UseUtcTimestamp = true;
                    format.TimestampFormat = "HH:mm:ss.fff ";
                }))
            : NullLoggerFactory.Instance;

        var options = new KinesisConsumerOptions
        {
            ApplicationName = application,

            // --stream takes a name or an ARN (a stream of another account, read through its resource policy).
            StreamName = IsStreamArn(settings.Stream) ? null : settings.Stream,
            StreamArn = IsStreamArn(settings.Stream) ? settings.Stream : null,
            InitialPosition = settings.InitialPosition,
            Kinesis = new KinesisApiClientOptions
            {
                Region = settings.Region,
                ServiceUrl = settings.KinesisEndpoint,

                // The user typed the http:// URL (an emulator on another host, say); the library alone refuses it.
                AllowInsecureHttp = settings.KinesisEndpoint?.Scheme == Uri.UriSchemeHttp,
                Credentials = credentials,
            },
            DynamoDbServiceUrl = settings.DynamoDbEndpoint,

            // A console tool should pick up new records within a fraction of a second.
            IdleTimeBetweenReads = TimeSpan.FromMilliseconds(200),

            // Enhanced fan-out registers a stream consumer named after the application; a throwaway application
            // removes it again on exit, as it removes its lease table.
            Retrieval = settings.FanOut ? RetrievalMode.FanOut : RetrievalMode.Polling,
            FanOut = new FanOutOptions { DeregisterOnShutdown = temporaryApplication },
        };
        if (settings.WorkerId is { } workerId)
        {
            options.WorkerId = workerId;
        }

        await using var stdout = new BufferedStream(Console.OpenStandardOutput(), 64 * 1024);
        var printer = new RecordPrinter(stdout, settings.MaxRecords, settings.PrintWorkerId ? options.WorkerId : null);
        KinesisConsumer consumer;
        try
        {
            consumer = new KinesisConsumer(options, _ => new PrintingRecordProcessor(printer), loggerFactory);
        }
        catch (ArgumentException ex)
        {
            return console.Fail(ExitCodes.Usage, ToolCommandLine.OneLine(ex.Message));
        }

        var exitCode = ExitCodes.Ok;
        try
        {
            try
            {
                await consumer.StartAsync(stopping).ConfigureAwait(false);
                printer.ResetIdle();
                await WaitUntilDoneAsync(settings, printer, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                // Ctrl+C or SIGTERM during start-up: stop what was started, without a stack trace.
            }
            catch (Exception ex)
            {
                // A missing stream, bad credentials or an unreachable endpoint: one line, not a stack trace.
                exitCode = console.Fail(ExitCodes.CouldNotStart, $"could not start: {ToolErrors.Describe(ex)}");
            }

            await StopAsync(consumer, options, console).ConfigureAwait(false);
        }
        finally
        {
            await DisposeAsync(consumer, console).ConfigureAwait(false);
        }

        if (temporaryApplication)
        {
            // After a failed start the table may not exist, or the endpoint be the reason: its error was said already.
            await DeleteLeaseTableAsync(application, settings, credentials, exitCode == ExitCodes.CouldNotStart ? null : console).ConfigureAwait(false);
        }

        if (exitCode != ExitCodes.CouldNotStart)
        {
            console.Say($"{printer.Printed} records printed");
        }

        return exitCode == ExitCodes.Ok && stopping.IsCancellationRequested ? ExitCodes.Interrupted : exitCode;
    }

    // Sleeps until something can have changed: a stop, the record limit, or the moment the idle limit would be reached. No
    // periodic wake-up: an idle tool should cost no more than its consumer's own polling.
    private static async Task WaitUntilDoneAsync(ConsumerSettings settings, RecordPrinter printer, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested && !printer.LimitReached)
        {
            var wait = Timeout.InfiniteTimeSpan;
            if (settings.ExitWhenIdle is { } idle)
            {
                wait = idle - printer.IdleFor;
                if (wait <= TimeSpan.Zero)
                {
                    return;
                }
            }

            try
            {
                await printer.LimitReachedTask.WaitAsync(wait, stopping).ConfigureAwait(false);
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

    private static async Task StopAsync(KinesisConsumer consumer, KinesisConsumerOptions options, ToolConsole console)
    {
        using var deadline = new CancellationTokenSource(options.ShutdownTimeout + TimeSpan.FromSeconds(5));
        try
        {
            await consumer.StopAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            console.Say($"stopping: {ToolErrors.Describe(ex)}");
        }
    }

    private static async Task DisposeAsync(KinesisConsumer consumer, ToolConsole console)
    {
        try
        {
            await consumer.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            console.Say($"stopping: {ToolErrors.Describe(ex)}");
        }
    }

    private static async Task DeleteLeaseTableAsync(string table, ConsumerSettings settings, AWSCredentials credentials, ToolConsole? console)
    {
        var config = new AmazonDynamoDBConfig { Timeout = DeleteTableTimeout, MaxErrorRetry = 1 };
        if (settings.DynamoDbEndpoint is { } endpoint)
        {
            config.ServiceURL = endpoint.ToString();
            config.AuthenticationRegion = settings.Region;
        }
        else
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(settings.Region);
        }

        using var dynamoDb = new AmazonDynamoDBClient(credentials, config);
        using var deadline = new CancellationTokenSource(DeleteTableTimeout);
        try
        {
            await dynamoDb.DeleteTableAsync(table, deadline.Token).ConfigureAwait(false);
        }
        catch (Amazon.DynamoDBv2.Model.ResourceNotFoundException)
        {
            // The consumer never created it.
        }
        catch (Exception ex)
        {
            var reason = ex is OperationCanceledException ? $"no answer within {DeleteTableTimeout.TotalSeconds} s" : ToolErrors.Describe(ex);
            console?.Say($"could not delete the temporary lease table {table}: {reason}");
        }
    }

    private static bool IsStreamArn(string stream) => stream.StartsWith("arn:", StringComparison.Ordinal);
}
