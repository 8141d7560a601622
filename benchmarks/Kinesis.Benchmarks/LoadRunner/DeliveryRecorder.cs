using System.Buffers.Binary;
using System.Diagnostics;

namespace Kinesis.Benchmarks.LoadRunner;

/// <summary>
/// Which user records arrived and how long each took from the put call to the processor. A payload starts with
/// the record's index (4 bytes) and the Stopwatch timestamp taken just before the put (8 bytes).
/// </summary>
internal sealed class DeliveryRecorder(int capacity)
{
    public const int HeaderSize = 12;

    private readonly int[] seen = new int[capacity];
    private readonly float[] latencyMs = new float[capacity];
    private int delivered;
    private int duplicates;
    private int foreign;

    public int Delivered => Volatile.Read(ref delivered);

    public int Duplicates => Volatile.Read(ref duplicates);

    public int Foreign => Volatile.Read(ref foreign);

    public static byte[] CreatePayload(int index, int size)
    {
        var payload = new byte[Math.Max(size, HeaderSize)];
        BinaryPrimitives.WriteInt32LittleEndian(payload, index);
        BinaryPrimitives.WriteInt64LittleEndian(payload.AsSpan(4), Stopwatch.GetTimestamp());
        return payload;
    }

    public void Record(ReadOnlySpan<byte> data, long now)
    {
        var index = data.Length >= HeaderSize ? BinaryPrimitives.ReadInt32LittleEndian(data) : -1;
        if ((uint)index >= (uint)seen.Length)
        {
            Interlocked.Increment(ref foreign);
            return;
        }

        if (Interlocked.Exchange(ref seen[index], 1) == 0)
        {
            latencyMs[index] = (float)Stopwatch.GetElapsedTime(BinaryPrimitives.ReadInt64LittleEndian(data[4..]), now).TotalMilliseconds;
            Interlocked.Increment(ref delivered);
        }
        else
        {
            Interlocked.Increment(ref duplicates);
        }
    }

    /// <summary>Latency percentiles (ms) over the first <paramref name="produced"/> records that arrived.</summary>
    public double[] Percentiles(int produced, params double[] quantiles)
    {
        var values = new List<float>(produced);
        for (var i = 0; i < produced; i++)
        {
            if (seen[i] != 0)
            {
                values.Add(latencyMs[i]);
            }
        }

        values.Sort();
        var result = new double[quantiles.Length];
        for (var q = 0; q < quantiles.Length; q++)
        {
            result[q] = values.Count == 0 ? double.NaN : values[(int)(quantiles[q] * (values.Count - 1))];
        }

        return result;
    }
}
