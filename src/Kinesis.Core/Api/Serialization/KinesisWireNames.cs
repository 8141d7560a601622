using System.Text.Json;
using Kinesis.Core.Hashing;

namespace Kinesis.Core.Api.Serialization;

/// <summary>Maps the client's enums to and from the strings of the Kinesis JSON protocol.</summary>
internal static class KinesisWireNames
{
    /// <summary>Reads a <c>HashKeyRange</c>'s decimal <c>StartingHashKey</c> and <c>EndingHashKey</c>.</summary>
    /// <exception cref="JsonException">A key is not a decimal in [0, 2^128), or the end is below the start.</exception>
    public static HashKeyRange ToHashKeyRange(string startingHashKey, string endingHashKey) =>
        HashKeys.TryParseExplicitHashKey(startingHashKey, out var start)
        && HashKeys.TryParseExplicitHashKey(endingHashKey, out var end)
        && end >= start
            ? new HashKeyRange(start, end)
            : throw new JsonException($"HashKeyRange [{startingHashKey}, {endingHashKey}] is not a range of decimal hash keys in [0, 2^128).");

    public static string ToWire(ShardIteratorType type) => type switch
    {
        ShardIteratorType.TrimHorizon => "TRIM_HORIZON",
        ShardIteratorType.Latest => "LATEST",
        ShardIteratorType.AtSequenceNumber => "AT_SEQUENCE_NUMBER",
        ShardIteratorType.AfterSequenceNumber => "AFTER_SEQUENCE_NUMBER",
        ShardIteratorType.AtTimestamp => "AT_TIMESTAMP",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown shard iterator type."),
    };

    public static string ToWire(StreamMode mode) => mode switch
    {
        StreamMode.Provisioned => "PROVISIONED",
        StreamMode.OnDemand => "ON_DEMAND",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown stream mode."),
    };

    public static string ToWire(ShardFilterType type) => type switch
    {
        ShardFilterType.AfterShardId => "AFTER_SHARD_ID",
        ShardFilterType.AtTrimHorizon => "AT_TRIM_HORIZON",
        ShardFilterType.FromTrimHorizon => "FROM_TRIM_HORIZON",
        ShardFilterType.AtLatest => "AT_LATEST",
        ShardFilterType.AtTimestamp => "AT_TIMESTAMP",
        ShardFilterType.FromTimestamp => "FROM_TIMESTAMP",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown shard filter type."),
    };

    public static StreamStatus ParseStreamStatus(string? value) => value switch
    {
        "CREATING" => StreamStatus.Creating,
        "DELETING" => StreamStatus.Deleting,
        "ACTIVE" => StreamStatus.Active,
        "UPDATING" => StreamStatus.Updating,
        _ => StreamStatus.Unknown,
    };

    public static ConsumerStatus ParseConsumerStatus(string? value) => value switch
    {
        "CREATING" => ConsumerStatus.Creating,
        "DELETING" => ConsumerStatus.Deleting,
        "ACTIVE" => ConsumerStatus.Active,
        _ => ConsumerStatus.Unknown,
    };

    public static StreamMode? ParseStreamMode(string? value) => value switch
    {
        "PROVISIONED" => StreamMode.Provisioned,
        "ON_DEMAND" => StreamMode.OnDemand,
        _ => null,
    };
}
