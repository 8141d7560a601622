namespace Kinesis.Core.Aggregation;

/// <summary>
/// Running totals of a <see cref="Deaggregator"/>'s work, safe to read from any thread while it runs
/// (for example from an observable metrics instrument).
/// </summary>
public sealed class DeaggregationCounters
{
    private readonly long[] _byReason = new long[Enum.GetValues<DeaggregationFailureReason>().Length];
    private long _aggregatedRecords;
    private long _userRecordsFromAggregates;
    private long _droppedUserRecords;
    private long _outOfRangeUserRecordsDelivered;

    /// <summary>Kinesis records expanded from valid aggregates.</summary>
    public long AggregatedRecords => Volatile.Read(ref _aggregatedRecords);

    /// <summary>User records produced from valid aggregates (dropped ones excluded).</summary>
    public long UserRecordsFromAggregates => Volatile.Read(ref _userRecordsFromAggregates);

    /// <summary>User records dropped by <see cref="HashKeyRangeFilterMode.DropAndReport"/>.</summary>
    public long DroppedUserRecords => Volatile.Read(ref _droppedUserRecords);

    /// <summary>User records delivered although they hash outside the shard's range (<see cref="HashKeyRangeFilterMode.Deliver"/>).</summary>
    public long OutOfRangeUserRecordsDelivered => Volatile.Read(ref _outOfRangeUserRecordsDelivered);

    /// <summary>The number of Kinesis records not expanded for <paramref name="reason"/>.</summary>
    /// <param name="reason">The reason.</param>
    /// <returns>The count so far.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="reason"/> is not a defined value.</exception>
    public long GetCount(DeaggregationFailureReason reason)
    {
        if ((uint)reason >= (uint)_byReason.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(reason), reason, "Not a defined DeaggregationFailureReason.");
        }

        return Volatile.Read(ref _byReason[(int)reason]);
    }

    internal void AddFailure(DeaggregationFailureReason reason) => Interlocked.Increment(ref _byReason[(int)reason]);

    internal void AddAggregate(int userRecords)
    {
        Interlocked.Increment(ref _aggregatedRecords);
        Interlocked.Add(ref _userRecordsFromAggregates, userRecords);
    }

    internal void AddDropped(int userRecords)
    {
        Interlocked.Increment(ref _byReason[(int)DeaggregationFailureReason.OutsideShardHashKeyRange]);
        Interlocked.Add(ref _droppedUserRecords, userRecords);
    }

    internal void AddOutOfRangeDelivered(int userRecords) => Interlocked.Add(ref _outOfRangeUserRecordsDelivered, userRecords);
}
