using System.Runtime.CompilerServices;

namespace Kinesis.Producer.Pipeline;

/// <summary>
/// A user record in flight. The object is reused (<see cref="UserRecordPool"/>): the only allocation a record costs
/// is the task handed to the caller, a promise created by <see cref="AsyncTaskMethodBuilder{TResult}"/> because a
/// <see cref="TaskCompletionSource{TResult}"/> would add an object. Such a task runs its continuations on the thread
/// that completes it, so records are completed only on thread-pool work items that hold no locks: successes by
/// <see cref="RecordCompletion"/>, one work item per Kinesis record; failures by a work item of their own.
/// Mutable fields are touched only by the one component that owns the record at the time (buffer under
/// the stream lock, then one request, then the retrier).
/// </summary>
internal sealed class UserRecord
{
    private AsyncTaskMethodBuilder<UserRecordResult> promise;
    private int completed;

    public StreamPipeline Stream { get; private set; } = null!;

    public string PartitionKey { get; private set; } = null!;

    public string? ExplicitHashKey { get; private set; }

    /// <summary>The record's hash key; until <see cref="HashPending"/> is cleared, not yet computed from the partition key.</summary>
    public UInt128 HashKey { get; set; }

    /// <summary>
    /// Set while the hash key of a record routed by partition key is still to be computed: its stream computes the MD5s
    /// of many records at once, under its lock, before routing them (<see cref="StreamPipeline.Route"/>).
    /// </summary>
    public bool HashPending { get; set; }

    public ReadOnlyMemory<byte> Data { get; private set; }

    /// <summary>Bytes charged against <see cref="KinesisProducerOptions.MaxOutstandingBytes"/>.</summary>
    public int AccountedBytes { get; private set; }

    /// <summary>Timestamp (<see cref="TimeProvider.GetTimestamp"/>) at which <see cref="KinesisProducerOptions.RecordTtl"/> runs out.</summary>
    public long ExpiresAt { get; private set; }

    public FlushTracker.Epoch Epoch { get; private set; } = null!;

    /// <summary>The caller's task (the builder keeps it: a field of its own would make every pooled object larger).</summary>
    public Task<UserRecordResult> Task => promise.Task;

    /// <summary>Timestamp since which the record has been waiting: arrival, then the end of its last attempt.</summary>
    public long ReadySince { get; set; }

    /// <summary>The newest attempt; earlier ones hang off it.</summary>
    public AttemptNode? Attempts { get; set; }

    /// <summary>Takes a fresh or pooled object for a new record and creates its task.</summary>
    public void Start(
        StreamPipeline stream,
        string partitionKey,
        string? explicitHashKey,
        UInt128 hashKey,
        ReadOnlyMemory<byte> data,
        int accountedBytes,
        long arrivalTimestamp,
        long expiresAt,
        FlushTracker.Epoch epoch)
    {
        promise = AsyncTaskMethodBuilder<UserRecordResult>.Create();
        _ = promise.Task;
        completed = 0;
        Stream = stream;
        PartitionKey = partitionKey;
        ExplicitHashKey = explicitHashKey;
        HashKey = hashKey;
        HashPending = explicitHashKey is null;
        Data = data;
        AccountedBytes = accountedBytes;
        ReadySince = arrivalTimestamp;
        ExpiresAt = expiresAt;
        Epoch = epoch;
        Attempts = null;
    }

    /// <summary>Completes the task with <paramref name="result"/>, on the calling thread: call only from a work item that holds no locks.</summary>
    public void Succeed(UserRecordResult result)
    {
        if (Interlocked.Exchange(ref completed, 1) == 0)
        {
            promise.SetResult(result);
        }
    }

    /// <summary>
    /// Faults the task with <paramref name="exception"/> (an <see cref="OperationCanceledException"/> cancels it) from a
    /// thread-pool work item, so no continuation runs on the caller's thread or under a pipeline lock. False when the
    /// record was already completed.
    /// </summary>
    public bool FailOnThreadPool(Exception exception)
    {
        if (Interlocked.Exchange(ref completed, 1) != 0)
        {
            return false;
        }

        // Failures are rare: the work item may allocate, and the exception need not wait in a field of every record.
        ThreadPool.UnsafeQueueUserWorkItem(static state => state.Record.promise.SetException(state.Exception), (Record: this, Exception: exception), preferLocal: false);
        return true;
    }

    /// <summary>Drops the references a pooled object would otherwise keep alive.</summary>
    public void Clear()
    {
        promise = default;
        Stream = null!;
        PartitionKey = null!;
        ExplicitHashKey = null;
        Data = default;
        Epoch = null!;
        Attempts = null;
    }
}

/// <summary>An immutable list of attempts, newest first, shared by the user records of one Kinesis record.</summary>
internal sealed class AttemptNode
{
    private Attempt[]? materialized;

    public AttemptNode(Attempt attempt, AttemptNode? previous)
    {
        Attempt = attempt;
        Previous = previous;
        Count = (previous?.Count ?? 0) + 1;
    }

    public Attempt Attempt { get; }

    public AttemptNode? Previous { get; }

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
