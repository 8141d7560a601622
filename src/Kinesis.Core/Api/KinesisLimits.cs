using System.Text;

namespace Kinesis.Core.Api;

/// <summary>Service limits that <see cref="KinesisApiClient"/> checks before sending.</summary>
public static class KinesisLimits
{
    /// <summary>Longest partition key, in UTF-16 characters.</summary>
    public const int MaxPartitionKeyLength = 256;

    /// <summary>
    /// Largest record of a stream whose maximum record size was never raised: data plus the partition key's UTF-8 bytes
    /// (1 MiB, every stream's default <c>MaxRecordSizeInKiB</c> of 1024).
    /// </summary>
    public const int MaxRecordSize = 1024 * 1024;

    /// <summary>
    /// Largest record of a stream whose maximum record size is raised to the top (<see cref="KinesisApiClient.UpdateMaxRecordSizeAsync"/>
    /// or <see cref="CreateStreamRequest.MaxRecordSizeInKiB"/> of 10240): 10 MiB of data plus partition key.
    /// </summary>
    public const int MaxLargeRecordSize = 10 * 1024 * 1024;

    /// <summary>Smallest <c>MaxRecordSizeInKiB</c> of a stream: 1024 (1 MiB, the default).</summary>
    public const int MinMaxRecordSizeInKiB = MaxRecordSize / 1024;

    /// <summary>Largest <c>MaxRecordSizeInKiB</c> of a stream: 10240 (10 MiB).</summary>
    public const int MaxMaxRecordSizeInKiB = MaxLargeRecordSize / 1024;

    /// <summary>Most records in one PutRecords call.</summary>
    public const int MaxRecordsPerPutRecords = 500;

    /// <summary>Largest PutRecords call: all data plus all partition keys' UTF-8 bytes (5 MiB).</summary>
    public const int MaxPutRecordsSize = 5 * 1024 * 1024;

    /// <summary>
    /// Largest PutRecords call to a stream that takes records above 1 MiB (10 MiB of data plus partition keys): a single
    /// record of up to <see cref="MaxLargeRecordSize"/> fits in one call.
    /// </summary>
    public const int MaxLargePutRecordsSize = 10 * 1024 * 1024;

    /// <summary>Largest shard count of CreateStream and UpdateShardCount (the API's limit; an account's shard quota is usually lower).</summary>
    public const int MaxShardCount = 100_000;

    /// <summary>Longest stream or consumer name.</summary>
    public const int MaxStreamNameLength = 128;

    /// <summary>
    /// Throws <see cref="ArgumentException"/> (naming <paramref name="paramName"/> and the rule) unless
    /// <paramref name="name"/> is a valid stream or consumer name: 1 to <see cref="MaxStreamNameLength"/>
    /// characters of [a-zA-Z0-9_.-].
    /// </summary>
    /// <param name="name">The name to check.</param>
    /// <param name="paramName">The argument to name in the exception.</param>
    public static void ValidateStreamName(string? name, string paramName)
    {
        ArgumentException.ThrowIfNullOrEmpty(name, paramName);
        if (name.Length > MaxStreamNameLength)
        {
            throw new ArgumentException($"A stream name has 1 to {MaxStreamNameLength} characters; got {name.Length}.", paramName);
        }

        var bad = InvalidStreamNameCharacter(name);
        if (bad >= 0)
        {
            throw new ArgumentException($"A stream name may contain only [a-zA-Z0-9_.-]; '{name}' contains '{name[bad]}'.", paramName);
        }
    }

    /// <summary>Whether <paramref name="name"/> is a valid stream name (see <see cref="ValidateStreamName"/>), without throwing.</summary>
    internal static bool IsStreamName(string name) => name.Length is > 0 and <= MaxStreamNameLength && InvalidStreamNameCharacter(name) < 0;

    /// <summary>
    /// Checks a record's partition key (1 to <see cref="MaxPartitionKeyLength"/> characters) and size (data plus
    /// the key's UTF-8 bytes at most <see cref="MaxRecordSize"/>), throwing <see cref="ArgumentException"/> that
    /// names the offending argument and the limit, and returns the size as the service counts it.
    /// </summary>
    /// <param name="partitionKey">The partition key.</param>
    /// <param name="dataLength">The data's length in bytes.</param>
    /// <param name="partitionKeyParamName">The argument to name when the key is wrong.</param>
    /// <param name="dataParamName">The argument to name when the record is too large.</param>
    /// <returns>The partition key's UTF-8 bytes plus <paramref name="dataLength"/>.</returns>
    public static int ValidateRecordSize(string? partitionKey, int dataLength, string partitionKeyParamName, string dataParamName) =>
        ValidateRecordSize(partitionKey, dataLength, MaxRecordSize, limitOption: null, partitionKeyParamName, dataParamName);

    /// <summary>
    /// <see cref="ValidateRecordSize(string?, int, string, string)"/> against a record size limit of
    /// <paramref name="maxRecordSize"/> bytes (up to <see cref="MaxLargeRecordSize"/>), set by the option
    /// <paramref name="limitOption"/> that the message names (null: the 1 MiB default of every stream).
    /// </summary>
    internal static int ValidateRecordSize(string? partitionKey, int dataLength, int maxRecordSize, string? limitOption, string partitionKeyParamName, string dataParamName)
    {
        if (string.IsNullOrEmpty(partitionKey) || partitionKey.Length > MaxPartitionKeyLength)
        {
            throw new ArgumentException($"A partition key has 1 to {MaxPartitionKeyLength} characters; got {partitionKey?.Length ?? 0}.", partitionKeyParamName);
        }

        var size = Encoding.UTF8.GetByteCount(partitionKey) + dataLength;
        if (size > maxRecordSize)
        {
            var limit = limitOption is null
                ? "1 MiB, a stream's default maximum record size"
                : maxRecordSize == MaxRecordSize
                    ? $"{limitOption}, default 1 MiB; raise it, up to {MaxLargeRecordSize} bytes (10 MiB), only for a stream whose maximum record size is raised (UpdateMaxRecordSize)"
                    : $"{limitOption}";
            throw new ArgumentException($"A record (data plus partition key UTF-8 bytes) is at most {maxRecordSize} bytes ({limit}); got {size}.", dataParamName);
        }

        return size;
    }

    private static int InvalidStreamNameCharacter(string name)
    {
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('_' or '.' or '-'))
            {
                return i;
            }
        }

        return -1;
    }
}
