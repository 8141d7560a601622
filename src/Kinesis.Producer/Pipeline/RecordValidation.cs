using Kinesis.Core.Api;
using Kinesis.Core.Hashing;

namespace Kinesis.Producer.Pipeline;

/// <summary>Checks user input against the service's limits (the API client's own checks) before anything is buffered.</summary>
internal static class RecordValidation
{
    /// <summary>
    /// Checks the stream argument of <c>PutAsync</c>: a stream name, or (starting with <c>arn:</c>) a stream ARN of
    /// <paramref name="region"/>, the producer's; returns the parsed ARN, or null for a name.
    /// </summary>
    public static StreamArn? ValidateStream(string stream, string region)
    {
        if (StreamArn.IsArn(stream))
        {
            return StreamArn.Parse(stream, region, nameof(stream));
        }

        KinesisLimits.ValidateStreamName(stream, nameof(stream));
        return null;
    }

    /// <summary>
    /// Validates a user record and returns the bytes it counts against the outstanding bound. <paramref name="hashKey"/> is
    /// the parsed explicit hash key; without one it is left for the stream to compute, many partition keys at once
    /// (<see cref="HashKeys.FromPartitionKeys(ReadOnlySpan{string}, Span{UInt128})"/>).
    /// </summary>
    public static int ValidateRecord(string partitionKey, ReadOnlyMemory<byte> data, string? explicitHashKey, int maxRecordSize, out UInt128 hashKey)
    {
        ArgumentNullException.ThrowIfNull(partitionKey);
        var size = KinesisLimits.ValidateRecordSize(partitionKey, data.Length, maxRecordSize, $"{nameof(KinesisProducerOptions)}.{nameof(KinesisProducerOptions.MaxRecordSize)}", nameof(partitionKey), nameof(data));
        if (explicitHashKey is null)
        {
            hashKey = default;
        }
        else if (!HashKeys.TryParseExplicitHashKey(explicitHashKey, out hashKey))
        {
            throw new ArgumentException(
                $"The explicit hash key must be a decimal integer in [0, 2^128 - 1] ({HashKeys.Format(UInt128.MaxValue)}); it was '{explicitHashKey}'.", nameof(explicitHashKey));
        }

        return size;
    }
}
