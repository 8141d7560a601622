using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Kinesis.Client;
using Kinesis.Core.Api;
using Kinesis.Demo;
using Kinesis.LocalServices;
using Kinesis.Producer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// The README's main job. On a machine without an AWS account: install and start kinesis-local and dynalite,
// create a 4-shard stream, produce user records with Kinesis.Producer (KPL-aggregated), consume them with two
// Kinesis.Client workers in a generic host sharing one lease table, check that every record arrived, report,
// and stop everything. With --region and no endpoint the same program runs against real AWS.
// Exit codes: 0 every record arrived, 1 records missing or failed, 2 bad command line, 3 could not run,
// 130 interrupted (Ctrl+C, SIGTERM).
const int exitInterrupted = 130;
if (!DemoSettings.TryParse(args, out var settings, out var usageError))
{
    Console.Error.WriteLine($"Kinesis.Demo: {usageError}");
    Console.Error.WriteLine(DemoSettings.Usage);
    return 2;
}

const int shardCount = 4;
var console = new DemoConsole();
var streamName = $"kinesis-libraries-demo-{Guid.NewGuid():N}"[..32];
var applicationName = $"kinesis-libraries-demo-app-{Guid.NewGuid():N}"[..36];
LocalAwsServices? services = null;
AWSCredentials? credentials = null;
Uri? kinesisEndpoint = settings.KinesisEndpoint;
Uri? dynamoDbEndpoint = settings.DynamoDbEndpoint;
var region = settings.Region ?? LocalAwsServices.Region;

// Ctrl+C and SIGTERM stop the demo at once: one line, no report from a half run, exit 130. (Ctrl+C in a terminal
// also reaches the emulators, which share the demo's process group, so the run could not go on anyway.)
using var interrupt = new CancellationTokenSource();
var interrupted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

var run = RunDemoAsync(interrupt.Token);
if (await Task.WhenAny(run, interrupted.Task) == run)
{
    try
    {
        return await run;
    }
    catch (Exception ex) when (!interrupt.IsCancellationRequested)
    {
        // One line a user can act on (emulators that would not start, a stream that could not be created, ...).
        console.Interrupt($"Kinesis.Demo could not run: {ex.GetType().Name}: {ex.Message}");
        return 3;
    }
    catch (Exception)
    {
        // The run ended because it was interrupted (or while it was): say so below.
    }
}

console.Interrupt("Interrupted: stopped before the end, so there is no report.");
if (services is not null)
{
    // Emulators hold nothing worth keeping: stop them and leave.
    await services.DisposeAsync();
}
else
{
    // On real AWS (or emulators run elsewhere) give the run a moment to delete its stream and lease table.
    await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(15)));
}

return exitInterrupted;

void OnSignal(PosixSignalContext context)
{
    context.Cancel = true;

    // First let the main flow write its line and leave; cancelling runs every registered callback on this thread.
    interrupted.TrySetResult();
    interrupt.Cancel();
}

async Task<int> RunDemoAsync(CancellationToken cancellationToken)
{
    if (settings.UsesLocalServices)
    {
        console.WriteLine("Starting kinesis-local and dynalite on 127.0.0.1 (installing the emulators with npm on first use) ...");
        services = await LocalAwsServices.StartAsync([LocalServiceKind.KinesisLocal, LocalServiceKind.Dynalite], cancellationToken);
        kinesisEndpoint = services.KinesisLocal.Endpoint;
        dynamoDbEndpoint = services.Dynalite.Endpoint;
        credentials = new BasicAWSCredentials(LocalAwsServices.AccessKeyId, LocalAwsServices.SecretAccessKey);
    }
    else if (kinesisEndpoint is not null)
    {
        credentials = new BasicAWSCredentials(LocalAwsServices.AccessKeyId, LocalAwsServices.SecretAccessKey);
    }

    try
    {
        var apiOptions = new KinesisApiClientOptions { Region = region, ServiceUrl = kinesisEndpoint, Credentials = credentials };
        using var client = new KinesisApiClient(apiOptions);
        await client.CreateStreamAsync(new CreateStreamRequest { StreamName = streamName, ShardCount = shardCount }, cancellationToken);
        try
        {
            await client.WaitForStreamActiveAsync(streamName, TimeSpan.FromSeconds(120), cancellationToken: cancellationToken);
            console.WriteLine($"Created stream '{streamName}' with {shardCount} shards ({kinesisEndpoint?.ToString() ?? region}); lease table '{applicationName}'");
            var exitCode = await RunAsync(settings.Records, apiOptions, cancellationToken);
            console.WriteLine("Stopping everything.");
            return exitCode;
        }
        finally
        {
            await CleanUpAsync(client);
        }
    }
    finally
    {
        if (services is not null)
        {
            await services.DisposeAsync();
        }
    }
}

