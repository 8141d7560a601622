using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Kinesis.Producer;
using Kinesis.Samples.ConsoleProducer;

// kinesis-console-producer: stdin lines -> user records, like Kafka's console producer.
var arguments = ProducerArguments.Parse(args, out var error);
if (arguments is null)
{
    Console.Error.WriteLine($"kinesis-console-producer: {error}");
    Console.Error.WriteLine(ProducerArguments.Usage);
    return 2;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // Stop reading stdin, but still send and confirm what was read.
    e.Cancel = true;
    stop.Cancel();
};

const int PendingBatch = 10_000;
long put = 0;
long failed = 0;
long skipped = 0;

// Failures by cause, in the order first seen: a missing stream or a closed port fails every record the same way, and
// is reported once, not once per line.
var errors = new Dictionary<(string? Code, string? Message), long>();
var errorOrder = new List<(string? Code, string? Message)>();
var pending = new List<Task<UserRecordResult>>(PendingBatch);
await using (var producer = new KinesisProducer(new KinesisProducerOptions
{
    Region = arguments.Region,
    ServiceUrl = arguments.Endpoint,
    AggregationEnabled = arguments.Aggregation,
    RecordTtl = arguments.RecordTtl ?? KinesisProducerOptions.DefaultRecordTtl,
}))
{
    using var input = new StreamReader(Console.OpenStandardInput(), new UTF8Encoding(false));
    try
    {
        while (await input.ReadLineAsync(stop.Token) is { } line)
        {
            if (line.Length == 0)
            {
                skipped++;
                continue;
            }

            var (key, data) = Split(line, arguments.KeySeparator);
            // No cancellation token: a line that was read is sent and confirmed even after Ctrl+C.
            pending.Add(producer.PutAsync(arguments.Stream, key, Encoding.UTF8.GetBytes(data)));
            if (pending.Count == PendingBatch)
            {
                await DrainAsync();
            }
        }
    }
    catch (OperationCanceledException) when (stop.IsCancellationRequested)
    {
        // Ctrl+C: fall through and confirm what was already handed to the producer.
    }

    await producer.FlushAsync(CancellationToken.None);
    await DrainAsync();
}

var errorCounts = errorOrder.Select(cause => new ErrorCount($"{cause.Code}: {cause.Message}", errors[cause])).ToList();
Console.Error.WriteLine(JsonSerializer.Serialize(new Summary(put, failed, skipped, errorCounts), JsonSerializerOptions.Web));
return failed == 0 ? 0 : 1;

// Awaiting in batches keeps memory flat for any input size while the producer keeps batching in the background.
async Task DrainAsync()
{
    foreach (var task in pending)
    {
        try
        {
            await task;
            put++;
        }
        catch (UserRecordFailedException ex)
        {
            failed++;
            var cause = (ex.Cause?.ErrorCode, ex.Cause?.ErrorMessage);
            if (errors.TryGetValue(cause, out var count))
            {
                errors[cause] = count + 1;
                continue;
            }

            errors[cause] = 1;
            errorOrder.Add(cause);
            Console.Error.WriteLine($"kinesis-console-producer: record failed: {ex.Message}");
            Console.Error.WriteLine("kinesis-console-producer: further records failing with this error are counted in the summary, not printed.");
        }
    }

    pending.Clear();
}

static (string Key, string Data) Split(string line, string? separator)
{
    var at = separator is null ? -1 : line.IndexOf(separator, StringComparison.Ordinal);
    if (at > 0)
    {
        return (line[..at], line[(at + separator!.Length)..]);
    }

    // A stable key per distinct line spreads lines over shards like random keys would, but repeatably.
    return (Convert.ToHexString(MD5.HashData(Encoding.UTF8.GetBytes(line)), 0, 8), line);
}

/// <summary>The run's tallies, printed as JSON to stderr.</summary>
internal sealed record Summary(long RecordsPut, long Failed, long SkippedEmptyLines, IReadOnlyList<ErrorCount> Errors);

/// <summary>How many records failed with one error (code and message of the attempt that explains the failure).</summary>
internal sealed record ErrorCount(string Error, long Records);
