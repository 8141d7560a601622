using System.Buffers.Binary;
using System.Diagnostics;
using Kinesis.Client;

namespace Kinesis.Demo;

/// <summary>
/// Records which user records the consumers saw and how long each took from PutAsync to the processor.
/// Each payload is the record's index (4 bytes) and the Stopwatch timestamp taken just before PutAsync (8 bytes).
/// </summary>
internal sealed class DeliveryTracker(int records)
{
    public const int PayloadSize = 12;

    private readonly int[] seen = new int[records];
    private readonly double[] latencyMs = new double[records];
    private int delivered;
    private int duplicates;

    public int Delivered => Volatile.Read(ref delivered);

    public int Duplicates => Volatile.Read(ref duplicates);

    public Task HandleAsync(ProcessRecordsInput input, CancellationToken cancellationToken)
    {
        var now = Stopwatch.GetTimestamp();
        foreach (var record in input.Records)
        {
            var data = record.Data.Span;
            var index = data.Length == PayloadSize ? BinaryPrimitives.ReadInt32LittleEndian(data) : -1;
            if ((uint)index >= (uint)seen.Length)
            {
                // Not one of ours; the demo's stream is private, so this would be a bug worth seeing.
                Console.Error.WriteLine($"Unexpected record {record.SequenceNumber}/{record.SubSequenceNumber} on {input.ShardId}");
                continue;
            }

            if (Interlocked.Exchange(ref seen[index], 1) == 0)
            {
                latencyMs[index] = Stopwatch.GetElapsedTime(BinaryPrimitives.ReadInt64LittleEndian(data[4..]), now).TotalMilliseconds;
                Interlocked.Increment(ref delivered);
            }
            else
            {
                // At-least-once: a lease moving between workers may replay records after the last checkpoint.
                Interlocked.Increment(ref duplicates);
            }
        }

        return Task.CompletedTask;
    }

    public int Missing()
    {
        var missing = 0;
        foreach (var flag in seen)
        {
            missing += flag == 0 ? 1 : 0;
        }

        return missing;
    }

    public (double P50, double P99) LatencyPercentiles()
    {
        var values = new List<double>(seen.Length);
        for (var i = 0; i < seen.Length; i++)
        {
            if (seen[i] != 0)
            {
                values.Add(latencyMs[i]);
            }
        }

        if (values.Count == 0)
        {
            return (double.NaN, double.NaN);
        }

        values.Sort();
        return (values[(int)(0.50 * (values.Count - 1))], values[(int)(0.99 * (values.Count - 1))]);
    }
}
