namespace Kinesis.Producer.Pipeline;

/// <summary>
/// Bounds the user records and bytes that are submitted and not yet resolved (the producer's
/// backpressure). Admission is first come, first served: once anyone waits, later records queue behind
/// them, so waiting never reorders records. Admitted waiters are handed on from a thread-pool work item
/// that holds no locks, so releasing room inside a pipeline lock cannot deadlock.
/// </summary>
internal sealed class OutstandingGate
{
    private readonly int maxRecords;
    private readonly long maxBytes;
    private readonly object gate = new();
    private readonly LinkedList<Waiter> waiters = new();
    private long records;
    private long bytes;

    // Waiters queued or admitted but not yet handed on; the lock-free path is closed while non-zero.
    private int pending;
    private int drainScheduled;

    public OutstandingGate(int maxRecords, long maxBytes)
    {
        this.maxRecords = maxRecords;
        this.maxBytes = maxBytes;
    }

    public long Records => Volatile.Read(ref records);

    public long Bytes => Volatile.Read(ref bytes);

    /// <summary>Takes room for one record now, if there is room and nobody is waiting.</summary>
    public bool TryEnter(long recordBytes)
    {
        if (Volatile.Read(ref pending) != 0)
        {
            return false;
        }

        var newRecords = Interlocked.Increment(ref records);
        var newBytes = Interlocked.Add(ref bytes, recordBytes);
        if (newRecords <= maxRecords && newBytes <= maxBytes)
        {
            return true;
        }

        Interlocked.Decrement(ref records);
        Interlocked.Add(ref bytes, -recordBytes);
        return false;
    }

    /// <summary>
    /// Queues a record for room. <paramref name="admitted"/> runs (in queue order, on the thread pool) once
    /// room is taken for it; <paramref name="cancelled"/> runs instead if <paramref name="cancellationToken"/>
    /// fires first.
    /// </summary>
    public void Enqueue(long recordBytes, Action admitted, Action cancelled, CancellationToken cancellationToken)
    {
        var waiter = new Waiter(this, recordBytes, admitted, cancelled);
        lock (gate)
        {
            waiter.Node = waiters.AddLast(waiter);
            pending++;
        }

        if (cancellationToken.CanBeCanceled)
        {
            waiter.Registration = cancellationToken.UnsafeRegister(static state => ((Waiter)state!).Gate.Cancel((Waiter)state!), waiter);
        }

        ScheduleDrain();
    }

    /// <summary>Returns the room of <paramref name="count"/> resolved records holding <paramref name="recordBytes"/> bytes in all.</summary>
    public void Exit(int count, long recordBytes)
    {
        Interlocked.Add(ref records, -count);
        Interlocked.Add(ref bytes, -recordBytes);
        if (Volatile.Read(ref pending) != 0)
        {
            ScheduleDrain();
        }
    }

    /// <summary>
    /// Takes room back for <paramref name="count"/> records whose room was returned by a completion that was then
    /// refused (another path had completed them and returned it): the room is returned once in all.
    /// </summary>
    public void Charge(int count, long recordBytes)
    {
        Interlocked.Add(ref records, count);
        Interlocked.Add(ref bytes, recordBytes);
    }

    private void Cancel(Waiter waiter)
    {
        lock (gate)
        {
            if (waiter.Node?.List is null)
            {
                return;
            }

            waiters.Remove(waiter.Node);
            pending--;
        }

        waiter.Cancelled();
    }

    private void ScheduleDrain()
    {
        if (Interlocked.Exchange(ref drainScheduled, 1) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static self => self.Drain(), this, preferLocal: false);
        }
    }

    private void Drain()
    {
        // Reset first: room freed from here on schedules another drain, room freed before is seen below.
        Volatile.Write(ref drainScheduled, 0);
        while (true)
        {
            Waiter? next = null;
            lock (gate)
            {
                var first = waiters.First;
                if (first is not null
                    && Volatile.Read(ref records) + 1 <= maxRecords
                    && Volatile.Read(ref bytes) + first.Value.Bytes <= maxBytes)
                {
                    waiters.RemoveFirst();
                    Interlocked.Increment(ref records);
                    Interlocked.Add(ref bytes, first.Value.Bytes);
                    next = first.Value;
                }
            }

            if (next is null)
            {
                return;
            }

            next.Registration.Dispose();
            next.Admitted();
            lock (gate)
            {
                pending--;
            }
        }
    }

    private sealed class Waiter(OutstandingGate gate, long bytes, Action admitted, Action cancelled)
    {
        public OutstandingGate Gate { get; } = gate;

        public long Bytes { get; } = bytes;

        public Action Admitted { get; } = admitted;

        public Action Cancelled { get; } = cancelled;

        public LinkedListNode<Waiter>? Node { get; set; }

        public CancellationTokenRegistration Registration { get; set; }
    }
}
