using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Amazon.Runtime;
using Kinesis.Core.Api;
using Kinesis.Benchmarks.Producer;
using Kinesis.Core.Metrics;
using Kinesis.LocalServices;
using Kinesis.Producer;

namespace Kinesis.Benchmarks.LoadRunner;

/// <summary>
/// End-to-end producer comparison against kinesalite, side by side in one run: one PutRecord call per
/// user record, PutRecords batches without aggregation, and <see cref="KinesisProducer"/> with and without
/// aggregation. Reports user records/s and the client's CPU-seconds per million user records (kinesalite
/// runs in its own process, so its CPU is not counted).
/// </summary>
internal static class ProducerComparison
{
    private const int Shards = 8;
    private const int Concurrency = 24;

    private const int MaxWarmUpRounds = 10;
    private const int QuietRoundMethods = 20;

    private static RuntimeEventSummary? events;

    public static async Task<int> RunAsync(string[] args)
    {
        var recordSize = IntArg(args, "--record-size", 100);
        var scale = IntArg(args, "--scale", 1);
        var output = StringArg(args, "--output", "results");

        // --only TEXT: run only the scenarios whose name contains TEXT (e.g. "aggregation (KPL" when profiling one of them).
        var only = StringArg(args, "--only", string.Empty);

        // --runtime-events: list the methods the JIT compiled and the types allocated during each scenario (diagnostic).
        using var runtimeEvents = args.Contains("--runtime-events") ? new RuntimeEventSummary() : null;
        events = runtimeEvents;
        Console.WriteLine($"Starting kinesalite on 127.0.0.1 ...");
        await using var service = await LocalServiceProcess.StartAsync(LocalServiceKind.Kinesalite);
        var credentials = new BasicAWSCredentials(LocalAwsServices.AccessKeyId, LocalAwsServices.SecretAccessKey);
        using var client = new KinesisApiClient(new KinesisApiClientOptions { Region = LocalAwsServices.Region, ServiceUrl = service.Endpoint, Credentials = credentials, MaxConnections = Concurrency });
        var payload = new byte[recordSize];
        Random.Shared.NextBytes(payload);

        var scenarios = new List<(string Name, int Records, Func<string, int, Task<ProduceOutcome>> Run)>
        {
            ("PutRecord per user record", 4_000 * scale, async (stream, n) =>
            {
                await ForEachConcurrentlyAsync(n, Concurrency, i => client.PutRecordAsync(new PutRecordRequest { StreamName = stream, PartitionKey = Key(i), Data = payload })).ConfigureAwait(false);
                return ProduceOutcome.None;
            }),
            ("PutRecords (500/call), no aggregation", 20_000 * scale, async (stream, n) =>
            {
                var batches = (n + 499) / 500;
                await ForEachConcurrentlyAsync(batches, Concurrency, b =>
                {
                    var entries = Enumerable.Range(b * 500, Math.Min(500, n - (b * 500)))
                        .Select(i => new PutRecordsRequestEntry { PartitionKey = Key(i), Data = payload }).ToArray();
                    return client.PutRecordsAsync(new PutRecordsRequest { StreamName = stream, Records = entries });
                }).ConfigureAwait(false);
                return ProduceOutcome.None;
            }),
            ("KinesisProducer, no aggregation", 20_000 * scale, (stream, n) => ProduceAsync(service.Endpoint, credentials, stream, n, payload, aggregation: false)),
            ("KinesisProducer, aggregation (KPL format)", 400_000 * scale, (stream, n) => ProduceAsync(service.Endpoint, credentials, stream, n, payload, aggregation: true)),

            // As above, but putting waits while 25,000 records are unresolved (as the load runner does), instead of handing
            // the producer every record at once: how much of the figure is the cost of holding a burst in memory.
            ("KinesisProducer, aggregation, closed loop (25,000 unresolved)", 400_000 * scale, (stream, n) => ProduceAsync(service.Endpoint, credentials, stream, n, payload, aggregation: true, maxUnresolved: 25_000)),
        };
        // --warm-up N: before anything is measured, put N records through the aggregating producer (open loop, then closed
        // loop) on a stream of its own and wait until tiered compilation has settled, so that the figures are those of a
        // process that has run a while (steady state) instead of one that is still compiling its hot paths. The Node.js
        // peer gets the same: N records through its own pipeline, in its process, before its measured run.
        var warmUp = IntArg(args, "--warm-up", 0);
        var warmedUpWith = 0;
        if (warmUp > 0)
        {
            warmedUpWith = await WarmUpAsync(warmUp, client, service.Endpoint, credentials, payload).ConfigureAwait(false);
        }

        var results = new List<Result>();
        foreach (var (name, records, run) in scenarios.Where(s => s.Name.Contains(only, StringComparison.Ordinal)))
        {
            results.Add(await MeasureAsync(name, records, client, run));
        }

        if (NodePeer.Name.Contains(only, StringComparison.Ordinal) && await NodePeer.PrepareAsync() is { } peerDirectory)
        {
            results.Add(await MeasurePeerAsync(peerDirectory, 400_000 * scale, recordSize, warmedUpWith, client, service.Endpoint));
        }

        var baseline = results.Find(r => r.Scenario == scenarios[0].Name)?.CpuSecondsPerMillion ?? double.NaN;
        var table = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"Producer end to end against kinesalite ({Shards} shards, {recordSize}-byte user records, {Environment.ProcessorCount} cores, {(warmUp > 0 ? $"after a warm-up of {warmedUpWith:N0} records per client" : "cold processes: JIT compilation included")})")
            .AppendLine()
            .AppendLine("| Scenario | User records | Seconds | User records/s | Client CPU-s per million | vs PutRecord |")
            .AppendLine("|---|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            table.AppendLine(CultureInfo.InvariantCulture, $"| {r.Scenario} | {r.Records:N0} | {r.Seconds:F2} | {r.RecordsPerSecond:N0} | {r.CpuSecondsPerMillion:F2} | {baseline / r.CpuSecondsPerMillion:F1}x less CPU |");
        }

