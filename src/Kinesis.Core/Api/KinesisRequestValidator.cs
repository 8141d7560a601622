using Kinesis.Core.Hashing;

namespace Kinesis.Core.Api;

/// <summary>Checks requests against the service limits before anything is sent.</summary>
internal static class KinesisRequestValidator
{
    public static void StreamName(string? name, string paramName) => KinesisLimits.ValidateStreamName(name, paramName);

    /// <summary>
    /// A valid name, a stream ARN of <paramref name="region"/> (the client's), or both naming the same stream.
    /// </summary>
    public static void Stream(string? name, string? arn, string region, string paramName)
    {
        if (name is null && arn is null)
        {
            throw new ArgumentException("Name the stream by StreamName or StreamARN.", paramName);
        }

        if (name is not null)
        {
            StreamName(name, paramName);
        }

        if (arn is not null)
        {
            var parsed = StreamArn(arn, region, paramName);
            if (name is not null && name != parsed.StreamName)
            {
                throw new ArgumentException($"StreamName '{name}' and StreamARN '{arn}' name different streams; give one of them.", paramName);
            }
        }
    }

    /// <summary>A stream ARN (see <see cref="Api.StreamArn"/>) of <paramref name="region"/>, the client's.</summary>
    public static StreamArn StreamArn(string? arn, string region, string paramName) => Api.StreamArn.Parse(arn, region, paramName);

    /// <summary>Validates one record and returns its size as the service counts it (key UTF-8 bytes + data).</summary>
    public static int Record(string? partitionKey, int dataLength, string? explicitHashKey, int maxRecordSize, string paramName)
    {
        var size = KinesisLimits.ValidateRecordSize(partitionKey, dataLength, maxRecordSize, "KinesisApiClientOptions.MaxRecordSize", paramName, paramName);
        if (explicitHashKey is not null && !IsHashKey(explicitHashKey))
        {
            throw new ArgumentException($"An explicit hash key is a decimal integer in [0, 2^128); got '{explicitHashKey}'.", paramName);
        }

        return size;
    }

    /// <summary>
    /// Validates a PutRecords call: each record up to <paramref name="maxRecordSize"/>, and all of them up to
    /// <see cref="KinesisLimits.MaxPutRecordsSize"/>, or <see cref="KinesisLimits.MaxLargePutRecordsSize"/> when records
    /// above 1 MiB are allowed.
    /// </summary>
    public static void PutRecords(PutRecordsRequest request, string region, int maxRecordSize, string paramName)
    {
        Stream(request.StreamName, request.StreamARN, region, paramName);
        var records = request.Records ?? throw new ArgumentException("Records is required.", paramName);
        if (records.Count is 0 or > KinesisLimits.MaxRecordsPerPutRecords)
        {
            throw new ArgumentException($"A PutRecords call has 1 to {KinesisLimits.MaxRecordsPerPutRecords} records; got {records.Count}.", paramName);
        }

        long total = 0;
        for (var i = 0; i < records.Count; i++)
        {
            var entry = records[i] ?? throw new ArgumentException($"Records[{i}] is null.", paramName);
            total += Record(entry.PartitionKey, entry.Data.Length, entry.ExplicitHashKey, maxRecordSize, paramName);
        }

        var maxTotal = maxRecordSize > KinesisLimits.MaxRecordSize ? KinesisLimits.MaxLargePutRecordsSize : KinesisLimits.MaxPutRecordsSize;
        if (total > maxTotal)
        {
            throw new ArgumentException($"A PutRecords call carries at most {maxTotal} bytes (data plus partition keys); got {total}.", paramName);
        }
    }

    /// <summary>A stream's <c>MaxRecordSizeInKiB</c>, when given: <see cref="KinesisLimits.MinMaxRecordSizeInKiB"/> to <see cref="KinesisLimits.MaxMaxRecordSizeInKiB"/>.</summary>
    public static void MaxRecordSizeInKiB(int? value, string paramName)
    {
        if (value is { } v && (v < KinesisLimits.MinMaxRecordSizeInKiB || v > KinesisLimits.MaxMaxRecordSizeInKiB))
        {
            throw new ArgumentOutOfRangeException(paramName, v, $"MaxRecordSizeInKiB must be between {KinesisLimits.MinMaxRecordSizeInKiB} (1 MiB) and {KinesisLimits.MaxMaxRecordSizeInKiB} (10 MiB).");
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
