namespace Kinesis.Producer.Pipeline;

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
