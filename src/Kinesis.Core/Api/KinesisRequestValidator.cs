using Kinesis.Core.Hashing;

namespace Kinesis.Core.Api;

/// <summary>Checks requests against the service limits before anything is sent.</summary>
internal static class KinesisRequestValidator
{
    public static void StreamName(string? name, string paramName) => KinesisLimits.ValidateStreamName(name, paramName);

    /// <summary>Either a valid name or a non-empty ARN.</summary>
    public static void Stream(string? name, string? arn, string paramName)
    {
        if (name is null && string.IsNullOrEmpty(arn))
        {
            throw new ArgumentException("Name the stream by StreamName or StreamARN.", paramName);
        }

        if (name is not null)
        {
            StreamName(name, paramName);
        }
    }

    /// <summary>Validates one record and returns its size as the service counts it (key UTF-8 bytes + data).</summary>
    public static int Record(string? partitionKey, int dataLength, string? explicitHashKey, string paramName)
    {
        var size = KinesisLimits.ValidateRecordSize(partitionKey, dataLength, paramName, paramName);
        if (explicitHashKey is not null && !IsHashKey(explicitHashKey))
        {
            throw new ArgumentException($"An explicit hash key is a decimal integer in [0, 2^128); got '{explicitHashKey}'.", paramName);
        }

        return size;
    }

    public static void PutRecords(PutRecordsRequest request, string paramName)
    {
        Stream(request.StreamName, request.StreamARN, paramName);
        var records = request.Records ?? throw new ArgumentException("Records is required.", paramName);
        if (records.Count is 0 or > KinesisLimits.MaxRecordsPerPutRecords)
        {
            throw new ArgumentException($"A PutRecords call has 1 to {KinesisLimits.MaxRecordsPerPutRecords} records; got {records.Count}.", paramName);
        }

        long total = 0;
        for (var i = 0; i < records.Count; i++)
        {
            var entry = records[i] ?? throw new ArgumentException($"Records[{i}] is null.", paramName);
            total += Record(entry.PartitionKey, entry.Data.Length, entry.ExplicitHashKey, paramName);
        }

        if (total > KinesisLimits.MaxPutRecordsSize)
        {
            throw new ArgumentException($"A PutRecords call carries at most {KinesisLimits.MaxPutRecordsSize} bytes (data plus partition keys); got {total}.", paramName);
        }
    }

    public static void Positive(int? value, int max, string name, string paramName)
    {
        if (value is { } v && (v < 1 || v > max))
        {
            throw new ArgumentOutOfRangeException(paramName, v, $"{name} must be between 1 and {max}.");
        }
    }

    public static void Iterator(ShardIteratorType type, string? sequenceNumber, DateTimeOffset? timestamp, string paramName)
    {
        var needsSequence = type is ShardIteratorType.AtSequenceNumber or ShardIteratorType.AfterSequenceNumber;
        if (needsSequence != (sequenceNumber is not null))
        {
            throw new ArgumentException(needsSequence ? $"{type} needs a starting sequence number." : $"{type} takes no sequence number.", paramName);
        }

        if ((type == ShardIteratorType.AtTimestamp) != timestamp.HasValue)
        {
            throw new ArgumentException(type == ShardIteratorType.AtTimestamp ? "AtTimestamp needs a timestamp." : $"{type} takes no timestamp.", paramName);
        }
    }

    public static bool IsHashKey(string value) => HashKeys.TryParseExplicitHashKey(value, out _);
}
