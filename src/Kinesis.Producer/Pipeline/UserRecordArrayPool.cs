namespace Kinesis.Producer.Pipeline;

/// <summary>
/// Reuses the arrays that hold user records (<see cref="ShardBuffer"/>'s open aggregate, then the Kinesis record's
/// <see cref="OutgoingRecord.Users"/>), in size classes from 1 (a record sent raw) to 2^20: powers of two up to 16, then
/// eight sizes per doubling, so an array is at most an eighth larger than asked for (an aggregate of 425 records gets 448
/// slots, not 512: a burst holds a million slots). Arrays come back cleared, so a pooled array keeps no caller's data or
/// task alive. At most <c>maxPooledRecords</c> slots wait in all sizes together. Arrays of <see cref="PinnedFrom"/> slots
/// or more live on the pinned object heap.
/// </summary>
internal sealed class UserRecordArrayPool(int maxPooledRecords)
{
    private const int PowerOfTwoClasses = 5;
    private const int StepsPerDoubling = 8;
    private const int LargestPooled = 1 << 20;

    // A rent may take an array up to this many classes larger: aggregates of a shard differ a little in record count.
    private const int LargerClassesTried = 2;

    // Arrays this long or longer (an aggregate's, 20 KiB and more) are allocated on the pinned object heap: a burst keeps
    // thousands alive across several collections, and there the collector never copies them while compacting (it still
    // finds the tasks and keys they refer to, through the card table). Pooled, they are reused rather than collected.
    internal const int PinnedFrom = 256;

    private static readonly int Classes = ClassOf(LargestPooled) + 1;

    private long pooledSlots;
    private readonly System.Collections.Concurrent.ConcurrentQueue<UserRecord[]>[] pooled =
        [.. Enumerable.Range(0, Classes).Select(_ => new System.Collections.Concurrent.ConcurrentQueue<UserRecord[]>())];

    /// <summary>An empty array of at least <paramref name="minimumLength"/> slots.</summary>
    public UserRecord[] Rent(int minimumLength)
    {
        var index = ClassOf(minimumLength);
        if (index >= Classes)
        {
            return new UserRecord[minimumLength];
        }

        for (var candidate = index; candidate <= Math.Min(index + LargerClassesTried, Classes - 1); candidate++)
        {
            if (pooled[candidate].TryDequeue(out var array))
            {
                Interlocked.Add(ref pooledSlots, -array.Length);
                return array;
            }
        }

        var length = LengthOf(index);
        return length >= PinnedFrom ? GC.AllocateArray<UserRecord>(length, pinned: true) : new UserRecord[length];
    }

    /// <summary>Clears the first <paramref name="used"/> slots and keeps the array for reuse, unless its size has enough waiting.</summary>
    public void Return(UserRecord[] array, int used)
    {
        array.AsSpan(0, used).Clear();
        var index = ClassOf(array.Length);
        if (index >= Classes || array.Length != LengthOf(index))
        {
            return;
        }

        if (Interlocked.Add(ref pooledSlots, array.Length) <= maxPooledRecords)
        {
            pooled[index].Enqueue(array);
        }
        else
        {
            Interlocked.Add(ref pooledSlots, -array.Length);
        }
    }

    /// <summary>The size class of an array of at least <paramref name="length"/> slots.</summary>
    internal static int ClassOf(int length)
    {
        if (length <= 1 << (PowerOfTwoClasses - 1))
        {
            return length <= 1 ? 0 : 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)length - 1);
        }

        // Within (2^k, 2^(k+1)]: the step is 2^(k-3), eight of them per doubling.
        var last = (uint)length - 1;
        var k = System.Numerics.BitOperations.Log2(last);
        var step = (int)((last - (1u << k)) >> (k - 3)) + 1;
        return PowerOfTwoClasses + ((k - PowerOfTwoClasses + 1) * StepsPerDoubling) + step - 1;
    }

    /// <summary>The length of the arrays of size class <paramref name="index"/>.</summary>
    internal static int LengthOf(int index)
    {
        if (index < PowerOfTwoClasses)
        {
            return 1 << index;
        }

        var k = ((index - PowerOfTwoClasses) / StepsPerDoubling) + PowerOfTwoClasses - 1;
        var step = ((index - PowerOfTwoClasses) % StepsPerDoubling) + 1;
        return (1 << k) + (step << (k - 3));
    }
}
