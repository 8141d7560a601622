using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Text;
using System.Text.Json;
using Amazon.Runtime;
using Kinesis.Client;
using Kinesis.Core.Api;
using Kinesis.LocalServices;

namespace Kinesis.Benchmarks.LoadRunner;

/// <summary>
/// What a consumer costs on its own (docs/load-runner.md, "consumer-cost"): CPU-seconds per million user records read
/// from a stream filled beforehand (the console consumer printing JSON lines, a Node.js peer doing the same job, and the
/// library with a no-op processor, polling and fan-out), each beyond an idle run of the same length; and the idle cost of
/// a worker (% of a core, CPU per poll, start-up CPU) for a few shard counts and polling intervals.
/// </summary>
internal static class ConsumerCostCommand
{
    public const string Usage =
        "usage: consumer-cost [--records N] [--fan-out-records N] [--shards N] [--record-size BYTES] [--idle-seconds N] [--settle-seconds N] [--runs N]\n" +
        "                     [--console-consumer DLL] [--only TEXT] [--output DIR]";

    private const string ConsoleName = "kinesis-console-consumer (polling 200 ms, JSON lines to /dev/null)";
    private const string NodeName = "Node.js peer (SDK v3 GetRecords loop, aws-kinesis-agg, JSON lines to /dev/null)";
    private const string PollingName = "KinesisConsumer, no-op processor, polling 200 ms";
    private const string FanOutName = "KinesisConsumer, no-op processor, fan-out";
    private static readonly TimeSpan ConsolePollInterval = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan RunDeadline = TimeSpan.FromMinutes(10);
    private static readonly Dictionary<string, string> ChildEnvironment = new()
    {
        ["AWS_ACCESS_KEY_ID"] = LocalAwsServices.AccessKeyId,
        ["AWS_SECRET_ACCESS_KEY"] = LocalAwsServices.SecretAccessKey,
        ["AWS_REGION"] = LocalAwsServices.Region,
    };

