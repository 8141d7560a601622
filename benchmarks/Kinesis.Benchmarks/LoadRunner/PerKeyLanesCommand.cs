using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Amazon.Runtime;
using Kinesis.Client;
using Kinesis.Core.Api;
using Kinesis.LocalServices;

namespace Kinesis.Benchmarks.LoadRunner;

/// <summary>
/// Per-key parallelism (docs/load-runner.md, "per-key-lanes"): one shard filled beforehand with user records over many
/// partition keys, read by a <see cref="KinesisConsumer"/> whose processor waits a fixed time per record (a simulated I/O
/// call, <c>await Task.Delay</c>), with each <see cref="KinesisConsumerOptions.ParallelizationFactor"/> in turn. Reports user
/// records/s from the first record processed to the last, and checks per-key order and that every record arrived.
/// </summary>
internal static class PerKeyLanesCommand
{
    public const string Usage = "usage: per-key-lanes [--records N] [--keys N] [--delay-ms N] [--factors 1,10] [--runs N]";

    private static readonly TimeSpan RunDeadline = TimeSpan.FromMinutes(10);

    public static async Task<int> RunAsync(string[] args)
    {
        var settings = PerKeyLanesSettings.Parse(args);
        if (settings is null)
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        Console.WriteLine("Starting kinesalite and dynalite on 127.0.0.1 ...");
        var services = await LocalAwsServices.StartAsync([LocalServiceKind.Kinesalite, LocalServiceKind.Dynalite], CancellationToken.None).ConfigureAwait(false);
        try
        {
            var target = new LoadTarget("kinesalite + dynalite", LocalAwsServices.Region, services.Kinesalite.Endpoint, services.Dynalite.Endpoint, new BasicAWSCredentials(LocalAwsServices.AccessKeyId, LocalAwsServices.SecretAccessKey));
            using var api = new KinesisApiClient(target.ApiOptions());
            var stream = $"lanes-{Guid.NewGuid():N}"[..24];
            await api.CreateStreamAsync(new CreateStreamRequest { StreamName = stream, ShardCount = 1 }).ConfigureAwait(false);
            await api.WaitForStreamActiveAsync(stream, TimeSpan.FromSeconds(120)).ConfigureAwait(false);
            Console.WriteLine($"Filling {stream} (1 shard) with {settings.Records:N0} records over {settings.Keys:N0} partition keys ...");
            await FillAsync(api, stream, settings).ConfigureAwait(false);

            var table = new StringBuilder();
            table.AppendLine(CultureInfo.InvariantCulture, $"One shard, {settings.Records:N0} user records over {settings.Keys:N0} keys, processor awaiting {settings.DelayMs} ms per record (Task.Delay), polling 200 ms, kinesalite + dynalite.");
            table.AppendLine();
            table.AppendLine("| ParallelizationFactor | run | user records/s | seconds (first to last record) | lanes busy per batch | largest lane's share | per-key order | all delivered |");
            table.AppendLine("|---|---|---|---|---|---|---|---|");
            for (var run = 1; run <= settings.Runs; run++)
            {
                foreach (var factor in settings.Factors)
                {
                    var result = await MeasureAsync(target, stream, settings, factor).ConfigureAwait(false);
                    var line = string.Create(CultureInfo.InvariantCulture, $"| {factor} | {run} | {result.RecordsPerSecond:N0} | {result.Seconds:F2} | {result.LanesBusy:F1} | {LargestLaneShare(settings, factor):P1} | {(result.InOrder ? "kept" : "BROKEN")} | {(result.Complete ? "yes" : "NO")} |");
                    Console.WriteLine(line);
                    table.AppendLine(line);
                }
            }

            Console.WriteLine();
            Console.WriteLine(table);
            return 0;
        }
        finally
        {
            await services.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The share of the records in the fullest lane: the speed-up over factor 1 cannot exceed its inverse.</summary>
    private static double LargestLaneShare(PerKeyLanesSettings settings, int factor)
    {
        var perLane = new int[factor];
        for (var i = 0; i < settings.Records; i++)
        {
            perLane[Kinesis.Client.Lifecycle.PartitionKeyLanes.LaneOf($"key-{i % settings.Keys}", factor)]++;
        }

        return (double)perLane.Max() / settings.Records;
    }

    private static async Task FillAsync(KinesisApiClient api, string stream, PerKeyLanesSettings settings)
    {
        var entries = new List<PutRecordsRequestEntry>(500);
        for (var i = 0; i < settings.Records; i++)
        {
            var key = $"key-{i % settings.Keys}";
            entries.Add(new PutRecordsRequestEntry { PartitionKey = key, Data = Encoding.UTF8.GetBytes($"{key}:{i / settings.Keys}") });
            if (entries.Count == 500 || i == settings.Records - 1)
            {
                var response = await api.PutRecordsAsync(new PutRecordsRequest { StreamName = stream, Records = [.. entries] }).ConfigureAwait(false);
                if (response.FailedRecordCount > 0)
                {
                    throw new InvalidOperationException($"{response.FailedRecordCount} records failed to fill the stream.");
                }

                entries.Clear();
            }
        }
    }

    private static async Task<LaneResult> MeasureAsync(LoadTarget target, string stream, PerKeyLanesSettings settings, int factor)
    {
        var delay = TimeSpan.FromMilliseconds(settings.DelayMs);
        var lastPerKey = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var seen = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        var inOrder = true;
        long delivered = 0;
        long firstTicks = 0;
        long lastTicks = 0;
        var options = new KinesisConsumerOptions
        {
            ApplicationName = $"{stream}-{factor}-{Guid.NewGuid():N}"[..40],
            StreamName = stream,
            WorkerId = "per-key-lanes",
            InitialPosition = InitialPositionInStream.TrimHorizon,
            Kinesis = target.ApiOptions(),
            DynamoDbServiceUrl = target.DynamoDbEndpoint,
            IdleTimeBetweenReads = TimeSpan.FromMilliseconds(200),
            ParallelizationFactor = factor,
        };
        var consumer = KinesisConsumer.Create(options, async (input, cancellationToken) =>
        {
            Interlocked.CompareExchange(ref firstTicks, Stopwatch.GetTimestamp(), 0);
            foreach (var record in input.Records)
            {
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                var payload = Encoding.UTF8.GetString(record.Data.Span);
                var separator = payload.IndexOf(':', StringComparison.Ordinal);
                var n = int.Parse(payload.AsSpan(separator + 1), CultureInfo.InvariantCulture);

                // A key's records arrive in one lane, one call at a time: its numbers must rise.
                if (seen.TryAdd(payload, true) && lastPerKey.AddOrUpdate(record.PartitionKey, n, (_, previous) => n > previous ? n : -1) < 0)
                {
                    inOrder = false;
                }

                Interlocked.Increment(ref delivered);
            }

            Interlocked.Exchange(ref lastTicks, Stopwatch.GetTimestamp());
        });
        await using (consumer.ConfigureAwait(false))
        {
            await consumer.StartAsync().ConfigureAwait(false);
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < RunDeadline && Interlocked.Read(ref delivered) < settings.Records)
            {
                await Task.Delay(50).ConfigureAwait(false);
            }

            await consumer.StopAsync().ConfigureAwait(false);
            var seconds = Stopwatch.GetElapsedTime(Interlocked.Read(ref firstTicks), Interlocked.Read(ref lastTicks)).TotalSeconds;
            var lanesBusy = consumer.Counters.LaneBatches == 0 ? 1 : (double)consumer.Counters.LanesBusy / consumer.Counters.LaneBatches;
            return new LaneResult(Interlocked.Read(ref delivered) / seconds, seconds, lanesBusy, inOrder, seen.Count == settings.Records);
        }
    }

    private sealed record LaneResult(double RecordsPerSecond, double Seconds, double LanesBusy, bool InOrder, bool Complete);
}

/// <summary>The settings of <see cref="PerKeyLanesCommand"/>.</summary>
internal sealed record PerKeyLanesSettings(int Records, int Keys, int DelayMs, int[] Factors, int Runs)
{
    public static PerKeyLanesSettings? Parse(string[] args)
    {
        var settings = new PerKeyLanesSettings(5_000, 200, 5, [1, 10], 1);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            var value = args[i + 1];
            var number = int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : (int?)null;
            settings = args[i] switch
            {
                "--records" when number is not null => settings with { Records = number.Value },
                "--keys" when number is not null => settings with { Keys = number.Value },
                "--delay-ms" when number is not null => settings with { DelayMs = number.Value },
                "--runs" when number is not null => settings with { Runs = number.Value },
                "--factors" => ParseFactors(value) is { } factors ? settings with { Factors = factors } : null,
                _ => null,
            };
            if (settings is null)
            {
                return null;
            }
        }

        return args.Length % 2 == 0 ? settings : null;
    }

    private static int[]? ParseFactors(string value)
    {
        var factors = new List<int>();
        foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out var factor) || factor is < 1 or > KinesisConsumerOptions.MaxParallelizationFactor)
            {
                return null;
            }

            factors.Add(factor);
        }

        return factors.Count == 0 ? null : [.. factors];
    }
}
