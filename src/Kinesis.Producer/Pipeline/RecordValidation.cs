using System.Text;
using Kinesis.Core.Api;
using Kinesis.Core.Hashing;

namespace Kinesis.Producer.Pipeline;

/// <summary>Checks user input against the service's limits before anything is buffered.</summary>
internal static class RecordValidation
{
    public static void ValidateStreamName(string streamName)
    {
        ArgumentNullException.ThrowIfNull(streamName);
        if (streamName.Length is 0 or > KinesisLimits.MaxStreamNameLength)
        {
            throw new ArgumentException($"The stream name must be 1 to {KinesisLimits.MaxStreamNameLength} characters; it has {streamName.Length}.", nameof(streamName));
        }

        foreach (var c in streamName)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
            {
                throw new ArgumentException($"The stream name may hold only letters, digits, '_', '-' and '.'; it has '{c}'.", nameof(streamName));
            }
        }
    }

    /// <summary>Validates a user record and returns the bytes it counts against the outstanding bound.</summary>
    public static int ValidateRecord(string partitionKey, ReadOnlyMemory<byte> data, string? explicitHashKey, out UInt128 hashKey)
    {
        ArgumentNullException.ThrowIfNull(partitionKey);
        if (partitionKey.Length is 0 or > KinesisLimits.MaxPartitionKeyLength)
        {
            throw new ArgumentException($"The partition key must be 1 to {KinesisLimits.MaxPartitionKeyLength} characters; it has {partitionKey.Length}.", nameof(partitionKey));
        }

        var keyBytes = Encoding.UTF8.GetByteCount(partitionKey);
        if (keyBytes + data.Length > KinesisLimits.MaxRecordSize)
        {
            throw new ArgumentException(
                $"The partition key's UTF-8 bytes plus the data must be at most {KinesisLimits.MaxRecordSize} bytes (1 MiB); they are {keyBytes} + {data.Length}.", nameof(data));
        }

        if (explicitHashKey is null)
        {
            hashKey = HashKeys.FromPartitionKey(partitionKey);
        }
        else if (!HashKeys.TryParseExplicitHashKey(explicitHashKey, out hashKey))
        {
            throw new ArgumentException(
                $"The explicit hash key must be a decimal integer in [0, 2^128 - 1] ({HashKeys.Format(UInt128.MaxValue)}); it was '{explicitHashKey}'.", nameof(explicitHashKey));
        }

        return keyBytes + data.Length;
    }
}
