using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Kinesis.Core.Api;
using Kinesis.LocalServices;

namespace Kinesis.Benchmarks.LoadRunner;

/// <summary>
/// The load runner: produces and consumes through each driver side by side in one run (the raw API baseline,
/// the producer without and with aggregation, each read by the consumer), against emulators started here or
/// against real AWS, and reports user records/s, put-to-process latency, client CPU and allocations.
/// </summary>
internal static class LoadCommand
{
    public const string Usage =
        "usage: load [--target kinesalite|kinesis-local|aws] [--region REGION] [--records N | --duration SECONDS]\n" +
        "            [--record-size BYTES] [--shards N] [--rate USER_RECORDS_PER_SECOND] [--output DIR] [--heartbeat SECONDS]";

    private const int Concurrency = 24;
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan DrainDeadline = TimeSpan.FromSeconds(60);

    public static async Task<int> RunAsync(string[] args)
    {
        var settings = LoadSettings.Parse(args, out var error);
        if (settings is null)
        {
            Console.Error.WriteLine($"load: {error}");
            Console.Error.WriteLine(Usage);
            return 2;
        }

        LocalAwsServices? services = null;
        LoadTarget target;
        if (settings.Target == "aws")
        {
            target = new LoadTarget($"AWS {settings.Region}", settings.Region, null, null, null);
        }
        else
        {
            var kinesis = settings.Target == "kinesis-local" ? LocalServiceKind.KinesisLocal : LocalServiceKind.Kinesalite;
            Console.WriteLine($"Starting {settings.Target} and dynalite on 127.0.0.1 ...");
            services = await LocalAwsServices.StartAsync([kinesis, LocalServiceKind.Dynalite], CancellationToken.None).ConfigureAwait(false);
            var endpoint = kinesis == LocalServiceKind.KinesisLocal ? services.KinesisLocal.Endpoint : services.Kinesalite.Endpoint;
            target = new LoadTarget($"{settings.Target} + dynalite", LocalAwsServices.Region, endpoint, services.Dynalite.Endpoint, new BasicAWSCredentials(LocalAwsServices.AccessKeyId, LocalAwsServices.SecretAccessKey));
        }

        try
        {
            using var client = new KinesisApiClient(target.ApiOptions(Concurrency));
            var scenarios = new (ILoadDriver Driver, int Records)[]
            {
                (new RawApiDriver(client, PollInterval, Concurrency), settings.Records ?? 20_000),
                (new LibraryDriver(target, aggregation: false, PollInterval), settings.Records ?? 20_000),
                (new LibraryDriver(target, aggregation: true, PollInterval), settings.Records ?? 200_000),
            };
            var results = new List<LoadResult>();
            foreach (var (driver, records) in scenarios)
            {
                await using (driver.ConfigureAwait(false))
                {
                    results.Add(await MeasureAsync(client, target, driver, settings, records).ConfigureAwait(false));
                }
            }

            var table = Format(settings, target, results);
            Console.WriteLine();
            Console.WriteLine(table);
            Directory.CreateDirectory(settings.Output);
            var stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
            await File.WriteAllTextAsync(Path.Combine(settings.Output, $"load-{stamp}.md"), table).ConfigureAwait(false);
            await File.WriteAllTextAsync(Path.Combine(settings.Output, $"load-{stamp}.json"), JsonSerializer.Serialize(new { settings, target = target.Label, results }, new JsonSerializerOptions { WriteIndented = true })).ConfigureAwait(false);
            Console.WriteLine($"Written to {Path.GetFullPath(settings.Output)}");
            return results.All(r => r.Missing == 0) ? 0 : 1;
        }
        finally
        {
            if (services is not null)
            {
                await services.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task<LoadResult> MeasureAsync(KinesisApiClient client, LoadTarget target, ILoadDriver driver, LoadSettings settings, int records)
    {
        var stream = $"load-{Guid.NewGuid():N}"[..24];
        await client.CreateStreamAsync(new CreateStreamRequest { StreamName = stream, ShardCount = settings.Shards }).ConfigureAwait(false);
        await client.WaitForStreamActiveAsync(stream, TimeSpan.FromSeconds(120)).ConfigureAwait(false);
        var capacity = settings.Duration is null ? records : 20_000_000;
        var recorder = new DeliveryRecorder(capacity);
        try
        {
            await driver.StartConsumerAsync(stream, settings.Shards, recorder, CancellationToken.None).ConfigureAwait(false);
            GC.Collect();
            GC.WaitForPendingFinalizers();
            var process = Process.GetCurrentProcess();
            var cpu0 = process.TotalProcessorTime;
            var allocated0 = GC.GetTotalAllocatedBytes(precise: true);
            var clock = Stopwatch.StartNew();

            var produced = 0;
            using var stopHeartbeat = new CancellationTokenSource();
            var heartbeat = HeartbeatAsync(driver.Name, clock, () => produced, recorder, settings.Heartbeat, stopHeartbeat.Token);
            while (produced < capacity && (settings.Duration is { } duration ? clock.Elapsed < duration : produced < records))
            {
                if (settings.Rate is { } rate && produced >= rate * clock.Elapsed.TotalSeconds)
                {
                    await Task.Delay(5).ConfigureAwait(false);
                    continue;
                }

                await driver.PutAsync(stream, $"user-{produced % 5000:D6}", DeliveryRecorder.CreatePayload(produced, settings.RecordSize)).ConfigureAwait(false);
                produced++;
            }

            var failed = await driver.CompleteProducerAsync().ConfigureAwait(false);
            var putSeconds = clock.Elapsed.TotalSeconds;
            var drainUntil = clock.Elapsed + DrainDeadline;
            while (recorder.Delivered < produced - failed && clock.Elapsed < drainUntil)
            {
                await Task.Delay(20).ConfigureAwait(false);
            }

            var seconds = clock.Elapsed.TotalSeconds;
            await stopHeartbeat.CancelAsync().ConfigureAwait(false);
            await heartbeat.ConfigureAwait(false);
            process.Refresh();
            var cpu = (process.TotalProcessorTime - cpu0).TotalSeconds;
            var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated0;
            var latency = recorder.Percentiles(produced, 0.5, 0.9, 0.99, 1.0);
            var result = new LoadResult(
                driver.Name,
                produced,
                failed,
                produced - recorder.Delivered,
                recorder.Duplicates,
                putSeconds,
                seconds,
                recorder.Delivered / seconds,
                latency[0],
                latency[1],
                latency[2],
                latency[3],
                cpu / produced * 1_000_000,
                (double)allocated / produced,
                (double)(produced - failed) / Math.Max(1, driver.KinesisRecordsWritten));
            Console.WriteLine($"  {result.Scenario}: {result.UserRecordsPerSecond:N0} user records/s, p50 {result.LatencyP50Ms:F0} ms, p99 {result.LatencyP99Ms:F0} ms, missing {result.Missing}");
            await driver.StopConsumerAsync().ConfigureAwait(false);
            return result;
        }
        finally
        {
            await client.DeleteStreamAsync(new DeleteStreamRequest { StreamName = stream }).ConfigureAwait(false);
            if (driver is LibraryDriver)
            {
                await DeleteLeaseTableAsync(target, $"{stream}-app").ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// A line every <paramref name="interval"/> while a scenario runs, so a long one is visibly alive. Reads two
    /// counters, nothing more. Consumed records are the acknowledged ones the consumer has delivered.
    /// </summary>
    private static async Task HeartbeatAsync(string scenario, Stopwatch clock, Func<int> put, DeliveryRecorder recorder, TimeSpan interval, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                Console.WriteLine($"  [{scenario}] {clock.Elapsed.TotalSeconds:F0} s: {put():N0} user records put, {recorder.Delivered:N0} consumed");
            }
        }
        catch (OperationCanceledException)
        {
            // The scenario ended.
        }
    }

    private static async Task DeleteLeaseTableAsync(LoadTarget target, string table)
    {
        var config = new AmazonDynamoDBConfig();
        if (target.DynamoDbEndpoint is { } endpoint)
        {
            config.ServiceURL = endpoint.ToString();
            config.AuthenticationRegion = target.Region;
        }
        else
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(target.Region);
        }

        using var dynamoDb = target.Credentials is null ? new AmazonDynamoDBClient(config) : new AmazonDynamoDBClient(target.Credentials, config);
        try
        {
            await dynamoDb.DeleteTableAsync(table).ConfigureAwait(false);
        }
        catch (Amazon.DynamoDBv2.Model.ResourceNotFoundException)
        {
            // The consumer never created it.
        }
    }

    private static string Format(LoadSettings settings, LoadTarget target, List<LoadResult> results)
    {
        var rate = settings.Rate is { } r ? $", offered {r:N0} user records/s" : ", unthrottled";
        var table = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"Produce + consume against {target.Label} ({settings.Shards} shards, {settings.RecordSize}-byte user records{rate}, {Environment.ProcessorCount} cores; producer and consumer in this process)")
            .AppendLine()
            .AppendLine("| Scenario | User records | Seconds | User records/s | Latency p50 / p90 / p99 ms | Client CPU-s per million | Allocated bytes per record | User records per Kinesis record | Missing |")
            .AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var x in results)
        {
            table.AppendLine(CultureInfo.InvariantCulture, $"| {x.Scenario} | {x.UserRecords:N0} | {x.Seconds:F2} | {x.UserRecordsPerSecond:N0} | {x.LatencyP50Ms:F0} / {x.LatencyP90Ms:F0} / {x.LatencyP99Ms:F0} | {x.CpuSecondsPerMillion:F2} | {x.AllocatedBytesPerRecord:N0} | {x.UserRecordsPerKinesisRecord:F1} | {x.Missing} |");
        }

        return table.ToString();
    }

    private sealed record LoadResult(
        string Scenario,
        int UserRecords,
        int Failed,
        int Missing,
        int Redelivered,
        double ProduceSeconds,
        double Seconds,
        double UserRecordsPerSecond,
        double LatencyP50Ms,
        double LatencyP90Ms,
        double LatencyP99Ms,
        double LatencyMaxMs,
        double CpuSecondsPerMillion,
        double AllocatedBytesPerRecord,
        double UserRecordsPerKinesisRecord);
}

/// <summary>The load command's options.</summary>
internal sealed record LoadSettings(string Target, string Region, int? Records, TimeSpan? Duration, int RecordSize, int Shards, int? Rate, string Output)
{
    /// <summary>Default of <see cref="Heartbeat"/>.</summary>
    public static readonly TimeSpan DefaultHeartbeat = TimeSpan.FromSeconds(10);

