using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Runtime;
using Kinesis.Core.Metrics;
using Kinesis.Producer;

namespace Kinesis.Benchmarks.Producer;

/// <summary>
/// The in-process pipeline of <see cref="ProducerPipelineBenchmarks"/> run for a fixed number of rounds, reporting what
/// BenchmarkDotNet does not: process CPU time (so "per core" is records per CPU-second, GC threads included), wall-clock
/// rate, bytes allocated per record and GC counts. <c>-- producer-inproc [--record-size 100] [--rounds 20] [--records-per-round 200000] [--metrics] [--put-only]</c>.
/// </summary>
internal static class InProcessProducerRun
{
    private const string Stream = "bench";

    public static async Task<int> RunAsync(string[] args)
    {
        var recordSize = IntArg(args, "--record-size", 100);
        var rounds = IntArg(args, "--rounds", 20);
        var metricsOn = args.Contains("--metrics");
        var recordsPerRound = IntArg(args, "--records-per-round", 200_000);
        if (args.Contains("--put-only"))
        {
            return await PutOnlyAsync(recordSize, rounds, recordsPerRound).ConfigureAwait(false);
        }

        var payload = new byte[recordSize];
        Random.Shared.NextBytes(payload);
        var keys = Enumerable.Range(0, 10_000).Select(i => $"partition-key-{i:D8}").ToArray();
        await using var producer = ProducerPipelineBenchmarks.CreateProducer(recordsPerRound, metricsOn);
        var tasks = new Task<UserRecordResult>[recordsPerRound];
        using var calls = new PutRecordsCallCounter();

        var putTicks = 0L;
        async Task RoundAsync()
        {
            var started = Stopwatch.GetTimestamp();
            for (var i = 0; i < recordsPerRound; i++)
            {
                tasks[i] = producer.PutAsync(Stream, keys[i % keys.Length], payload);
            }

            putTicks += Stopwatch.GetTimestamp() - started;
            await producer.FlushAsync().ConfigureAwait(false);
        }

        // Warm up until tiered compilation settles: five rounds in a row that compile almost nothing (at most 200 rounds).
        // With both cores busy the tiering thread lags far behind: after 8 rounds the JIT was still a tenth of the CPU
        // measured, and on this 2-core machine it takes about 40 rounds of 200,000 records to settle.
        var warmRounds = 0;
        var quietRounds = 0;
        while (quietRounds < 5 && warmRounds < 200)
        {
            var compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
            await RoundAsync().ConfigureAwait(false);
            warmRounds++;
            quietRounds = System.Runtime.JitInfo.GetCompiledMethodCount() - compiled <= 5 ? quietRounds + 1 : 0;
        }

        putTicks = 0;
        var process = Process.GetCurrentProcess();
        var gen0 = GC.CollectionCount(0);
        var gen1 = GC.CollectionCount(1);
        var gen2 = GC.CollectionCount(2);
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var paused = GC.GetTotalPauseDuration();
        var workItems = ThreadPool.CompletedWorkItemCount;
        var jitTime = System.Runtime.JitInfo.GetCompilationTime();
        var jitMethods = System.Runtime.JitInfo.GetCompiledMethodCount();
        calls.Reset();
        process.Refresh();
        var cpu = process.TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        for (var round = 0; round < rounds; round++)
        {
            await RoundAsync().ConfigureAwait(false);
        }

        wall.Stop();
        process.Refresh();
        var cpuSeconds = (process.TotalProcessorTime - cpu).TotalSeconds;
        var records = (double)recordsPerRound * rounds;
        var bytesPerRecord = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / records;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{recordSize} B, metrics {(metricsOn ? "detailed/shard" : "off")}, {Environment.ProcessorCount} cores, {(GCSettings.IsServerGC ? "server" : "workstation")} GC: " +
            $"{records / wall.Elapsed.TotalSeconds:N0} records/s wall ({putTicks * 1e9 / Stopwatch.Frequency / records:N0} ns per record in the PutAsync loop), {records / cpuSeconds:N0} records per CPU-second, {cpuSeconds * 1e9 / records:N0} ns CPU per record, " +
            $"{bytesPerRecord:N1} B allocated per record ({System.Runtime.CompilerServices.Unsafe.SizeOf<Kinesis.Producer.Pipeline.UserRecord>()} B slot per record in flight), GCs gen0/1/2 {GC.CollectionCount(0) - gen0}/{GC.CollectionCount(1) - gen1}/{GC.CollectionCount(2) - gen2} " +
            $"pausing {(GC.GetTotalPauseDuration() - paused).TotalMilliseconds / wall.Elapsed.TotalMilliseconds:P0} of the time, " +
            $"{records / Math.Max(1, calls.Requests):N0} user records and {(double)calls.KinesisRecords / Math.Max(1, calls.Requests):N1} Kinesis records per PutRecords call, " +
            $"{(ThreadPool.CompletedWorkItemCount - workItems) / wall.Elapsed.TotalSeconds:N0} thread-pool work items per second, " +
            $"JIT {(System.Runtime.JitInfo.GetCompilationTime() - jitTime).TotalMilliseconds / wall.Elapsed.TotalMilliseconds:P1} of the time ({System.Runtime.JitInfo.GetCompiledMethodCount() - jitMethods} methods) after {warmRounds} warm-up rounds"));
        return 0;
    }

    /// <summary>
    /// The cost of <see cref="KinesisProducer.PutAsync"/> alone, on the calling thread: PutRecords never answers, so the
    /// send loop idles and nothing competes for the cores. Each round uses a new producer.
    /// </summary>
    private static async Task<int> PutOnlyAsync(int recordSize, int rounds, int recordsPerRound)
    {
        var payload = new byte[recordSize];
        var keys = Enumerable.Range(0, 10_000).Select(i => $"partition-key-{i:D8}").ToArray();
        var tasks = new Task<UserRecordResult>[recordsPerRound];
        var best = double.MaxValue;
        var total = 0.0;
        for (var round = 0; round < rounds; round++)
        {
            var nanoseconds = await TimePutsAsync(payload, keys, tasks).ConfigureAwait(false);
            best = Math.Min(best, nanoseconds);
            total += nanoseconds;

            // Disposal failed the records (shutdown); let that finish before the next round is timed.
            await Task.WhenAll(tasks).ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
            GC.Collect();
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{recordSize} B, PutAsync alone (send loop idle): {total / rounds:N0} ns per record on average over {rounds} rounds of {recordsPerRound:N0}, best {best:N0} ns"));
        return 0;
    }

    private static async Task<double> TimePutsAsync(byte[] payload, string[] keys, Task<UserRecordResult>[] tasks)
    {
        await using var producer = ProducerPipelineBenchmarks.CreateProducer(tasks.Length + 1, detailedShardMetrics: false, options =>
        {
            options.HttpMessageHandler = new InMemoryKinesisHandler(shardCount: 16) { HangPutRecords = true };
            options.MaxConnections = 1;
            options.RecordMaxBufferedTime = TimeSpan.FromMinutes(10);
            options.ShutdownTimeout = TimeSpan.Zero;
        });

        // The first record loads the shard map; give it time so the timed records are routed, not held for the map.
        _ = producer.PutAsync(Stream, "warm-up", payload);
        await Task.Delay(TimeSpan.FromMilliseconds(300)).ConfigureAwait(false);
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < tasks.Length; i++)
        {
            tasks[i] = producer.PutAsync(Stream, keys[i % keys.Length], payload);
        }

        return Stopwatch.GetElapsedTime(started).TotalNanoseconds / tasks.Length;
    }

    private static int IntArg(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