async Task<int> RunAsync(int records, KinesisApiClientOptions apiOptions, CancellationToken cancellationToken)
{
    var tracker = new DeliveryTracker(records);
    var builder = Host.CreateApplicationBuilder();
    builder.Logging.ClearProviders();
    builder.Logging.AddSimpleConsole();

    // Warnings and errors only; after an interruption none: the workers' complaints about vanished emulators
    // would be noise under the one line.
    builder.Logging.AddFilter((_, _, level) => level >= LogLevel.Warning && !cancellationToken.IsCancellationRequested);
    var workers = new[] { "worker-a", "worker-b" }.Select(id => KinesisConsumer.Create(ConsumerOptions(id, apiOptions), tracker.HandleAsync)).ToArray();
    foreach (var worker in workers)
    {
        builder.Services.AddSingleton<IHostedService>(new ConsumerHostedService(worker));
    }

    using var host = builder.Build();
    await host.StartAsync(cancellationToken);
    console.WriteLine($"Started two consumers ({string.Join(", ", workers.Select(w => w.WorkerId))}) in a generic host");

    // The first worker to start takes every lease; the second steals its share within a few taker runs.
    // Waiting for that keeps the lease hand-over (and its at-least-once replay) out of the measurement.
    var balance = Stopwatch.StartNew();
    while (workers.Any(w => w.HeldShardIds.Count != shardCount / workers.Length) && balance.Elapsed < TimeSpan.FromSeconds(30))
    {
        await Task.Delay(100, cancellationToken);
    }

    console.WriteLine($"Leases balanced after {balance.Elapsed.TotalSeconds:F1} s: {string.Join(", ", workers.Select(w => $"{w.WorkerId} holds {string.Join(" ", w.HeldShardIds)}"))}");

    var clock = Stopwatch.StartNew();
    var kinesisRecords = 0;
    var failed = 0;
    var acknowledgedCount = new StrongBox<int>();
    var producerOptions = new KinesisProducerOptions
    {
        Region = region,
        ServiceUrl = apiOptions.ServiceUrl,
        Credentials = credentials,

        // The run flushes before disposing; only an interrupted run disposes with records left, and it should not
        // wait long for them before deleting the stream.
        ShutdownTimeout = TimeSpan.FromSeconds(3),
    };
    var progress = new ProgressBar(console, records, TimeProvider.System);
    using var stopProgress = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
    var drawing = DrawProgressAsync(stopProgress.Token);
    await using (var producer = new KinesisProducer(producerOptions))
    {
        var results = new Task<UserRecordResult>[records];
        for (var i = 0; i < records; i++)
        {
            // PutAsync observes the token only while it waits for room; an interruption must end the loop anyway.
            cancellationToken.ThrowIfCancellationRequested();
            var payload = new byte[DeliveryTracker.PayloadSize];
            BinaryPrimitives.WriteInt32LittleEndian(payload, i);
            BinaryPrimitives.WriteInt64LittleEndian(payload.AsSpan(4), Stopwatch.GetTimestamp());
            results[i] = producer.PutAsync(streamName, $"customer-{i % 1000}", payload, cancellationToken: cancellationToken);

            // The bar counts records Kinesis has acknowledged, not records handed to the producer.
            _ = results[i].ContinueWith(
                static (put, count) =>
                {
                    if (put.IsCompletedSuccessfully)
                    {
                        Interlocked.Increment(ref ((StrongBox<int>)count!).Value);
                    }
                },
                acknowledgedCount,
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }

        await producer.FlushAsync(cancellationToken);
        var sequenceNumbers = new HashSet<string>();
        foreach (var result in results)
        {
            try
            {
                if ((await result).SequenceNumber is { } sequenceNumber)
                {
                    sequenceNumbers.Add(sequenceNumber);
                }
            }
            catch (UserRecordFailedException)
            {
                failed++;
            }
        }

        kinesisRecords = sequenceNumbers.Count;
    }

    var produceSeconds = clock.Elapsed.TotalSeconds;
    var deadline = TimeSpan.FromSeconds(90);
    while (tracker.Delivered < records - failed && clock.Elapsed < deadline)
    {
        await Task.Delay(100, cancellationToken);
    }

    var consumeSeconds = clock.Elapsed.TotalSeconds;
    await stopProgress.CancelAsync();
    await drawing;
    progress.Draw(Volatile.Read(ref acknowledgedCount.Value), tracker.Delivered, final: true);
    var leases = workers.Select(w => (w.WorkerId, Count: w.HeldShardIds.Count)).ToArray();
    await host.StopAsync(cancellationToken);

    var missing = tracker.Missing();
    var latency = tracker.LatencyPercentiles();
    console.WriteLine();
    console.WriteLine("Report");
    console.WriteLine($"  user records               {records:N0} produced ({failed} failed) in {produceSeconds:F2} s, {tracker.Delivered:N0} consumed after {consumeSeconds:F2} s");
    console.WriteLine($"  throughput                 {tracker.Delivered / consumeSeconds:N0} user records/s end to end");
    console.WriteLine(tracker.Delivered > 0
        ? $"  put-to-process latency     p50 {latency.P50:F0} ms, p99 {latency.P99:F0} ms"
        : "  put-to-process latency     none measured (nothing was consumed)");
    console.WriteLine(kinesisRecords > 0
        ? $"  aggregation                {kinesisRecords:N0} Kinesis records, {(double)(records - failed) / kinesisRecords:F1} user records per Kinesis record"
        : "  aggregation                no Kinesis record was acknowledged");
    console.WriteLine($"  leases per worker          {string.Join(", ", leases.Select(l => $"{l.WorkerId}: {l.Count}"))}");
    console.WriteLine($"  delivered                  {tracker.Delivered:N0} distinct, missing {missing}, redelivered {tracker.Duplicates}");
    console.WriteLine(settings.UsesLocalServices || settings.KinesisEndpoint is not null
        ? $"  these figures depend on    this machine: the emulators run on the same {Environment.ProcessorCount} cores as the demo and emulate no service limits, so they say nothing about AWS"
        : $"  these figures depend on    the network path to {region}, the shard count ({shardCount}) and this machine's {Environment.ProcessorCount} cores");
    var ok = missing == 0 && failed == 0;
    console.WriteLine(ok ? "OK: every record arrived." : "FAILED: records are missing.");
    return ok ? 0 : 1;

    async Task DrawProgressAsync(CancellationToken stop)
    {
        // A terminal line is redrawn a few times a second; ProgressBar thins plain lines out itself.
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                progress.Draw(Volatile.Read(ref acknowledgedCount.Value), tracker.Delivered);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped: the caller draws the final counts.
        }
    }
}

