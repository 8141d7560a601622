using System.Text;
using Kinesis.Producer;

// The smallest useful producer. Usage: dotnet run --project samples/HelloProducer -- STREAM [REGION] [ENDPOINT]
// Credentials come from the standard AWS chain (environment, profile, instance role); against an emulator with
// nothing configured, dummy ones (said once on stderr).
const string usage = "usage: HelloProducer STREAM [REGION] [ENDPOINT]\n" +
    "  puts 100 records into STREAM (region us-east-1 unless given; ENDPOINT such as http://127.0.0.1:4567/ for an emulator)";
if (args is ["-h" or "--help" or "-?"])
{
    Console.WriteLine(usage);
    return 0;
}

var problem = args switch
{
    [] => "the stream name is missing",
    { Length: > 3 } => $"too many arguments ({args.Length}; at most 3)",
    _ when args.FirstOrDefault(a => a.StartsWith('-')) is { } option => $"unknown option '{option}'",
    [_, _, var url] when !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") =>
        $"ENDPOINT must be an absolute http(s) URL such as http://127.0.0.1:4567/, not '{url}'",
    _ => null,
};
if (problem is not null)
{
    Console.Error.WriteLine($"HelloProducer: {problem}");
    Console.Error.WriteLine(usage);
    return 2;
}

var endpoint = args.Length > 2 ? new Uri(args[2]) : null;
var credentials = endpoint is { IsLoopback: true }
    ? Kinesis.Samples.Shared.ToolCredentials.Resolve("HelloProducer", Console.Error, out _, endpoint)
    : null;

// One producer per process: it is thread-safe, batches across callers and keeps connections warm.
await using var producer = new KinesisProducer(new KinesisProducerOptions
{
    Region = args.Length > 1 ? args[1] : "us-east-1",
    ServiceUrl = endpoint,
    Credentials = credentials,
});

var puts = new List<Task<UserRecordResult>>();
try
{
    for (var i = 0; i < 100; i++)
    {
        // Records with the same partition key land on the same shard, in order.
        puts.Add(producer.PutAsync(args[0], partitionKey: $"user-{i % 10}", data: Encoding.UTF8.GetBytes($"hello {i}")));
    }
}
catch (ArgumentException ex)
{
    // Bad input (here only the stream name can be) is refused at once, naming the argument and the limit.
    Console.Error.WriteLine($"HelloProducer: {ex.Message}");
    Console.Error.WriteLine(usage);
    return 2;
}

try
{
    foreach (var result in await Task.WhenAll(puts))
    {
        Console.WriteLine($"{result.ShardId} {result.SequenceNumber}/{result.SubSequenceNumber}");
    }
}
catch (UserRecordFailedException ex)
{
    // Raised only after the producer retried until RecordTtl; ex.Result.Attempts says what happened each time.
    Console.Error.WriteLine($"A record failed after {ex.Result.Attempts.Count} attempt(s): {ex.Message}");
    return 1;
}

return 0;
