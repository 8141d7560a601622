using System.Diagnostics;
using System.Globalization;
using System.Text;
using Kinesis.Agent;
using Kinesis.Agent.Configuration;
using Kinesis.Benchmarks.AgentThroughput;
using Microsoft.Extensions.Logging;

// The agent's throughput (issue 19): tails one log of fixed-size lines from its start, through the real producer
// (aggregation on, requests serialized) into a handler that acknowledges every record, and reports lines/s and
// CPU-seconds per million lines of the whole process. Usage: AgentThroughput [SIZE_MB=1024] [LINE_BYTES=200] [none|csv|log]
var sizeMegabytes = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1024;
var lineBytes = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200;
var processing = args.Length > 2 ? args[2] : "none";
var directory = Path.Combine(Path.GetTempPath(), "agent-throughput-" + Guid.NewGuid().ToString("N"));
Directory.CreateDirectory(directory);
try
{
    var log = Path.Combine(directory, "app.log");
    var lines = WriteLog(log, (long)sizeMegabytes * 1024 * 1024 / lineBytes, lineBytes, processing);
    var length = new FileInfo(log).Length;
    var options = processing switch
    {
        "log" => """[ { "optionName": "LOGTOJSON", "logFormat": "COMMONAPACHELOG" } ]""",
        "csv" => """[ { "optionName": "CSVTOJSON", "customFieldNames": ["id", "time", "method", "path", "status", "pad"] } ]""",
        _ => "[]",
    };
    var configuration = AgentConfigurationReader.Parse($$"""
        {
          "kinesis.endpoint": "http://127.0.0.1:1", "awsAccessKeyId": "AKIDBENCH", "awsSecretAccessKey": "secret",
          "checkpointFile": "{{Path.Combine(directory, "checkpoints")}}",
          "flows": [ { "filePattern": "{{log}}", "kinesisStream": "bench", "initialPosition": "START_OF_FILE", "dataProcessingOptions": {{options}} } ]
        }
        """);
    var producerOptions = KinesisAgent.CreateProducerOptions(configuration);
    var handler = new AcknowledgingKinesisHandler(shards: 32);
    producerOptions.HttpMessageHandler = handler;

    var process = Process.GetCurrentProcess();
    var cpuBefore = process.TotalProcessorTime;
    var allocatedBefore = GC.GetTotalAllocatedBytes();
    var gcBefore = GC.CollectionCount(0);
    var clock = Stopwatch.StartNew();
    using var loggerFactory = new LoggerFactory([new FirstErrorsLogger()]);
    await using (var agent = new KinesisAgent(configuration, producerOptions, loggerFactory))
    {
        await agent.StartAsync();
        while (agent.SentRecords + agent.FailedRecords + agent.SkippedRecords < lines)
        {
            await Task.Delay(50);
        }

        clock.Stop();
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
        var millions = lines / 1e6;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{lines:N0} lines of {lineBytes} bytes ({length / 1048576.0:N0} MiB), processing {processing}, {handler.Shards} shards, {Environment.ProcessorCount} cores"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wall {clock.Elapsed.TotalSeconds:N1} s: {lines / clock.Elapsed.TotalSeconds:N0} lines/s, {length / 1048576.0 / clock.Elapsed.TotalSeconds:N1} MiB/s"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"CPU {cpu:N1} s: {cpu / millions:N2} CPU-s per million lines"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"allocated {(GC.GetTotalAllocatedBytes() - allocatedBefore) / (double)lines:N0} bytes per line, {GC.CollectionCount(0) - gcBefore} gen-0 GCs; failed {agent.FailedRecords}, skipped {agent.SkippedRecords}"));
        await agent.StopAsync();
    }
}
finally
{
    Directory.Delete(directory, recursive: true);
}

static long WriteLog(string path, long lines, int width, string processing)
{
    using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false), 1 << 20);
    var line = new StringBuilder(width);
    for (long i = 0; i < lines; i++)
    {
        line.Clear();
        line.Append(processing switch
        {
            "log" => string.Create(CultureInfo.InvariantCulture, $"10.0.{i % 256}.{i / 256 % 256} - - [05/Dec/2026:03:10:11 +0000] \"GET /item/{i} HTTP/1.1\" 200 512 "),
            "csv" => string.Create(CultureInfo.InvariantCulture, $"{i},2026-12-05T03:10:11Z,GET,/item/{i},200,"),
            _ => i.ToString("D12", CultureInfo.InvariantCulture) + " ",
        });
        line.Append('x', width - line.Length - 1).Append('\n');
        writer.Write(line);
    }

    return lines;
}
