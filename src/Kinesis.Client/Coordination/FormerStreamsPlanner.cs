namespace Kinesis.Client.Coordination;

/// <summary>
/// Decides when the leases of a stream that left the list of a multi-stream consumer are deleted (the Java KCL's deferred
/// deletion of former streams): a stream with leases but not in the list is noted at the first pass that finds it so, and is
/// due once <see cref="MultiStreamOptions.FormerStreamsLeasesDeletionDelay"/> has passed; coming back into the list cancels it.
/// No I/O: timestamps come from the caller's <see cref="TimeProvider"/>.
/// </summary>
internal sealed class FormerStreamsPlanner
{
    private readonly FormerStreamsLeasesDeletion mode;
    private readonly TimeSpan delay;
    private readonly TimeProvider time;
    private readonly Dictionary<StreamIdentifier, long> missingSince = [];

    public FormerStreamsPlanner(FormerStreamsLeasesDeletion mode, TimeSpan delay, TimeProvider time)
    {
        this.mode = mode;
        this.delay = delay;
        this.time = time;
    }

    /// <summary>Streams noted as missing from the list whose deletion is not yet due.</summary>
    public int PendingCount { get; private set; }

    /// <summary>
    /// Notes the streams of <paramref name="withLeases"/> missing from <paramref name="listed"/> and returns those whose delay has
    /// passed. Streams back in the list, or without leases any more (deleted by another worker), are forgotten.
    /// </summary>
    /// <returns>The streams whose leases are to be deleted now, each with the time its deletion became due.</returns>
    public List<StreamIdentifier> Plan(IReadOnlySet<StreamIdentifier> listed, IReadOnlySet<StreamIdentifier> withLeases, Action<StreamIdentifier, DateTimeOffset>? onNewlyMissing = null)
    {
        var due = new List<StreamIdentifier>();
        if (mode == FormerStreamsLeasesDeletion.None)
        {
            missingSince.Clear();
            PendingCount = 0;
            return due;
        }

        var now = time.GetTimestamp();
        foreach (var stream in missingSince.Keys.ToArray())
        {
            if (listed.Contains(stream) || !withLeases.Contains(stream))
            {
                missingSince.Remove(stream);
            }
        }

        foreach (var stream in withLeases)
        {
            if (!listed.Contains(stream) && missingSince.TryAdd(stream, now))
            {
                onNewlyMissing?.Invoke(stream, time.GetUtcNow() + delay);
            }
        }

        foreach (var (stream, since) in missingSince)
        {
            if (time.GetElapsedTime(since, now) >= delay)
            {
                due.Add(stream);
            }
        }

        PendingCount = missingSince.Count - due.Count;
        return due;
    }

    /// <summary>Forgets a stream whose leases were deleted.</summary>
    public void Deleted(StreamIdentifier stream) => missingSince.Remove(stream);
}