KinesisConsumerOptions ConsumerOptions(string workerId, KinesisApiClientOptions apiOptions) => new()
{
    ApplicationName = applicationName,
    StreamName = streamName,
    WorkerId = workerId,
    InitialPosition = InitialPositionInStream.TrimHorizon,
    Kinesis = apiOptions,
    DynamoDbServiceUrl = dynamoDbEndpoint,

    // Short timings so the two workers share the shards within seconds; production defaults are longer.
    IdleTimeBetweenReads = TimeSpan.FromMilliseconds(200),
    ShardSyncInterval = TimeSpan.FromSeconds(2),
    ShutdownTimeout = TimeSpan.FromSeconds(10),
    Leases = new LeaseManagementOptions
    {
        FailoverTime = TimeSpan.FromSeconds(3),
        TakerInterval = TimeSpan.FromMilliseconds(500),
        TableActivePollInterval = TimeSpan.FromMilliseconds(100),
    },
};

// Deletes the stream and the lease table. Not with the run's token: an interrupted run on real AWS still deletes what
// it created. A failure here is reported, never thrown: it would hide why the run ended.
async Task CleanUpAsync(KinesisApiClient client)
{
    using var cleanup = new CancellationTokenSource(TimeSpan.FromSeconds(15));
    try
    {
        await client.DeleteStreamAsync(new DeleteStreamRequest { StreamName = streamName }, cleanup.Token);
        await DeleteLeaseTableAsync(cleanup.Token);
    }
    catch (Exception ex) when (services is null)
    {
        // On stderr, so it is seen after an interruption too: something may be left on AWS.
        Console.Error.WriteLine($"Could not delete the stream '{streamName}' or the lease table '{applicationName}' ({ex.GetType().Name}: {ex.Message}); delete them by hand.");
    }
    catch (Exception)
    {
        // The emulators are stopped next and take the stream and the table with them.
    }
}

async Task DeleteLeaseTableAsync(CancellationToken cancellationToken)
{
    var config = new AmazonDynamoDBConfig();
    if (dynamoDbEndpoint is not null)
    {
        config.ServiceURL = dynamoDbEndpoint.ToString();
        config.AuthenticationRegion = region;
    }
    else
    {
        config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(region);
    }

    using var dynamoDb = credentials is null ? new AmazonDynamoDBClient(config) : new AmazonDynamoDBClient(credentials, config);
    try
    {
        await dynamoDb.DeleteTableAsync(applicationName, cancellationToken);
    }
    catch (Amazon.DynamoDBv2.Model.ResourceNotFoundException)
    {
        // The consumers never created it (they failed to start); nothing to clean up.
    }
}