    /// <summary>How often a running scenario prints a heartbeat line.</summary>
    public TimeSpan Heartbeat { get; init; } = DefaultHeartbeat;

    /// <summary>Parses the command line; on a bad one returns null and says what is wrong in <paramref name="error"/>.</summary>
    public static LoadSettings? Parse(string[] args, out string? error)
    {
        var settings = new LoadSettings("kinesalite", LocalAwsServices.Region, null, null, 100, 4, null, "results");
        for (var i = 0; i < args.Length; i += 2)
        {
            var option = args[i];
            if (i + 1 >= args.Length)
            {
                error = option.StartsWith("--", StringComparison.Ordinal) ? $"{option} needs a value" : $"unexpected argument '{option}'";
                return null;
            }

            var value = args[i + 1];
            var number = int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : (int?)null;
            var positive = $"{option} must be a whole number of at least 1, not '{value}'";
            (LoadSettings? Settings, string? Error) parsed = option switch
            {
                "--target" => value is "kinesalite" or "kinesis-local" or "aws" ? (settings with { Target = value }, null) : (null, $"--target must be kinesalite, kinesis-local or aws, not '{value}'"),
                "--region" => (settings with { Region = value }, null),
                "--records" => number is not null ? (settings with { Records = number }, null) : (null, positive),
                "--duration" => number is not null ? (settings with { Duration = TimeSpan.FromSeconds(number.Value) }, null) : (null, positive),
                "--record-size" => number is >= DeliveryRecorder.HeaderSize and <= 1_048_576
                    ? (settings with { RecordSize = number.Value }, null)
                    : (null, $"--record-size must be {DeliveryRecorder.HeaderSize} to 1048576 bytes (a record carries a {DeliveryRecorder.HeaderSize}-byte header), not '{value}'"),
                "--shards" => number is not null ? (settings with { Shards = number.Value }, null) : (null, positive),
                "--rate" => number is not null ? (settings with { Rate = number }, null) : (null, positive),
                "--output" => (settings with { Output = value }, null),
                "--heartbeat" => number is not null ? (settings with { Heartbeat = TimeSpan.FromSeconds(number.Value) }, null) : (null, positive),
                _ => (null, $"unknown option '{option}'"),
            };
            if (parsed.Settings is null)
            {
                error = parsed.Error;
                return null;
            }

            settings = parsed.Settings;
        }

        error = null;
        return settings;
    }
}
