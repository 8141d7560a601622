using System.Globalization;
using Amazon.DynamoDBv2.Model;

namespace Kinesis.Client.Leases;

/// <summary>Maps a <see cref="Lease"/> to and from a lease table item with the KCL attribute names and DynamoDB types.</summary>
internal static class LeaseSerializer
{
    public static Dictionary<string, AttributeValue> ToItem(Lease lease)
    {
        var item = new Dictionary<string, AttributeValue>(StringComparer.Ordinal)
        {
            [LeaseAttributes.LeaseKey] = new() { S = lease.LeaseKey },
            [LeaseAttributes.LeaseCounter] = Number(lease.LeaseCounter),
            [LeaseAttributes.OwnerSwitchesSinceCheckpoint] = Number(lease.OwnerSwitchesSinceCheckpoint),
        };
        if (lease.LeaseOwner is not null)
        {
            item[LeaseAttributes.LeaseOwner] = new() { S = lease.LeaseOwner };
        }

        if (lease.Checkpoint is not null)
        {
            item[LeaseAttributes.Checkpoint] = new() { S = lease.Checkpoint.SequenceNumber };
            item[LeaseAttributes.CheckpointSubSequenceNumber] = Number(lease.Checkpoint.SubSequenceNumber);
        }

        if (lease.PendingCheckpoint is not null)
        {
            item[LeaseAttributes.PendingCheckpoint] = new() { S = lease.PendingCheckpoint.SequenceNumber };
            item[LeaseAttributes.PendingCheckpointSubSequenceNumber] = Number(lease.PendingCheckpoint.SubSequenceNumber);
        }

        if (lease.PendingCheckpointState is { } state)
        {
            item[LeaseAttributes.PendingCheckpointState] = Binary(state);
        }

        if (lease.ParentShardIds.Count > 0)
        {
            item[LeaseAttributes.ParentShardId] = StringSet(lease.ParentShardIds);
        }

        if (lease.ChildShardIds.Count > 0)
        {
            item[LeaseAttributes.ChildShardIds] = StringSet(lease.ChildShardIds);
        }

        if (lease.StartingHashKey is not null)
        {
            item[LeaseAttributes.StartingHashKey] = new() { S = lease.StartingHashKey };
        }

        if (lease.EndingHashKey is not null)
        {
            item[LeaseAttributes.EndingHashKey] = new() { S = lease.EndingHashKey };
        }

        if (lease.StreamIdentifier is not null)
        {
            item[LeaseAttributes.StreamName] = new() { S = lease.StreamIdentifier };
            item[LeaseAttributes.ShardId] = new() { S = lease.ShardId };
        }

        return item;
    }

    /// <summary>Reads an item; throws <see cref="FormatException"/> naming the lease and attribute when a value is malformed.</summary>
    public static Lease FromItem(Dictionary<string, AttributeValue> item)
    {
        var key = GetString(item, LeaseAttributes.LeaseKey)
            ?? throw new FormatException($"A lease table item has no string '{LeaseAttributes.LeaseKey}'.");
        return new Lease
        {
            LeaseKey = key,
            LeaseOwner = GetString(item, LeaseAttributes.LeaseOwner),
            LeaseCounter = GetNumber(item, key, LeaseAttributes.LeaseCounter) ?? 0,
            OwnerSwitchesSinceCheckpoint = GetNumber(item, key, LeaseAttributes.OwnerSwitchesSinceCheckpoint) ?? 0,
            Checkpoint = GetPosition(item, key, LeaseAttributes.Checkpoint, LeaseAttributes.CheckpointSubSequenceNumber),
            PendingCheckpoint = GetPosition(item, key, LeaseAttributes.PendingCheckpoint, LeaseAttributes.PendingCheckpointSubSequenceNumber),

            // The Java KCL's PutItem path can write this attribute as N (a known serializer quirk); only B carries state.
            PendingCheckpointState = item.TryGetValue(LeaseAttributes.PendingCheckpointState, out var state) && state.N is null && state.B is { } bytes
                ? new ReadOnlyMemory<byte>(bytes.ToArray())
                : (ReadOnlyMemory<byte>?)null,
            ParentShardIds = GetStringSet(item, LeaseAttributes.ParentShardId),
            ChildShardIds = GetStringSet(item, LeaseAttributes.ChildShardIds),
            StartingHashKey = GetString(item, LeaseAttributes.StartingHashKey),
            EndingHashKey = GetString(item, LeaseAttributes.EndingHashKey),
            StreamIdentifier = GetString(item, LeaseAttributes.StreamName),
            ShardIdAttribute = GetString(item, LeaseAttributes.ShardId),
        };
    }

    public static AttributeValue Number(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    public static AttributeValue StringSet(IReadOnlyList<string> values) => new() { SS = [.. values] };

    public static AttributeValue Binary(ReadOnlyMemory<byte> value) => new() { B = new MemoryStream(value.ToArray(), writable: false) };

    private static string? GetString(Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var value) ? value.S : null;

    private static long? GetNumber(Dictionary<string, AttributeValue> item, string key, string name)
    {
        if (!item.TryGetValue(name, out var value) || value.N is null)
        {
            return null;
        }

        return long.TryParse(value.N, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw new FormatException($"Lease '{key}': attribute '{name}' is not a 64-bit integer: '{value.N}'.");
    }

    private static ExtendedSequenceNumber? GetPosition(Dictionary<string, AttributeValue> item, string key, string name, string subName)
    {
        var sequenceNumber = GetString(item, name);
        if (sequenceNumber is null)
        {
            return null;
        }

        var sub = GetNumber(item, key, subName) ?? 0;
        return ExtendedSequenceNumber.TryCreate(sequenceNumber, sub, out var position)
            ? position
            : throw new FormatException($"Lease '{key}': attribute '{name}' is not a sequence number or sentinel: '{sequenceNumber}' (sub-sequence {sub}).");
    }

    private static IReadOnlyList<string> GetStringSet(Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var value) && value.SS is { Count: > 0 } set ? [.. set] : [];
}
