using Kinesis.Core.Hashing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kinesis.Core.Aggregation;

/// <summary>
/// Expands Kinesis records written in the KPL aggregated record format into their user records, compatible
/// with the Java KCL, and passes every other record through unchanged.
/// </summary>
/// <remarks>
/// <para>
/// A record is expanded only when it has the magic bytes, a matching MD5 and a protobuf message that parses
/// with every key index inside its table. Anything else (including a record that merely starts with the magic
/// bytes by chance) is delivered unchanged as one user record, never thrown on, and counted by reason in
/// <see cref="Counters"/>; invalid aggregates are also logged as warnings.
/// </para>
/// <para>
/// User records keep the carrying record's sequence number and get subsequence numbers 0 to n-1 in order;
/// their data are slices of the carrying record's data (no copy). Thread-safe: one instance can serve every
/// shard of a worker.
/// </para>
/// </remarks>
public sealed class Deaggregator
{
    private readonly HashKeyRangeFilterMode _outOfRangeBehavior;
    private readonly ILogger _logger;

    /// <summary>Creates a deaggregator.</summary>
    /// <param name="options">The options, or <see langword="null"/> for the defaults. Read once here.</param>
    /// <param name="logger">Where to log invalid aggregates and drops; none when <see langword="null"/>.</param>
    /// <param name="counters">Counters to add to (for example shared by several deaggregators), or <see langword="null"/> for new ones.</param>
    public Deaggregator(DeaggregatorOptions? options = null, ILogger<Deaggregator>? logger = null, DeaggregationCounters? counters = null)
    {
        _outOfRangeBehavior = (options ?? new DeaggregatorOptions()).OutOfRangeBehavior;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        Counters = counters ?? new DeaggregationCounters();
    }

    /// <summary>The running totals of this deaggregator: records expanded, passed through by reason, dropped.</summary>
    public DeaggregationCounters Counters { get; }

    /// <summary>
    /// Appends the user records of <paramref name="record"/> to <paramref name="destination"/>: its members when
    /// it is a valid aggregate, otherwise the record itself unchanged (subsequence number 0, not aggregated).
    /// </summary>
    /// <param name="record">The Kinesis record.</param>
    /// <param name="destination">The list to append to; reuse it across calls to avoid allocations.</param>
    /// <param name="shardHashKeyRange">
    /// The hash key range of the shard the record was read from, to detect user records that belong to another
    /// shard after resharding (see <see cref="HashKeyRangeFilterMode"/>), or <see langword="null"/> to skip the check.
    /// Only aggregates are checked: Kinesis does not return the explicit hash key of a plain record.
    /// </param>
    /// <returns>The number of user records appended (0 only when an aggregate was dropped).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="destination"/>, or the record's partition key or sequence number, is <see langword="null"/>.</exception>
    public int Deaggregate(in KinesisRecordInput record, List<DeaggregatedRecord> destination, HashKeyRange? shardHashKeyRange = null)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(record.PartitionKey, nameof(record));
        ArgumentNullException.ThrowIfNull(record.SequenceNumber, nameof(record));

        AggregatedRecordReader.ReadResult result = AggregatedRecordReader.TryRead(record, shardHashKeyRange, destination);
        if (result.Failure is DeaggregationFailureReason reason)
        {
            Counters.AddFailure(reason);
            if (reason is not (DeaggregationFailureReason.NotAggregated or DeaggregationFailureReason.TooShort))
            {
                DeaggregationLog.InvalidAggregate(_logger, record.SequenceNumber, reason);
            }

            destination.Add(new DeaggregatedRecord(
                record.Data,
                record.PartitionKey,
                explicitHashKey: null,
                record.SequenceNumber,
                subSequenceNumber: 0,
                record.ApproximateArrivalTimestamp,
                isAggregated: false));
            return 1;
        }

        if (result.OutOfRange > 0)
        {
            if (_outOfRangeBehavior == HashKeyRangeFilterMode.DropAndReport)
            {
                destination.RemoveRange(destination.Count - result.Appended, result.Appended);
                Counters.AddDropped(result.Appended);
                DeaggregationLog.DroppedOutOfRange(_logger, result.Appended, record.SequenceNumber, result.OutOfRange, shardHashKeyRange!.Value);
                return 0;
            }

            Counters.AddOutOfRangeDelivered(result.OutOfRange);
        }

        Counters.AddAggregate(result.Appended);
        return result.Appended;
    }
}
