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
