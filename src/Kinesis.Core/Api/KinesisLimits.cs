namespace Kinesis.Core.Api;

/// <summary>Service limits that <see cref="KinesisApiClient"/> checks before sending.</summary>
public static class KinesisLimits
{
    /// <summary>Longest partition key, in UTF-16 characters.</summary>
    public const int MaxPartitionKeyLength = 256;

    /// <summary>Largest record: data plus the partition key's UTF-8 bytes (1 MiB).</summary>
    public const int MaxRecordSize = 1024 * 1024;

    /// <summary>Most records in one PutRecords call.</summary>
    public const int MaxRecordsPerPutRecords = 500;

    /// <summary>Largest PutRecords call: all data plus all partition keys' UTF-8 bytes (5 MiB).</summary>
    public const int MaxPutRecordsSize = 5 * 1024 * 1024;

    /// <summary>Longest stream or consumer name.</summary>
    public const int MaxStreamNameLength = 128;
}