    public static async Task<int> RunAsync(string[] args)
    {
        var settings = ConsumerCostSettings.Parse(args);
        if (settings is null)
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        var nodePeer = await NodePeer.PrepareAsync().ConfigureAwait(false);
        if (nodePeer is null)
        {
            Console.Error.WriteLine("consumer-cost needs Node.js and npm (the stream is filled by the Node.js peer's aws-kinesis-agg).");
            return 1;
        }

        var consoleConsumer = settings.ConsoleConsumer ?? FindConsoleConsumer();
        if (consoleConsumer is null)
        {
            Console.WriteLine("  kinesis-console-consumer not found: build it first (dotnet build samples/ConsoleConsumer -c Release); its rows are skipped.");
        }

        Console.WriteLine("Starting kinesalite, kinesis-local and dynalite on 127.0.0.1 ...");
        var services = await LocalAwsServices.StartAsync([LocalServiceKind.Kinesalite, LocalServiceKind.KinesisLocal, LocalServiceKind.Dynalite], CancellationToken.None).ConfigureAwait(false);
        try
        {
            var credentials = new BasicAWSCredentials(LocalAwsServices.AccessKeyId, LocalAwsServices.SecretAccessKey);
            var kinesalite = new LoadTarget("kinesalite + dynalite", LocalAwsServices.Region, services.Kinesalite.Endpoint, services.Dynalite.Endpoint, credentials);
            var kinesisLocal = new LoadTarget("kinesis-local + dynalite", LocalAwsServices.Region, services.KinesisLocal.Endpoint, services.Dynalite.Endpoint, credentials);
            using var kinesaliteApi = new KinesisApiClient(kinesalite.ApiOptions());
            using var kinesisLocalApi = new KinesisApiClient(kinesisLocal.ApiOptions());

            var perRecord = new List<PerRecordResult>();
            var idle = new List<IdleResult>();
            for (var run = 1; run <= settings.Runs; run++)
            {
                Console.WriteLine($"Run {run} of {settings.Runs}");
                var filled = await CreateStreamAsync(kinesaliteApi, settings.Shards).ConfigureAwait(false);
                var empty = await CreateStreamAsync(kinesaliteApi, settings.Shards).ConfigureAwait(false);
                if (settings.Includes(ConsoleName) || settings.Includes(NodeName) || settings.Includes(PollingName))
                {
                    Console.WriteLine($"  filling {filled} with {settings.Records:N0} user records (aws-kinesis-agg, 1 MB aggregates) ...");
                    await NodePeer.RunAsync(nodePeer, kinesalite.KinesisEndpoint!, filled, settings.Records, settings.RecordSize, 24).ConfigureAwait(false);
                }

                if (consoleConsumer is not null && settings.Includes(ConsoleName))
                {
                    perRecord.Add(await MeasureChildAsync(ConsoleName, settings.Records, seconds => ConsoleArguments(consoleConsumer, kinesalite, filled, empty, settings.Records, seconds)).ConfigureAwait(false));
                }

                if (settings.Includes(NodeName))
                {
                    perRecord.Add(await MeasureChildAsync(NodeName, settings.Records, seconds => NodeArguments(nodePeer, kinesalite, filled, empty, settings.Records, seconds)).ConfigureAwait(false));
                }

                if (run == 1)
                {
                    await WarmUpAsync(kinesalite, filled).ConfigureAwait(false);
                }

                if (settings.Includes(PollingName))
                {
                    perRecord.Add(await MeasureLibraryAsync(PollingName, kinesalite, filled, empty, settings.Records, RetrievalMode.Polling).ConfigureAwait(false));
                }

                if (settings.Includes(FanOutName))
                {
                    var fanOutFilled = await CreateStreamAsync(kinesisLocalApi, settings.Shards).ConfigureAwait(false);
                    var fanOutEmpty = await CreateStreamAsync(kinesisLocalApi, settings.Shards).ConfigureAwait(false);
                    Console.WriteLine($"  filling {fanOutFilled} (kinesis-local) with {settings.FanOutRecords:N0} user records ...");
                    await NodePeer.RunAsync(nodePeer, kinesisLocal.KinesisEndpoint!, fanOutFilled, settings.FanOutRecords, settings.RecordSize, 24).ConfigureAwait(false);
                    perRecord.Add(await MeasureLibraryAsync(FanOutName, kinesisLocal, fanOutFilled, fanOutEmpty, settings.FanOutRecords, RetrievalMode.FanOut).ConfigureAwait(false));
                }

                if (consoleConsumer is not null && settings.Includes("idle console"))
                {
                    var stream = await CreateStreamAsync(kinesaliteApi, settings.Shards).ConfigureAwait(false);
                    idle.Add(await MeasureConsoleIdleAsync(consoleConsumer, kinesalite, stream, settings.Shards, settings.IdleSeconds).ConfigureAwait(false));
                }

                foreach (var shards in new[] { 4, 64 })
                {
                    foreach (var interval in new[] { TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(200) })
                    {
                        if (settings.Includes($"idle {shards} shards {interval.TotalMilliseconds} ms"))
                        {
                            var stream = await CreateStreamAsync(kinesaliteApi, shards).ConfigureAwait(false);
                            idle.Add(await MeasureLibraryIdleAsync(kinesalite, stream, shards, interval, settings.IdleSeconds, settings.SettleSeconds).ConfigureAwait(false));
                        }
                    }
                }
            }

            var table = Format(settings, perRecord, idle);
            Console.WriteLine();
            Console.WriteLine(table);
            Directory.CreateDirectory(settings.Output);
            var stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
            await File.WriteAllTextAsync(Path.Combine(settings.Output, $"consumer-cost-{stamp}.md"), table).ConfigureAwait(false);
            await File.WriteAllTextAsync(Path.Combine(settings.Output, $"consumer-cost-{stamp}.json"), JsonSerializer.Serialize(new { settings, perRecord, idle }, new JsonSerializerOptions { WriteIndented = true })).ConfigureAwait(false);
            Console.WriteLine($"Written to {Path.GetFullPath(settings.Output)}");
            return 0;
        }
        finally
        {
            await services.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static async Task<string> CreateStreamAsync(KinesisApiClient api, int shards)
    {
        var stream = $"cost-{Guid.NewGuid():N}"[..24];
        await api.CreateStreamAsync(new CreateStreamRequest { StreamName = stream, ShardCount = shards }).ConfigureAwait(false);
        await api.WaitForStreamActiveAsync(stream, TimeSpan.FromSeconds(120)).ConfigureAwait(false);
        return stream;
    }

    // A child process reading the filled stream to its end, then the same program as long on the empty stream.
    private static async Task<PerRecordResult> MeasureChildAsync(string name, int records, Func<double?, (string File, string[] Arguments, string? Directory)> arguments)
    {
        var (file, args, directory) = arguments(null);
        var (seconds, cpu, _) = await ChildProcessCpu.Start(file, args, directory, ChildEnvironment).WaitAsync().ConfigureAwait(false);
        (file, args, directory) = arguments(seconds);
        var (idleSeconds, idleCpu, _) = await ChildProcessCpu.Start(file, args, directory, ChildEnvironment).WaitAsync().ConfigureAwait(false);
        return Report(new PerRecordResult(name, records, seconds, cpu, idleSeconds, idleCpu, null));
    }

    private static (string, string[], string?) ConsoleArguments(string dll, LoadTarget target, string filled, string empty, int records, double? idleSeconds) =>
        ("dotnet",
        [
            dll, "--stream", idleSeconds is null ? filled : empty, "--region", target.Region, "--kinesis-endpoint", target.KinesisEndpoint!.ToString(),
            "--dynamodb-endpoint", target.DynamoDbEndpoint!.ToString(), "--initial-position", "trim-horizon",
            .. idleSeconds is { } seconds
                ? new[] { "--exit-when-idle", seconds.ToString("F1", CultureInfo.InvariantCulture) }
                : ["--max-records", records.ToString(CultureInfo.InvariantCulture)],
        ],
        null);

    private static (string, string[], string?) NodeArguments(string directory, LoadTarget target, string filled, string empty, int records, double? idleSeconds) =>
        ("node",
        [
            "consumer.cjs", target.KinesisEndpoint!.ToString(), idleSeconds is null ? filled : empty, idleSeconds is null ? records.ToString(CultureInfo.InvariantCulture) : "0",
            (idleSeconds ?? 0).ToString("F1", CultureInfo.InvariantCulture), ConsolePollInterval.TotalMilliseconds.ToString(CultureInfo.InvariantCulture),
            LocalAwsServices.AccessKeyId, LocalAwsServices.SecretAccessKey, LocalAwsServices.Region,
        ],
        directory);

    // The library in this process: a worker with a no-op processor (counts, checkpoints each batch as the console consumer
    // does) from construction until every record arrived and the worker stopped, then the same on the empty stream.
    private static async Task<PerRecordResult> MeasureLibraryAsync(string name, LoadTarget target, string filled, string empty, int records, RetrievalMode retrieval)
    {
        var (seconds, cpu, allocated, delivered) = await RunLibraryAsync(target, filled, records, null, retrieval, ConsolePollInterval).ConfigureAwait(false);
        if (delivered < records)
        {
            throw new InvalidOperationException($"{name}: only {delivered:N0} of {records:N0} records arrived within {RunDeadline.TotalMinutes} minutes.");
        }

        var (idleSeconds, idleCpu, idleAllocated, _) = await RunLibraryAsync(target, empty, 0, TimeSpan.FromSeconds(seconds), retrieval, ConsolePollInterval).ConfigureAwait(false);
        return Report(new PerRecordResult(name, records, seconds, cpu, idleSeconds, idleCpu, (double)(allocated - idleAllocated) / records));
    }

    private static async Task<(double Seconds, double CpuSeconds, long Allocated, long Delivered)> RunLibraryAsync(LoadTarget target, string stream, int records, TimeSpan? idle, RetrievalMode retrieval, TimeSpan interval)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var process = Process.GetCurrentProcess();
        var cpu0 = process.TotalProcessorTime;
        var allocated0 = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        long delivered = 0;
        var consumer = KinesisConsumer.Create(LibraryOptions(target, stream, retrieval, interval), async (input, cancellationToken) =>
        {
            Interlocked.Add(ref delivered, input.Records.Count);
            await input.Checkpointer.CheckpointAsync(input.Records[^1], cancellationToken).ConfigureAwait(false);
        });
        await using (consumer.ConfigureAwait(false))
        {
            await consumer.StartAsync().ConfigureAwait(false);
            while (clock.Elapsed < RunDeadline && (idle is { } length ? clock.Elapsed < length : Interlocked.Read(ref delivered) < records))
            {
                await Task.Delay(20).ConfigureAwait(false);
            }

            await consumer.StopAsync().ConfigureAwait(false);
        }

        var seconds = clock.Elapsed.TotalSeconds;
        process.Refresh();
        return (seconds, (process.TotalProcessorTime - cpu0).TotalSeconds, GC.GetTotalAllocatedBytes(precise: true) - allocated0, Interlocked.Read(ref delivered));
    }

    // The library's code paths compiled and tiered up before anything in this process is measured (as BenchmarkDotNet warms
    // up): a worker with short lease, taker and shard-sync intervals reads the filled stream for a while. The child
    // processes get no such help; their figures include their JIT.
    private static async Task WarmUpAsync(LoadTarget target, string stream)
    {
        Console.WriteLine("  warming up the library in this process (20 s) ...");
        var options = LibraryOptions(target, stream, RetrievalMode.Polling, TimeSpan.FromMilliseconds(50));
        options.MaxRecords = 1000;
        options.ShardSyncInterval = TimeSpan.FromSeconds(1);

        // Renewals every ~0.3 s: the renewer's path is called often enough to reach its final tier before the idle windows.
        options.Leases = new LeaseManagementOptions { FailoverTime = TimeSpan.FromSeconds(1), TakerInterval = TimeSpan.FromMilliseconds(250), TableActivePollInterval = TimeSpan.FromMilliseconds(50) };
        var consumer = KinesisConsumer.Create(options, (input, cancellationToken) => input.Checkpointer.CheckpointAsync(input.Records[^1], cancellationToken));
        await using (consumer.ConfigureAwait(false))
        {
            await consumer.StartAsync().ConfigureAwait(false);
            await Task.Delay(TimeSpan.FromSeconds(20)).ConfigureAwait(false);
            await consumer.StopAsync().ConfigureAwait(false);
        }
    }

    private static KinesisConsumerOptions LibraryOptions(LoadTarget target, string stream, RetrievalMode retrieval, TimeSpan interval) => new()
    {
        ApplicationName = $"{stream}-{Guid.NewGuid():N}"[..40],
        StreamName = stream,
        WorkerId = "consumer-cost",
        InitialPosition = InitialPositionInStream.TrimHorizon,
        Kinesis = target.ApiOptions(),
        DynamoDbServiceUrl = target.DynamoDbEndpoint,
        IdleTimeBetweenReads = interval,
        Retrieval = retrieval,
    };

    // A worker with default lease timings on an empty stream: start-up until every shard was read once, then the
    // steady cost over a window that includes renewals, taker runs and (with the default 60 s) a shard sync.
    private static async Task<IdleResult> MeasureLibraryIdleAsync(LoadTarget target, string stream, int shards, TimeSpan interval, int windowSeconds, int settleSeconds)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var process = Process.GetCurrentProcess();
        var cpu0 = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var consumer = KinesisConsumer.Create(LibraryOptions(target, stream, RetrievalMode.Polling, interval), (_, _) => Task.CompletedTask);
        await using (consumer.ConfigureAwait(false))
        {
            await consumer.StartAsync().ConfigureAwait(false);
            while (clock.Elapsed < RunDeadline && (consumer.HeldShardIds.Count < shards || consumer.Counters.GetRecordsCalls < shards))
            {
                await Task.Delay(20).ConfigureAwait(false);
            }

            process.Refresh();
            var startup = (process.TotalProcessorTime - cpu0).TotalSeconds;
            var startupSeconds = clock.Elapsed.TotalSeconds;

            // Let the first taker run and the JIT's second tier settle before the window opens.
            await Task.Delay(TimeSpan.FromSeconds(settleSeconds)).ConfigureAwait(false);

            // The census reads /proc before the window opens and after it closes, so that its own work is not in the window.
            var threads1 = ThreadCpuCensus.Take();
            process.Refresh();
            var cpu1 = process.TotalProcessorTime;
            var polls1 = consumer.Counters.GetRecordsCalls;
            var (jitMethods1, jitTime1) = (JitInfo.GetCompiledMethodCount(), JitInfo.GetCompilationTime());
            await Task.Delay(TimeSpan.FromSeconds(windowSeconds)).ConfigureAwait(false);
            process.Refresh();
            var cpu = (process.TotalProcessorTime - cpu1).TotalSeconds;
            var polls = consumer.Counters.GetRecordsCalls - polls1;
            var jit = new JitInWindow(JitInfo.GetCompiledMethodCount() - jitMethods1, (JitInfo.GetCompilationTime() - jitTime1).TotalMilliseconds);
            var threads = ThreadCpuCensus.Take().Since(threads1, windowSeconds);
            await consumer.StopAsync().ConfigureAwait(false);
            return Report(new IdleResult($"KinesisConsumer, {shards} shards, polling every {interval.TotalMilliseconds:F0} ms", shards, interval.TotalMilliseconds, windowSeconds, cpu, polls, startup, startupSeconds) { Jit = jit, Threads = threads });
        }
    }

