namespace Kinesis.Producer.Pipeline;

/// <summary>
/// Bounds the user records and bytes that are submitted and not yet resolved (the producer's backpressure). Admission
/// is first come, first served: once anyone waits, later records queue behind them, so waiting never reorders records.
/// Admitted records are handed on (<see cref="SetHandlers"/>) in queue order from one thread-pool work item at a time
/// that holds no locks, so releasing room inside a pipeline lock cannot deadlock.
/// </summary>
/// <remarks>
/// A waiting record is kept as a struct in chunks of <see cref="ChunkSize"/> slots, like records in the pipeline
/// (<see cref="UserRecord"/>): a producer put to far beyond its bound (a burst of millions) holds them without an
/// object, a delegate or a list node each; only a wait that can be cancelled costs an object.
/// </remarks>
internal sealed class OutstandingGate
{
    /// <summary>Slots per chunk of the wait queue (32 KiB: below the large object heap).</summary>
    public const int ChunkSize = 256;

    // Records handed on per lock acquisition of a drain.
    private const int AdmitBatch = 256;

    private readonly int maxRecords;
    private readonly long maxBytes;
    private readonly object gate = new();
    private readonly WaitQueue waiters = new();
    private long records;
    private long bytes;

    // Waiters queued or admitted but not yet handed on; the lock-free path is closed while non-zero.
    private int pending;

    // Set while a drain is queued or running: one drain at a time hands records on, in queue order.
    private int draining;
    private Action<UserRecord>? admitted;
    private Action<UserRecord, CancellationToken>? cancelled;
    private Action<UserRecord, Exception>? handOnFailed;

    // Owned by the one running drain.
    private readonly UserRecord[] admitting = new UserRecord[AdmitBatch];
    private readonly CancellableWait?[] admittingWaits = new CancellableWait?[AdmitBatch];

    public OutstandingGate(int maxRecords, long maxBytes)
    {
        this.maxRecords = maxRecords;
        this.maxBytes = maxBytes;
    }

    public long Records => Volatile.Read(ref records);

    public long Bytes => Volatile.Read(ref bytes);

