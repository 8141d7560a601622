using System.Diagnostics;
using System.Globalization;
using Amazon.Runtime;
using Kinesis.Core.Aggregation;
using Kinesis.Core.Api;
using Kinesis.LocalServices;
using Kinesis.Producer;

// The README's main job, on local emulators: start kinesis-local, create a 4-shard stream, produce user
// records with Kinesis.Producer (KPL-aggregated), read every shard back, deaggregate, check that every
// record arrived exactly once, report, and stop everything. Usage: [--records N] (default 20,000).
var records = args.Length > 1 && args[0] == "--records" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20_000;
const int shardCount = 4;
const string streamName = "kinesis-libraries-demo";

Console.WriteLine("Starting kinesis-local on 127.0.0.1 (installing the emulators with npm on first use) ...");
await using var services = await LocalAwsServices.StartAsync(LocalServiceKind.KinesisLocal);
var endpoint = services.KinesisLocal.Endpoint;
var credentials = new BasicAWSCredentials(LocalAwsServices.AccessKeyId, LocalAwsServices.SecretAccessKey);
using var client = new KinesisApiClient(new KinesisApiClientOptions { Region = LocalAwsServices.Region, ServiceUrl = endpoint, Credentials = credentials });

await client.CreateStreamAsync(new CreateStreamRequest { StreamName = streamName, ShardCount = shardCount });
await client.WaitForStreamActiveAsync(streamName, TimeSpan.FromSeconds(30));
Console.WriteLine($"Created stream '{streamName}' with {shardCount} shards at {endpoint}");

var clock = Stopwatch.StartNew();
var results = new Task<UserRecordResult>[records];
await using (var producer = new KinesisProducer(new KinesisProducerOptions { Region = LocalAwsServices.Region, ServiceUrl = endpoint, Credentials = credentials }))
{
    for (var i = 0; i < records; i++)
    {
        results[i] = producer.PutAsync(streamName, $"customer-{i % 1000}", System.Text.Encoding.UTF8.GetBytes($"order {i}"));
        if (i % 2000 == 1999)
        {
            Progress("produced", i + 1, records);
        }
    }

    await producer.FlushAsync();
}

var putSeconds = clock.Elapsed.TotalSeconds;
var acknowledged = await Task.WhenAll(results);
var kinesisRecords = acknowledged.Select(r => r.SequenceNumber).Distinct().Count();
Console.WriteLine();

// Read everything back and check it.
var seen = new HashSet<string>();
var duplicates = 0;
var deaggregator = new Deaggregator();
var buffer = new List<DeaggregatedRecord>();
foreach (var shard in (await client.ListShardsAsync(new ListShardsRequest { StreamName = streamName })).Shards)
{
    var iterator = (await client.GetShardIteratorAsync(new GetShardIteratorRequest { StreamName = streamName, ShardId = shard.ShardId, ShardIteratorType = ShardIteratorType.TrimHorizon })).ShardIterator;
    while (iterator is not null)
    {
        var page = await client.GetRecordsAsync(new GetRecordsRequest { ShardIterator = iterator });
        foreach (var record in page.Records)
        {
            buffer.Clear();
            deaggregator.Deaggregate(new KinesisRecordInput(record.Data, record.PartitionKey, record.SequenceNumber, record.ApproximateArrivalTimestamp ?? DateTimeOffset.UtcNow), buffer);
            foreach (var user in buffer)
            {
                duplicates += seen.Add(System.Text.Encoding.UTF8.GetString(user.Data.Span)) ? 0 : 1;
            }
        }

        Progress("read back", seen.Count, records);
        iterator = page.Records.Count == 0 && page.MillisBehindLatest == 0 ? null : page.NextShardIterator;
    }
}

Console.WriteLine();
var missing = records - seen.Count;
Console.WriteLine();
Console.WriteLine("Report");
Console.WriteLine($"  user records produced      {records:N0} in {putSeconds:F2} s ({records / putSeconds:N0} user records/s against kinesis-local)");
Console.WriteLine($"  Kinesis records written    {kinesisRecords:N0} ({(double)records / kinesisRecords:F1} user records per Kinesis record)");
Console.WriteLine($"  read back                  {seen.Count:N0}, missing {missing}, duplicates {duplicates}");
Console.WriteLine(missing == 0 && duplicates == 0 ? "OK: every record arrived exactly once." : "FAILED: records are missing or duplicated.");
Console.WriteLine("Stopping the emulators.");
return missing == 0 && duplicates == 0 ? 0 : 1;

static void Progress(string what, int done, int total)
{
    const int width = 30;
    var filled = (int)((double)Math.Min(done, total) / total * width);
    Console.Write($"\r  {what,-10} [{new string('#', filled)}{new string('.', width - filled)}] {done:N0}/{total:N0}");
}
