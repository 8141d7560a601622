namespace Kinesis.Producer.Pipeline;

/// <summary>
/// Bounds the user records and bytes that are submitted and not yet resolved (the producer's
/// backpressure). <see cref="TryEnter"/> is the lock-free fast path; <see cref="EnterAsync"/> waits
/// for room, woken whenever records resolve.
/// </summary>
internal sealed class OutstandingGate
{
    private readonly int maxRecords;
    private readonly long maxBytes;
    private readonly object waitersGate = new();
    private long records;
    private long bytes;
    private TaskCompletionSource roomFreed = NewSignal();

    public OutstandingGate(int maxRecords, long maxBytes)
    {
        this.maxRecords = maxRecords;
        this.maxBytes = maxBytes;
    }

    public long Records => Volatile.Read(ref records);

    public long Bytes => Volatile.Read(ref bytes);

    public bool TryEnter(long recordBytes)
    {
        var newRecords = Interlocked.Increment(ref records);
        var newBytes = Interlocked.Add(ref bytes, recordBytes);
        if (newRecords <= maxRecords && newBytes <= maxBytes)
        {
            return true;
        }

        Exit(recordBytes);
        return false;
    }

    public async ValueTask EnterAsync(long recordBytes, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task signal;
            lock (waitersGate)
            {
                signal = roomFreed.Task;
            }

            if (TryEnter(recordBytes))
            {
                return;
            }

            await signal.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public void Exit(long recordBytes)
    {
        Interlocked.Decrement(ref records);
        Interlocked.Add(ref bytes, -recordBytes);
        if (roomFreed.Task.IsCompleted)
        {
            return;
        }

        TaskCompletionSource freed;
        lock (waitersGate)
        {
            freed = roomFreed;
            roomFreed = NewSignal();
        }

        freed.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
