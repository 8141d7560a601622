namespace Kinesis.Core.Aggregation;

/// <summary>What a <see cref="Deaggregator"/> does with an aggregate whose user records hash outside the shard's range.</summary>
/// <remarks>
/// <para>
/// After a shard split or merge, a KPL producer with a stale shard map can put an aggregate on a shard that
/// no longer owns some of its user records' hash keys. The Java KPL notices (PutRecords returns a different
/// shard id than predicted) and re-sends those user records to the right shard, so the copy on the wrong
/// shard is a duplicate. The Java KCL therefore silently drops the whole aggregate when any of its user
/// records falls outside the shard's range.
/// </para>
/// <para>
/// Producers other than the KPL (the kinesis-aggregation libraries, for instance) do not re-send, and for
/// their data that drop is a silent loss. We never drop silently: the default delivers everything (consumers
/// see duplicates, which at-least-once processing must tolerate anyway), and
/// <see cref="DropAndReport"/> drops as the KCL does but counts and logs every drop.
/// </para>
/// </remarks>
public enum HashKeyRangeFilterMode
{
    /// <summary>Deliver every user record; those outside the range are counted in <see cref="DeaggregationCounters.OutOfRangeUserRecordsDelivered"/>.</summary>
    Deliver,

    /// <summary>Drop the whole aggregate when any user record is outside the range (as the Java KCL does), count the dropped user records and log a warning.</summary>
    DropAndReport,
}
