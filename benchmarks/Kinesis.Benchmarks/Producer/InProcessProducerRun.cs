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
/// rate, bytes allocated per record and GC counts. <c>-- producer-inproc [--record-size 100] [--rounds 20] [--records-per-round 200000] [--metrics]</c>.
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
        var payload = new byte[recordSize];
        Random.Shared.NextBytes(payload);
        var keys = Enumerable.Range(0, 10_000).Select(i => $"partition-key-{i:D8}").ToArray();
        await using var producer = ProducerPipelineBenchmarks.CreateProducer(recordsPerRound, metricsOn);
        var tasks = new Task<UserRecordResult>[recordsPerRound];
        long requests = 0;
        long kinesisRecords = 0;
        using var requestListener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == KinesisMeterNames.Producer && instrument.Name == ProducerMetricNames.KinesisRecordsPerPutRecordsRequest)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        requestListener.SetMeasurementEventCallback<long>((_, value, _, _) =>
        {
            Interlocked.Increment(ref requests);
            Interlocked.Add(ref kinesisRecords, value);
        });
        requestListener.Start();

        async Task RoundAsync()
        {
            for (var i = 0; i < recordsPerRound; i++)
            {
                tasks[i] = producer.PutAsync(Stream, keys[i % keys.Length], payload);
            }

            await producer.FlushAsync().ConfigureAwait(false);
        }

        for (var warm = 0; warm < 3; warm++)
        {
            await RoundAsync().ConfigureAwait(false);
        }

        var process = Process.GetCurrentProcess();
        var gen0 = GC.CollectionCount(0);
        var gen1 = GC.CollectionCount(1);
        var gen2 = GC.CollectionCount(2);
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        Interlocked.Exchange(ref requests, 0);
        Interlocked.Exchange(ref kinesisRecords, 0);
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
            $"{records / wall.Elapsed.TotalSeconds:N0} records/s wall, {records / cpuSeconds:N0} records per CPU-second, {cpuSeconds * 1e9 / records:N0} ns CPU per record, " +
            $"{bytesPerRecord:N1} B allocated per record, GCs gen0/1/2 {GC.CollectionCount(0) - gen0}/{GC.CollectionCount(1) - gen1}/{GC.CollectionCount(2) - gen2}, " +
            $"{records / Math.Max(1, requests):N0} user records and {(double)kinesisRecords / Math.Max(1, requests):N1} Kinesis records per PutRecords call"));
        return 0;
    }

    private static int IntArg(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