    // The console consumer on an empty stream, its CPU read from /proc while it runs: start-up is the CPU spent before the
    // window less the window's rate over that time.
    private static async Task<IdleResult> MeasureConsoleIdleAsync(string dll, LoadTarget target, string stream, int shards, int windowSeconds)
    {
        const double Settle = 10;
        var (file, args, directory) = ConsoleArguments(dll, target, stream, stream, 0, Settle + windowSeconds + 2);
        var child = ChildProcessCpu.Start(file, args, directory, ChildEnvironment);
        while (child.Elapsed < Settle)
        {
            await Task.Delay(100).ConfigureAwait(false);
        }

        var cpu1 = child.Sample() ?? throw new InvalidOperationException("the console consumer stopped early");
        var at1 = child.Elapsed;
        while (child.Elapsed < Settle + windowSeconds)
        {
            await Task.Delay(100).ConfigureAwait(false);
        }

        var cpu2 = child.Sample() ?? throw new InvalidOperationException("the console consumer stopped early");
        var window = child.Elapsed - at1;
        await child.WaitAsync().ConfigureAwait(false);
        var rate = (cpu2 - cpu1) / window;
        var polls = (long)(shards * window / ConsolePollInterval.TotalSeconds);
        return Report(new IdleResult($"kinesis-console-consumer, {shards} shards, polling every 200 ms", shards, ConsolePollInterval.TotalMilliseconds, window, cpu2 - cpu1, polls, cpu1 - (rate * at1), at1));
    }

