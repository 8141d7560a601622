using Kinesis.Core.Hashing;
using Microsoft.Extensions.Logging;

namespace Kinesis.Core.Aggregation;

/// <summary>Log messages of the deaggregator (event ids 1100-1199).</summary>
internal static partial class DeaggregationLog
{
    [LoggerMessage(EventId = 1100, Level = LogLevel.Warning,
        Message = "Kinesis record {SequenceNumber} starts with the KPL magic bytes but is not a valid aggregate ({Reason}); it is delivered unchanged as one record.")]
    public static partial void InvalidAggregate(ILogger logger, string sequenceNumber, DeaggregationFailureReason reason);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning,
        Message = "Dropped all {UserRecordCount} user records of aggregated Kinesis record {SequenceNumber}: {OutOfRangeCount} of them hash outside the shard's hash key range {ShardHashKeyRange} (HashKeyRangeFilterMode.DropAndReport; a KPL producer re-sent them to the right shard).")]
    public static partial void DroppedOutOfRange(ILogger logger, int userRecordCount, string sequenceNumber, int outOfRangeCount, HashKeyRange shardHashKeyRange);
}
