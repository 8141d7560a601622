using System.Runtime.CompilerServices;
using Kinesis.Core.Hashing;

namespace Kinesis.Producer.Pipeline;

/// <summary>
/// A user record in flight, as a struct kept in the pipeline's arrays: the stream's staging array, its shard's open
/// aggregate (<see cref="ShardBuffer"/>), then the <see cref="OutgoingRecord.Users"/> of one Kinesis record. Exactly one
/// slot owns a record at a time; moving it copies the struct and clears the old slot. The caller's task is the only
/// allocation a record costs: a promise created by <see cref="AsyncTaskMethodBuilder{TResult}"/> (a
/// <see cref="TaskCompletionSource{TResult}"/> would add an object).
/// </summary>
/// <remarks>
/// Why a struct in arrays, not a pooled object: the thread that puts a record and the one that completes it run on
/// different cores. Records written one after another into an array are read the same way on the other core, which the
/// hardware prefetches; reused objects are scattered in memory, and every one was a cache miss on both sides.
/// The builder's task runs its continuations on the thread that completes it, so records are completed only on
/// thread-pool work items that hold no locks: successes by <see cref="RecordCompletion"/>, failures by a work item of
/// their own. One owner completes a record; should a bug make a second path try, <see cref="TrySucceed"/> and
/// <see cref="TryFail"/> refuse it (the caller counts and logs it) instead of throwing on a pool thread.
/// </remarks>
internal struct UserRecord
{
    private AsyncTaskMethodBuilder<UserRecordResult> promise;

    public StreamPipeline Stream;

    public string PartitionKey;

    public string? ExplicitHashKey;

    public ReadOnlyMemory<byte> Data;

    /// <summary>Bytes charged against <see cref="KinesisProducerOptions.MaxOutstandingBytes"/>.</summary>
    public int AccountedBytes;

    /// <summary>Timestamp (<see cref="TimeProvider.GetTimestamp"/>) at which <see cref="KinesisProducerOptions.RecordTtl"/> runs out.</summary>
    public long ExpiresAt;

    public FlushTracker.Epoch Epoch;

    /// <summary>The newest attempt; earlier ones hang off it.</summary>
    public AttemptNode? Attempts;

    /// <summary>A new record and its task.</summary>
    public UserRecord(
        StreamPipeline stream,
        string partitionKey,
        string? explicitHashKey,
        ReadOnlyMemory<byte> data,
        int accountedBytes,
        long expiresAt,
        FlushTracker.Epoch epoch)
    {
        promise = AsyncTaskMethodBuilder<UserRecordResult>.Create();
        _ = promise.Task;
        Stream = stream;
        PartitionKey = partitionKey;
        ExplicitHashKey = explicitHashKey;
        Data = data;
        AccountedBytes = accountedBytes;
        ExpiresAt = expiresAt;
        Epoch = epoch;
        Attempts = null;
    }

    /// <summary>
    /// Timestamp since which the record has been waiting: the end of its last attempt, or its arrival (its expiry less
    /// <see cref="KinesisProducerOptions.RecordTtl"/>, see <see cref="StreamPipeline.TtlTicks"/>). Derived rather than
    /// stored, so the slot stays at 80 bytes: a burst holds a million of them.
    /// </summary>
    public readonly long ReadySince => Attempts is { } attempts ? attempts.ReadySince : ExpiresAt - Stream.TtlTicks;

    /// <summary>
    /// The record's hash key, computed again (an MD5, or parsing the explicit key): the slot does not keep it, so that it
    /// stays at 80 bytes. Routing gets it from the stream's batched MD5s instead; only the check of an aggregate put on an
    /// unexpected shard after a reshard (<see cref="Retrier.DecidePlacement"/>) needs this.
    /// </summary>
    public readonly UInt128 ComputeHashKey() => HashKeys.Effective(PartitionKey, ExplicitHashKey);

    /// <summary>The caller's task (the builder holds it; every copy of the record refers to the same task).</summary>
    public readonly Task<UserRecordResult> Task => promise.Task;

    /// <summary>
    /// Completes the task with <paramref name="result"/>, on the calling thread: call only from a work item that holds no
    /// locks. Returns false, and changes nothing, when the task was already complete. Never throws.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public readonly bool TrySucceed(UserRecordResult result)
    {
        if (promise.Task.IsCompleted)
        {
            return false;
        }

        try
        {
            promise.SetResult(result);
            return true;
        }
        catch (InvalidOperationException)
        {
            // Completed by someone else between the check and the set: the builder has no TrySetResult, and a
            // TaskCompletionSource would cost a second object per record. The builder throws nothing else of this type.
            // No filter on IsCompleted: a task reserves its completion before it shows as completed, so the other
            // completer may still be finishing.
            return false;
        }
    }

    /// <summary>
    /// Faults the task with <paramref name="exception"/> (an <see cref="OperationCanceledException"/> cancels it), on the
    /// calling thread: call only from a work item that holds no locks (see <see cref="RecordCompletion"/>).
    /// Returns false, and changes nothing, when the task was already complete. Never throws.
    /// </summary>
    public readonly bool TryFail(Exception exception)
    {
        if (promise.Task.IsCompleted)
        {
            return false;
        }

        try
        {
            promise.SetException(exception);
            return true;
        }
        catch (InvalidOperationException)
        {
            // As in TrySucceed: completed, or being completed, by someone else.
            return false;
        }
    }
}

/// <summary>An immutable list of attempts, newest first, shared by the user records of one Kinesis record.</summary>
internal sealed class AttemptNode
{
    private Attempt[]? materialized;

    public AttemptNode(Attempt attempt, AttemptNode? previous, long readySince)
    {
        Attempt = attempt;
        Previous = previous;
        ReadySince = readySince;
        Count = (previous?.Count ?? 0) + 1;
    }

    public Attempt Attempt { get; }

    public AttemptNode? Previous { get; }

    /// <summary>Timestamp at which this attempt ended: the records that have it as their newest are waiting since then.</summary>
    public long ReadySince { get; }

    public int Count { get; }

    /// <summary>The attempts oldest first; computed once and shared by every record that has this history.</summary>
    public IReadOnlyList<Attempt> ToList()
    {
        var list = Volatile.Read(ref materialized);
        if (list is not null)
        {
            return list;
        }

        list = new Attempt[Count];
        var index = Count - 1;
        for (var node = this; node is not null; node = node.Previous)
        {
            list[index--] = node.Attempt;
        }

        Volatile.Write(ref materialized, list);
        return list;
    }
}

/// <summary>
/// Reuses the arrays that hold user records (<see cref="ShardBuffer"/>'s open aggregate, then the Kinesis record's
/// <see cref="OutgoingRecord.Users"/>), in size classes from 1 (a record sent raw) to 2^20: powers of two up to 16, then
/// eight sizes per doubling, so an array is at most an eighth larger than asked for (an aggregate of 425 records gets 448
/// slots, not 512: a burst holds a million slots). Arrays come back cleared, so a pooled array keeps no caller's data or
/// task alive. At most <c>maxPooledRecords</c> slots wait in all sizes together.
/// </summary>
internal sealed class UserRecordArrayPool(int maxPooledRecords)
{
    private const int PowerOfTwoClasses = 5;
    private const int StepsPerDoubling = 8;
    private const int LargestPooled = 1 << 20;

    // A rent may take an array up to this many classes larger: aggregates of a shard differ a little in record count.
    private const int LargerClassesTried = 2;

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

        return new UserRecord[LengthOf(index)];
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