    private static PerRecordResult Report(PerRecordResult result)
    {
        Console.WriteLine($"  {result.Scenario}: {result.Records:N0} records in {result.Seconds:F1} s, {result.CpuSeconds:F2} CPU-s (idle run {result.IdleCpuSeconds:F2}), {result.CpuSecondsPerMillion:F2} CPU-s per million");
        return result;
    }

    private static IdleResult Report(IdleResult result)
    {
        Console.WriteLine($"  {result.Scenario}: {result.PercentOfCore:F2} % of a core, {result.MsPerPoll:F3} ms per poll ({result.Polls} polls in {result.WindowSeconds:F0} s), start-up {result.StartupCpuSeconds:F2} CPU-s{(result.Jit is { } jit ? $", JIT in the window {jit.Methods} methods, {jit.Milliseconds:F0} ms" : "")}");
        if (result.Threads is { Length: > 0 } threads)
        {
            Console.WriteLine($"    by thread (name (threads): CPU, wake-ups): {threads}");
        }
        return result;
    }

    private static string? FindConsoleConsumer()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "samples", "ConsoleConsumer", "bin", "Release", "net10.0", "kinesis-console-consumer.dll");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static string Format(ConsumerCostSettings settings, List<PerRecordResult> perRecord, List<IdleResult> idle)
    {
        var table = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"Consumer cost against local emulators ({settings.Shards} shards, {settings.Records:N0} user records (fan-out: {settings.FanOutRecords:N0}) of {settings.RecordSize} bytes in aws-kinesis-agg aggregates, {settings.Runs} run(s), {Environment.ProcessorCount} cores; the consumer's CPU only)")
            .AppendLine()
            .AppendLine("| Per record | CPU-s per million user records (beyond an idle run of the same length) | Seconds | Allocated bytes per record |")
            .AppendLine("|---|---:|---:|---:|");
        foreach (var group in perRecord.GroupBy(r => r.Scenario))
        {
            var allocated = group.All(r => r.AllocatedBytesPerRecord is not null) ? Range(group.Select(r => r.AllocatedBytesPerRecord!.Value), "N0") : "";
            table.AppendLine(CultureInfo.InvariantCulture, $"| {group.Key} | {Range(group.Select(r => r.CpuSecondsPerMillion), "F2")} | {Range(group.Select(r => r.Seconds), "F1")} | {allocated} |");
        }

        table.AppendLine()
            .AppendLine("| Idle (empty stream, default lease timings) | % of a core | CPU ms per poll (all work / GetRecords calls) | Start-up CPU-s (to every shard read once) | JIT in the window (methods, ms) |")
            .AppendLine("|---|---:|---:|---:|---:|");
        foreach (var group in idle.GroupBy(r => r.Scenario))
        {
            table.AppendLine(CultureInfo.InvariantCulture, $"| {group.Key} | {Range(group.Select(r => r.PercentOfCore), "F2")} | {Range(group.Select(r => r.MsPerPoll), "F3")} | {Range(group.Select(r => r.StartupCpuSeconds), "F2")} | {(group.All(r => r.Jit is not null) ? $"{Range(group.Select(r => (double)r.Jit!.Methods), "F0")}, {Range(group.Select(r => r.Jit!.Milliseconds), "F0")}" : "")} |");
        }

        return table.ToString();
    }

    private static string Range(IEnumerable<double> values, string format)
    {
        var list = values.ToList();
        var min = list.Min().ToString(format, CultureInfo.InvariantCulture);
        var max = list.Max().ToString(format, CultureInfo.InvariantCulture);
        return min == max ? min : $"{min}–{max}";
    }

    private sealed record JitInWindow(long Methods, double Milliseconds);

    private sealed record PerRecordResult(string Scenario, long Records, double Seconds, double CpuSeconds, double IdleSeconds, double IdleCpuSeconds, double? AllocatedBytesPerRecord)
    {
        public double CpuSecondsPerMillion => (CpuSeconds - (IdleCpuSeconds * Seconds / IdleSeconds)) / Records * 1_000_000;
    }

    private sealed record IdleResult(string Scenario, int Shards, double IntervalMs, double WindowSeconds, double CpuSeconds, long Polls, double StartupCpuSeconds, double StartupSeconds)
    {
        /// <summary>Methods the JIT compiled in the window and its time (in-process runs only): tiering still going on.</summary>
        public JitInWindow? Jit { get; init; }

        /// <summary>The window's CPU and wake-ups by thread name (in-process runs on Linux only).</summary>
        public string? Threads { get; init; }

        public double PercentOfCore => CpuSeconds / WindowSeconds * 100;

        public double MsPerPoll => CpuSeconds * 1000 / Math.Max(1, Polls);
    }
}

