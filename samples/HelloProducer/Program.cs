using System.Text;
using Kinesis.Producer;

// The smallest useful producer. Usage: dotnet run --project samples/HelloProducer -- STREAM [REGION] [ENDPOINT]
// Credentials come from the standard AWS chain (environment, profile, instance role).
if (args.Length is < 1 or > 3)
{
    Console.Error.WriteLine("usage: HelloProducer STREAM [REGION] [ENDPOINT]");
    return 2;
}

// One producer per process: it is thread-safe, batches across callers and keeps connections warm.
await using var producer = new KinesisProducer(new KinesisProducerOptions
{
    Region = args.Length > 1 ? args[1] : "us-east-1",
    ServiceUrl = args.Length > 2 ? new Uri(args[2]) : null,
});

var puts = new List<Task<UserRecordResult>>();
for (var i = 0; i < 100; i++)
{
    // Records with the same partition key land on the same shard, in order.
    puts.Add(producer.PutAsync(args[0], partitionKey: $"user-{i % 10}", data: Encoding.UTF8.GetBytes($"hello {i}")));
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
