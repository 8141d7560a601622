namespace Kinesis.Producer.Pipeline;

/// <summary>
/// Lets <see cref="KinesisProducer.FlushAsync"/> wait for every record submitted before the call without
/// keeping a list of them: records join the current epoch; a flush closes it and waits until it and
/// every earlier epoch have no unresolved records.
/// </summary>
internal sealed class FlushTracker
{
    private readonly object gate = new();
    private Epoch current = new(previous: null);

    /// <summary>Registers a submitted record; pass the returned epoch to <see cref="Epoch.Resolve"/> when it is resolved.</summary>
    public Epoch Join()
    {
        while (true)
        {
            var epoch = Volatile.Read(ref current);
            if (epoch.TryJoin())
            {
                return epoch;
            }
        }
    }

    /// <summary>Closes the current epoch and returns a task that completes when all records submitted so far are resolved.</summary>
    public Task CloseCurrentAsync()
    {
        Epoch closed;
        lock (gate)
        {
            closed = current;
            Volatile.Write(ref current, new Epoch(closed));
        }

        closed.Close();
        return closed.Completion;
    }

    internal sealed class Epoch
    {
        // Starts at 1: the "open" reference released by Close. Negative means closed and drained.
        private int pending = 1;
        private readonly TaskCompletionSource drained = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Epoch(Epoch? previous)
        {
            Completion = previous is null ? drained.Task : Task.WhenAll(previous.Completion, drained.Task);
        }

        public Task Completion { get; }

        public bool TryJoin()
        {
            var seen = Volatile.Read(ref pending);
            while (seen > 0)
            {
                var prior = Interlocked.CompareExchange(ref pending, seen + 1, seen);
                if (prior == seen)
                {
                    return true;
                }

                seen = prior;
            }

            return false;
        }

        /// <summary>Resolves <paramref name="count"/> records that joined this epoch.</summary>
        public void Resolve(int count)
        {
            if (Interlocked.Add(ref pending, -count) == 0)
            {
                drained.TrySetResult();
            }
        }

        public void Close() => Resolve(1);
    }
}