/// <summary>The consumer-cost command's options.</summary>
internal sealed record ConsumerCostSettings(int Records, int FanOutRecords, int Shards, int RecordSize, int IdleSeconds, int Runs, string? ConsoleConsumer, string? Only, string Output)
{
    /// <summary>Seconds between every shard's first read and the library's idle window (the JIT's tiering settles in it).</summary>
    public int SettleSeconds { get; init; } = 5;

    public bool Includes(string scenario) => Only is null || scenario.Contains(Only, StringComparison.OrdinalIgnoreCase);

    public static ConsumerCostSettings? Parse(string[] args)
    {
        // kinesis-local takes a 1 MB aggregate far more slowly than kinesalite: fewer records for fan-out.
        var settings = new ConsumerCostSettings(1_000_000, 200_000, 4, 100, 60, 1, null, null, "results");
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            var value = args[i + 1];
            var number = int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : (int?)null;
            settings = args[i] switch
            {
                "--records" when number is not null => settings with { Records = number.Value },
                "--fan-out-records" when number is not null => settings with { FanOutRecords = number.Value },
                "--shards" when number is not null => settings with { Shards = number.Value },
                "--record-size" when number is <= 1_048_576 => settings with { RecordSize = number.Value },
                "--idle-seconds" when number is not null => settings with { IdleSeconds = number.Value },
                "--settle-seconds" when number is not null => settings with { SettleSeconds = number.Value },
                "--runs" when number is not null => settings with { Runs = number.Value },
                "--console-consumer" when File.Exists(value) => settings with { ConsoleConsumer = Path.GetFullPath(value) },
                "--only" => settings with { Only = value },
                "--output" => settings with { Output = value },
                _ => null,
            };
            if (settings is null)
            {
                return null;
            }
        }

        return args.Length % 2 == 0 ? settings : null;
    }
}
