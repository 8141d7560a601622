namespace Kinesis.Client.Lifecycle;

/// <summary>
/// The checkpoint bound of one batch delivered on several lanes: the position of the last record below which every record of
/// the batch is done (processed, dead-lettered or skipped), whatever order the lanes finish in. No I/O: lanes report what they
/// finished, and every rise of the mark is handed to <c>publish</c> (the checkpointer's bound), in order and never downwards.
/// </summary>
internal sealed class LowWaterMark
{
    private readonly object gate = new();
    private readonly IReadOnlyList<KinesisClientRecord> records;
    private readonly List<int>[] laneRecords;
    private readonly int[] doneInLane;
    private readonly ExtendedSequenceNumber start;
    private readonly Action<ExtendedSequenceNumber> publish;
    private ExtendedSequenceNumber current;

    /// <param name="records">The batch's user records in shard order.</param>
    /// <param name="laneOf">The lane of each record (same length as <paramref name="records"/>).</param>
    /// <param name="laneCount">How many lanes there are.</param>
    /// <param name="start">The bound before the batch: everything up to it is done.</param>
    /// <param name="publish">Called, under this object's lock, with each new mark.</param>
    public LowWaterMark(IReadOnlyList<KinesisClientRecord> records, int[] laneOf, int laneCount, ExtendedSequenceNumber start, Action<ExtendedSequenceNumber> publish)
    {
        this.records = records;
        this.start = start;
        this.publish = publish;
        current = start;
        laneRecords = new List<int>[laneCount];
        doneInLane = new int[laneCount];
        for (var lane = 0; lane < laneCount; lane++)
        {
            laneRecords[lane] = [];
        }

        for (var i = 0; i < laneOf.Length; i++)
        {
            laneRecords[laneOf[i]].Add(i);
        }
    }

    /// <summary>The mark: every record of the batch at or below it is done, and the record after it (if any) is not.</summary>
    public ExtendedSequenceNumber Current
    {
        get
        {
            lock (gate)
            {
                return current;
            }
        }
    }

    /// <summary>
    /// Lane <paramref name="lane"/> is done with each of its records up to and including <paramref name="through"/>; a lane
    /// finishes its records in order, so that is a prefix of the lane. Reports that do not move the lane forward are ignored.
    /// </summary>
    public void Completed(int lane, ExtendedSequenceNumber through)
    {
        lock (gate)
        {
            var indices = laneRecords[lane];
            var done = doneInLane[lane];
            while (done < indices.Count && records[indices[done]].ToExtendedSequenceNumber() <= through)
            {
                done++;
            }

            if (done == doneInLane[lane])
            {
                return;
            }

            doneInLane[lane] = done;
            var mark = Compute();
            if (mark > current)
            {
                current = mark;
                publish(mark);
            }
        }
    }

    /// <summary>The position just before the earliest record not done on any lane; the batch's last record when all are done.</summary>
    private ExtendedSequenceNumber Compute()
    {
        var earliest = records.Count;
        for (var lane = 0; lane < laneRecords.Length; lane++)
        {
            var indices = laneRecords[lane];
            if (doneInLane[lane] < indices.Count && indices[doneInLane[lane]] < earliest)
            {
                earliest = indices[doneInLane[lane]];
            }
        }

        return earliest == 0 ? start : records[earliest - 1].ToExtendedSequenceNumber();
    }
}