    /// <summary>
    /// What becomes of a waiting record: <paramref name="onAdmitted"/> once room is taken for it (it now holds that room),
    /// <paramref name="onCancelled"/> if its cancellation token fires first (it holds none). Set once, before any wait.
    /// <paramref name="onHandOnFailed"/> gets a record whose <paramref name="onAdmitted"/> threw (a bug: it still holds its
    /// room and must be resolved); the drain goes on with the next record either way, so no exception leaves the drain's
    /// thread-pool work item (it would end the process) and no record behind the failed one is stranded.
    /// </summary>
    public void SetHandlers(
        Action<UserRecord> onAdmitted,
        Action<UserRecord, CancellationToken> onCancelled,
        Action<UserRecord, Exception>? onHandOnFailed = null)
    {
        admitted = onAdmitted;
        cancelled = onCancelled;
        handOnFailed = onHandOnFailed;
    }

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
    /// Queues <paramref name="record"/> for room (<see cref="UserRecord.AccountedBytes"/>): it is handed to the admitted
    /// handler in queue order once room is taken for it, or to the cancelled handler if <paramref name="cancellationToken"/>
    /// fires first.
    /// </summary>
    public void Enqueue(in UserRecord record, CancellationToken cancellationToken)
    {
        var wait = cancellationToken.CanBeCanceled ? new CancellableWait(this, record, cancellationToken) : null;
        lock (gate)
        {
            waiters.Enqueue(wait is null ? new Waiting(record, null) : new Waiting(default, wait));
            pending++;
        }

        if (wait is not null)
        {
            // After queueing: a token cancelled already runs the callback here, which finds the record queued.
            wait.Registration = cancellationToken.UnsafeRegister(static state => ((CancellableWait)state!).Cancel(), wait);
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

    private void ScheduleDrain()
    {
        if (Interlocked.Exchange(ref draining, 1) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static self => self.Drain(), this, preferLocal: false);
        }
    }

    private void Drain()
    {
        while (true)
        {
            var count = TakeAdmissible();
            if (count == 0)
            {
                // Stand down, then look once more: room freed before the flag was cleared found it set and queued nothing.
                Volatile.Write(ref draining, 0);
                if (!HasAdmissible() || Interlocked.Exchange(ref draining, 1) != 0)
                {
                    return;
                }

                continue;
            }

            for (var i = 0; i < count; i++)
            {
                admittingWaits[i]?.Registration.Dispose();
                admittingWaits[i] = null;
                HandOn(admitting[i]);
                admitting[i] = default;
            }

            lock (gate)
            {
                pending -= count;
            }
        }
    }

    private void HandOn(in UserRecord record)
    {
        try
        {
            admitted!(record);
        }
        catch (Exception ex)
        {
            try
            {
                handOnFailed?.Invoke(record, ex);
            }
            catch (Exception)
            {
                // Nothing more can be done for it here; an exception escaping a work item would end the process.
            }
        }
    }

    /// <summary>Moves the records at the head of the queue that fit into <see cref="admitting"/>, taking their room.</summary>
    private int TakeAdmissible()
    {
        var count = 0;
        lock (gate)
        {
            while (count < AdmitBatch && waiters.Count > 0)
            {
                ref var head = ref waiters.Peek();
                if (head.Wait is { } wait)
                {
                    if (wait.IsCancelled)
                    {
                        // Its canceller resolved it and took it off the pending count.
                        waiters.RemoveFirst();
                        continue;
                    }

                    if (!Fits(wait.Record.AccountedBytes) || !wait.TryAdmit())
                    {
                        // No room yet, or cancelled just now (then dropped by the next look).
                        break;
                    }

                    admitting[count] = wait.Record;
                    admittingWaits[count] = wait;
                }
                else
                {
                    if (!Fits(head.Record.AccountedBytes))
                    {
                        break;
                    }

                    admitting[count] = head.Record;
                }

                Interlocked.Increment(ref records);
                Interlocked.Add(ref bytes, admitting[count].AccountedBytes);
                waiters.RemoveFirst();
                count++;
            }
        }

        return count;
    }

    private bool HasAdmissible()
    {
        lock (gate)
        {
            if (waiters.Count == 0)
            {
                return false;
            }

            ref var head = ref waiters.Peek();
            return head.Wait?.IsCancelled == true || Fits(head.Wait?.Record.AccountedBytes ?? head.Record.AccountedBytes);
        }
    }

    private bool Fits(long recordBytes) =>
        Volatile.Read(ref records) + 1 <= maxRecords && Volatile.Read(ref bytes) + recordBytes <= maxBytes;

    private void Cancelled(CancellableWait wait)
    {
        lock (gate)
        {
            pending--;
        }

        cancelled!(wait.Record, wait.Token);
    }

    /// <summary>A queued record, or (when its wait can be cancelled) the object that holds it.</summary>
    private readonly record struct Waiting(UserRecord Record, CancellableWait? Wait);

    /// <summary>A wait that can be cancelled: admission and cancellation race for it by one atomic transition.</summary>
    private sealed class CancellableWait(OutstandingGate owner, UserRecord record, CancellationToken token)
    {
        private const int Queued = 0;
        private const int Admitted = 1;
        private const int Cancelled = 2;
        private int state;

        public UserRecord Record { get; } = record;

        public CancellationToken Token { get; } = token;

        public CancellationTokenRegistration Registration { get; set; }

        public bool IsCancelled => Volatile.Read(ref state) == Cancelled;

        public bool TryAdmit() => Interlocked.CompareExchange(ref state, Admitted, Queued) == Queued;

        public void Cancel()
        {
            if (Interlocked.CompareExchange(ref state, Cancelled, Queued) == Queued)
            {
                owner.Cancelled(this);
            }
        }
    }

    /// <summary>
    /// A first-in first-out queue of <see cref="Waiting"/> structs in chunks of <see cref="ChunkSize"/>; a drained chunk is
    /// kept for the next one needed, so a steady trickle of waiters allocates nothing. Guarded by the gate's lock.
    /// </summary>
    private sealed class WaitQueue
    {
        private Chunk head;
        private Chunk tail;
        private int headIndex;
        private int tailIndex;
        private Chunk? spare;

        public WaitQueue() => head = tail = new Chunk();

        public int Count { get; private set; }

        public void Enqueue(in Waiting waiting)
        {
            if (tailIndex == ChunkSize)
            {
                var next = spare ?? new Chunk();
                spare = null;
                tail.Next = next;
                tail = next;
                tailIndex = 0;
            }

            tail.Slots[tailIndex++] = waiting;
            Count++;
        }

        /// <summary>The first waiter; only while <see cref="Count"/> is positive.</summary>
        public ref Waiting Peek() => ref head.Slots[headIndex];

        public void RemoveFirst()
        {
            head.Slots[headIndex++] = default;
            Count--;
            if (Count == 0)
            {
                // The last one was in the tail chunk, which is the head now: start it over.
                headIndex = 0;
                tailIndex = 0;
            }
            else if (headIndex == ChunkSize)
            {
                var drained = head;
                head = drained.Next!;
                drained.Next = null;
                spare = drained;
                headIndex = 0;
            }
        }

        private sealed class Chunk
        {
            public Waiting[] Slots { get; } = new Waiting[ChunkSize];

            public Chunk? Next { get; set; }
        }
    }
}