        var failed = results.Where(r => r.FailedRecords > 0).ToList();
        if (failed.Count > 0)
        {
            table.AppendLine();
            foreach (var r in failed)
            {
                table.AppendLine(CultureInfo.InvariantCulture, $"FAILED: {r.Scenario}: {r.FailedRecords:N0} of {r.Records:N0} user records failed; first error: {r.FirstError}");
            }
        }

        Console.WriteLine();
        Console.WriteLine(table);
        Directory.CreateDirectory(output);
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        await File.WriteAllTextAsync(Path.Combine(output, $"producer-e2e-{stamp}.md"), table.ToString());
        await File.WriteAllTextAsync(Path.Combine(output, $"producer-e2e-{stamp}.json"), JsonSerializer.Serialize(results, new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine($"Written to {Path.GetFullPath(output)}");

        // A failed record makes the figures meaningless: say so in the exit code, as the load runner does for missed records.
        return failed.Count > 0 ? 1 : 0;
    }

    /// <summary>
    /// Runs the aggregating producer unmeasured on a stream of its own: <paramref name="records"/> records open loop, then
    /// closed-loop rounds of <paramref name="records"/> until a round compiles at most <see cref="QuietRoundMethods"/>
    /// methods (at most <see cref="MaxWarmUpRounds"/> rounds: what runs once per PutRecords call needs dozens of calls to
    /// reach its final tier), then waits until the JIT has compiled nothing new for a second (at most 30 s): the tier-1
    /// compilations run on a background thread and would otherwise be counted in the first scenario. Returns the records put.
    /// </summary>
    private static async Task<int> WarmUpAsync(int records, KinesisApiClient client, Uri endpoint, AWSCredentials credentials, byte[] payload)
    {
        Console.WriteLine($"  Warm-up: {records:N0} records through the aggregating producer open loop, then closed-loop rounds of as many until the JIT is quiet (not measured) ...");
        var stream = $"warmup-{Guid.NewGuid():N}"[..24];
        await client.CreateStreamAsync(new CreateStreamRequest { StreamName = stream, ShardCount = Shards }).ConfigureAwait(false);
        await client.WaitForStreamActiveAsync(stream, TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        var outcome = await ProduceAsync(endpoint, credentials, stream, records, payload, aggregation: true).ConfigureAwait(false);
        var failed = outcome.Failed;
        var firstError = outcome.FirstError;
        var rounds = 0;
        var compiledInRound = long.MaxValue;
        while (rounds < MaxWarmUpRounds && compiledInRound > QuietRoundMethods)
        {
            var before = System.Runtime.JitInfo.GetCompiledMethodCount();
            outcome = await ProduceAsync(endpoint, credentials, stream, records, payload, aggregation: true, maxUnresolved: 25_000).ConfigureAwait(false);
            compiledInRound = System.Runtime.JitInfo.GetCompiledMethodCount() - before;
            failed += outcome.Failed;
            firstError ??= outcome.FirstError;
            rounds++;
        }

        if (failed > 0)
        {
            Console.WriteLine($"    warm-up: {failed:N0} records failed; first error: {firstError}");
        }

        await client.DeleteStreamAsync(new DeleteStreamRequest { StreamName = stream }).ConfigureAwait(false);
        var settle = Stopwatch.StartNew();
        var compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
        while (settle.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
            var now = System.Runtime.JitInfo.GetCompiledMethodCount();
            if (now == compiled)
            {
                break;
            }

            compiled = now;
        }

        GC.Collect();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {rounds} closed-loop rounds (the last compiled {compiledInRound} methods); JIT settled after {settle.Elapsed.TotalSeconds:F0} s ({compiled} methods compiled in the process)"));
        return records * (rounds + 1);
    }

    /// <summary>
    /// Puts <paramref name="n"/> records through a new producer and waits for all of them. A record that fails is counted
    /// (the first error kept for the report), never thrown: one failure must not end the comparison.
    /// </summary>
    internal static async Task<ProduceOutcome> ProduceAsync(Uri endpoint, AWSCredentials credentials, string stream, int n, byte[] payload, bool aggregation, int maxUnresolved = int.MaxValue)
    {
        await using var producer = new KinesisProducer(new KinesisProducerOptions
        {
            Region = LocalAwsServices.Region,
            ServiceUrl = endpoint,
            Credentials = credentials,
            AggregationEnabled = aggregation,
            MaxConnections = Concurrency,

            // kinesalite does not enforce shard limits; the comparison measures the client, not the limiter.
            RateLimit = 100_000,
        });
        var tasks = new Task<UserRecordResult>[n];
        var outcome = new ProduceOutcome();
        for (var i = 0; i < n; i++)
        {
            if (i >= maxUnresolved)
            {
                await outcome.ObserveAsync(tasks[i - maxUnresolved]).ConfigureAwait(false);
            }

            tasks[i] = producer.PutAsync(stream, Key(i), payload);
        }

        for (var i = Math.Max(0, n - maxUnresolved); i < n; i++)
        {
            await outcome.ObserveAsync(tasks[i]).ConfigureAwait(false);
        }

        return outcome;
    }

    private static async Task<Result> MeasureAsync(string scenario, int records, KinesisApiClient client, Func<string, int, Task<ProduceOutcome>> run)
    {
        var stream = $"compare-{Guid.NewGuid():N}"[..24];
        await client.CreateStreamAsync(new CreateStreamRequest { StreamName = stream, ShardCount = Shards }).ConfigureAwait(false);
        await client.WaitForStreamActiveAsync(stream, TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        GC.Collect();
        var process = Process.GetCurrentProcess();
        var jit0 = System.Runtime.JitInfo.GetCompilationTime();
        var jitMethods0 = System.Runtime.JitInfo.GetCompiledMethodCount();
        var allocated0 = GC.GetTotalAllocatedBytes(precise: true);
        var gcPause0 = GC.GetTotalPauseDuration();
        var gen0 = GC.CollectionCount(0);
        var gen1 = GC.CollectionCount(1);
        var gen2 = GC.CollectionCount(2);
        var workItems0 = ThreadPool.CompletedWorkItemCount;
        using var calls = new PutRecordsCallCounter();
        events?.Start();
        var cpu0 = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var outcome = await run(stream, records).ConfigureAwait(false);
        clock.Stop();
        var summary = events?.Stop(records);
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpu0).TotalSeconds;
        var result = new Result(scenario, records, clock.Elapsed.TotalSeconds, records / clock.Elapsed.TotalSeconds, cpu / records * 1_000_000, outcome.Failed, outcome.FirstError);
        Console.WriteLine($"  {scenario}: {result.RecordsPerSecond:N0} user records/s, {result.CpuSecondsPerMillion:F2} CPU-s per million");
        if (outcome.Failed > 0)
        {
            Console.WriteLine($"    FAILED: {outcome.Failed:N0} user records; first error: {outcome.FirstError}");
        }

        // Where some of that CPU went, for reading the figure (JIT threads and GC count in the process's CPU time).
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"    CPU {cpu:F2} s: JIT {(System.Runtime.JitInfo.GetCompilationTime() - jit0).TotalSeconds:F2} s ({System.Runtime.JitInfo.GetCompiledMethodCount() - jitMethods0} methods), " +
            $"GC pauses {(GC.GetTotalPauseDuration() - gcPause0).TotalSeconds:F2} s ({GC.CollectionCount(0) - gen0} GCs, gen1 {GC.CollectionCount(1) - gen1}, gen2 {GC.CollectionCount(2) - gen2}), " +
            $"{(double)(GC.GetTotalAllocatedBytes(precise: true) - allocated0) / records:N0} B allocated per user record, " +
            $"{ThreadPool.CompletedWorkItemCount - workItems0:N0} thread-pool work items"));
        if (summary is not null)
        {
            Console.Write(summary);
        }

        if (calls.Requests > 0)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {calls.Requests:N0} producer PutRecords calls of {(double)calls.KinesisRecords / calls.Requests:N1} Kinesis records and {(double)records / calls.Requests:N0} user records on average"));
        }
        await client.DeleteStreamAsync(new DeleteStreamRequest { StreamName = stream }).ConfigureAwait(false);
        return result;
    }

    /// <summary>Runs the Node.js peer in its own process; its CPU is what it reports for its own process.</summary>
    private static async Task<Result> MeasurePeerAsync(string directory, int records, int recordSize, int warmUp, KinesisApiClient client, Uri endpoint)
    {
        var stream = $"compare-{Guid.NewGuid():N}"[..24];
        await client.CreateStreamAsync(new CreateStreamRequest { StreamName = stream, ShardCount = Shards }).ConfigureAwait(false);
        await client.WaitForStreamActiveAsync(stream, TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        var (seconds, cpuSeconds) = await NodePeer.RunAsync(directory, endpoint, stream, records, recordSize, Concurrency, warmUp).ConfigureAwait(false);
        var result = new Result(NodePeer.Name, records, seconds, records / seconds, cpuSeconds / records * 1_000_000);
        Console.WriteLine($"  {NodePeer.Name}: {result.RecordsPerSecond:N0} user records/s, {result.CpuSecondsPerMillion:F2} CPU-s per million (the node process's own CPU)");
        await client.DeleteStreamAsync(new DeleteStreamRequest { StreamName = stream }).ConfigureAwait(false);
        return result;
    }

    private static async Task ForEachConcurrentlyAsync(int count, int concurrency, Func<int, Task> action)
    {
        var next = -1;
        var workers = Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                await action(i).ConfigureAwait(false);
            }
        });
        await Task.WhenAll(workers).ConfigureAwait(false);
    }

    // The 5,000 partition keys, made once: building a key string per record would be the benchmark's own allocation
    // (~50 B per record), not the producer's. The Node.js peer takes its keys from such a table too.
    private static readonly string[] Keys = [.. Enumerable.Range(0, 5000).Select(i => string.Create(CultureInfo.InvariantCulture, $"user-{i:D6}"))];

    private static string Key(int i) => Keys[i % Keys.Length];

    private static int IntArg(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static string StringArg(string[] args, string name, string fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
    }

    private sealed record Result(string Scenario, int Records, double Seconds, double RecordsPerSecond, double CpuSecondsPerMillion, long FailedRecords = 0, string? FirstError = null);
}
