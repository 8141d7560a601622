namespace Kinesis.Core.Aggregation;

/// <summary>
/// Constants of the KPL aggregated record format: 4 magic bytes <c>F3 89 9A C2</c>, a protobuf
/// <c>AggregatedRecord</c>, and the 16-byte MD5 digest of the protobuf bytes.
/// </summary>
public static class AggregatedRecordFormat
{
    /// <summary>The number of magic bytes that open an aggregated record.</summary>
    public const int MagicLength = 4;

    /// <summary>The length of the MD5 digest that closes an aggregated record.</summary>
    public const int ChecksumLength = 16;

    /// <summary>The bytes an aggregated record adds around its protobuf message (magic and checksum).</summary>
    public const int FixedOverhead = MagicLength + ChecksumLength;

    /// <summary>
    /// The partition key of a Kinesis record holding two or more user records. The Java KPL uses one
    /// byte because the explicit hash key, not the partition key, routes the record.
    /// </summary>
    public const string AggregatePartitionKey = "a";

    /// <summary>The magic bytes <c>F3 89 9A C2</c>.</summary>
    public static ReadOnlySpan<byte> Magic => [0xF3, 0x89, 0x9A, 0xC2];

    /// <summary>Whether <paramref name="data"/> starts with the magic bytes (it may still be corrupt).</summary>
    /// <param name="data">The data of a Kinesis record.</param>
    /// <returns><see langword="true"/> when the data starts with <see cref="Magic"/>.</returns>
    public static bool HasMagic(ReadOnlySpan<byte> data) => data.StartsWith(Magic);
}
