using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
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
var settings = DemoSettings.Parse(args);
if (settings is null)
{
    Console.Error.WriteLine("usage: Kinesis.Demo [--records N] [--region REGION] [--kinesis-endpoint URL --dynamodb-endpoint URL]");
    return 2;
}

const int shardCount = 4;
var streamName = $"kinesis-libraries-demo-{Guid.NewGuid():N}"[..32];
var applicationName = $"kinesis-libraries-demo-app-{Guid.NewGuid():N}"[..36];
LocalAwsServices? services = null;
AWSCredentials? credentials = null;
Uri? kinesisEndpoint = settings.KinesisEndpoint;
Uri? dynamoDbEndpoint = settings.DynamoDbEndpoint;
var region = settings.Region ?? LocalAwsServices.Region;
if (settings.UsesLocalServices)
{
    Console.WriteLine("Starting kinesis-local and dynalite on 127.0.0.1 (installing the emulators with npm on first use) ...");
    services = await LocalAwsServices.StartAsync(LocalServiceKind.KinesisLocal, LocalServiceKind.Dynalite);
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
    await client.CreateStreamAsync(new CreateStreamRequest { StreamName = streamName, ShardCount = shardCount });
    await client.WaitForStreamActiveAsync(streamName, TimeSpan.FromSeconds(120));
    Console.WriteLine($"Created stream '{streamName}' with {shardCount} shards ({kinesisEndpoint?.ToString() ?? region}); lease table '{applicationName}'");
    try
    {
        var exitCode = await RunAsync(settings.Records, apiOptions);
        Console.WriteLine("Stopping everything.");
        return exitCode;
    }
    finally
    {
        await client.DeleteStreamAsync(new DeleteStreamRequest { StreamName = streamName });
        await DeleteLeaseTableAsync();
    }
}
finally
{
    if (services is not null)
    {
        await services.DisposeAsync();
    }
}

async Task<int> RunAsync(int records, KinesisApiClientOptions apiOptions)
{
    var tracker = new DeliveryTracker(records);
    var builder = Host.CreateApplicationBuilder();
    builder.Logging.ClearProviders();
    builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
    var workers = new[] { "worker-a", "worker-b" }.Select(id => KinesisConsumer.Create(ConsumerOptions(id, apiOptions), tracker.HandleAsync)).ToArray();
    foreach (var worker in workers)
    {
        builder.Services.AddSingleton<IHostedService>(new ConsumerHostedService(worker));
    }

    using var host = builder.Build();
    await host.StartAsync();
    Console.WriteLine($"Started two consumers ({string.Join(", ", workers.Select(w => w.WorkerId))}) in a generic host");

    // The first worker to start takes every lease; the second steals its share within a few taker runs.
    // Waiting for that keeps the lease hand-over (and its at-least-once replay) out of the measurement.
    var balance = Stopwatch.StartNew();
    while (workers.Any(w => w.HeldShardIds.Count != shardCount / workers.Length) && balance.Elapsed < TimeSpan.FromSeconds(30))
    {
        await Task.Delay(100);
    }

    Console.WriteLine($"Leases balanced after {balance.Elapsed.TotalSeconds:F1} s: {string.Join(", ", workers.Select(w => $"{w.WorkerId} holds {string.Join(" ", w.HeldShardIds)}"))}");

    var clock = Stopwatch.StartNew();
    var kinesisRecords = 0;
    var failed = 0;
    var producerOptions = new KinesisProducerOptions { Region = region, ServiceUrl = apiOptions.ServiceUrl, Credentials = credentials };
    var progress = new ProgressBar(records);
    await using (var producer = new KinesisProducer(producerOptions))
    {
        var results = new Task<UserRecordResult>[records];
        for (var i = 0; i < records; i++)
        {
            var payload = new byte[DeliveryTracker.PayloadSize];
            BinaryPrimitives.WriteInt32LittleEndian(payload, i);
            BinaryPrimitives.WriteInt64LittleEndian(payload.AsSpan(4), Stopwatch.GetTimestamp());
            results[i] = producer.PutAsync(streamName, $"customer-{i % 1000}", payload);
            if (i % 2000 == 1999)
            {
                progress.Draw(i + 1, tracker.Delivered);
            }
        }

        await producer.FlushAsync();
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
        progress.Draw(records, tracker.Delivered);
        await Task.Delay(100);
    }

    progress.Draw(records, tracker.Delivered);
    var consumeSeconds = clock.Elapsed.TotalSeconds;
    Console.WriteLine();
    var leases = workers.Select(w => (w.WorkerId, Count: w.HeldShardIds.Count)).ToArray();
    await host.StopAsync();

    var missing = tracker.Missing();
    var latency = tracker.LatencyPercentiles();
    Console.WriteLine();
    Console.WriteLine("Report");
    Console.WriteLine($"  user records               {records:N0} produced ({failed} failed) in {produceSeconds:F2} s, all consumed after {consumeSeconds:F2} s");
    Console.WriteLine($"  throughput                 {tracker.Delivered / consumeSeconds:N0} user records/s end to end");
    Console.WriteLine($"  put-to-process latency     p50 {latency.P50:F0} ms, p99 {latency.P99:F0} ms");
    Console.WriteLine($"  aggregation                {kinesisRecords:N0} Kinesis records, {(double)records / Math.Max(1, kinesisRecords):F1} user records per Kinesis record");
    Console.WriteLine($"  leases per worker          {string.Join(", ", leases.Select(l => $"{l.WorkerId}: {l.Count}"))}");
    Console.WriteLine($"  delivered                  {tracker.Delivered:N0} distinct, missing {missing}, redelivered {tracker.Duplicates}");
    var ok = missing == 0 && failed == 0;
    Console.WriteLine(ok ? "OK: every record arrived." : "FAILED: records are missing.");
    return ok ? 0 : 1;
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

async Task DeleteLeaseTableAsync()
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
        await dynamoDb.DeleteTableAsync(applicationName);
    }
    catch (Amazon.DynamoDBv2.Model.ResourceNotFoundException)
    {
        // The consumers never created it (they failed to start); nothing to clean up.
    }
}
