using System.Globalization;
using Kinesis.Core.Api;
using Kinesis.Core.Hashing;
using Kinesis.Samples.Shared;

namespace Kinesis.Samples.StreamAdmin;

/// <summary>
/// Checks a split or a merge against the stream's shards before anything is sent, so a wrong shard id, a hash key
/// outside the shard or two shards that do not touch are reported as one line naming the option (exit 2), not as a
/// service error. No I/O.
/// </summary>
internal static class ReshardPlan
{
    /// <summary>The shard id for <paramref name="text"/>: a full id, or just its number (<c>3</c> is <c>shardId-000000000003</c>).</summary>
    public static string ShardId(string text) =>
        ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            ? string.Create(CultureInfo.InvariantCulture, $"shardId-{number:D12}")
            : text;

    /// <summary>The open shard <paramref name="option"/> names, or a usage failure.</summary>
    public static Shard OpenShard(IReadOnlyList<Shard> shards, string shardId, string option, string stream)
    {
        var shard = shards.FirstOrDefault(s => s.ShardId == shardId)
            ?? throw Usage($"{option} {shardId} is not a shard of stream '{stream}'; its open shards are {string.Join(", ", shards.Where(IsOpen).Select(s => s.ShardId))}");
        return IsOpen(shard)
            ? shard
            : throw Usage($"{option} {shardId} is closed (it was split or merged already); its children are {Children(shards, shardId)}");
    }

    /// <summary>
    /// The first hash key of the upper child: <paramref name="hashKey"/> when it lies in (start, end] of the shard, or the
    /// midpoint of the shard's range when it is null.
    /// </summary>
    public static string SplitKey(Shard shard, string? hashKey)
    {
        var range = Range(shard);
        if (hashKey is null)
        {
            if (range.Start == range.End)
            {
                throw Usage($"--shard {shard.ShardId} holds a single hash key ({Format(range.Start)}) and cannot be split");
            }

            // (end - start) / 2 + 1 cannot overflow, even for the whole key space, and gives the lower child the lower half.
            return Format(range.Start + ((range.End - range.Start) / 2) + 1);
        }

        if (!UInt128.TryParse(hashKey, NumberStyles.None, CultureInfo.InvariantCulture, out var key))
        {
            throw Usage($"--hash-key must be a decimal integer 0..2^128-1, not '{hashKey}'");
        }

        return key > range.Start && key <= range.End
            ? Format(key)
            : throw Usage($"--hash-key {hashKey} is outside {shard.ShardId}: it must be {Format(range.Start + 1)}..{Format(range.End)} (the shard holds {Format(range.Start)}..{Format(range.End)})");
    }

    /// <summary>Throws a usage failure unless the two open shards' ranges touch.</summary>
    public static void CheckAdjacent(Shard shard, Shard adjacent)
    {
        if (shard.ShardId == adjacent.ShardId)
        {
            throw Usage($"--shard and --adjacent-shard must be two different shards, not {shard.ShardId} twice");
        }

        var a = Range(shard);
        var b = Range(adjacent);
        var touch = (a.End != UInt128.MaxValue && a.End + 1 == b.Start) || (b.End != UInt128.MaxValue && b.End + 1 == a.Start);
        if (!touch)
        {
            throw Usage($"--shard {shard.ShardId} ({Format(a.Start)}..{Format(a.End)}) and --adjacent-shard {adjacent.ShardId} ({Format(b.Start)}..{Format(b.End)}) are not adjacent: a merge needs two open shards whose hash-key ranges touch");
        }
    }

    /// <summary>Whether the shard still takes records (it has no ending sequence number).</summary>
    public static bool IsOpen(Shard shard) => shard.SequenceNumberRange.EndingSequenceNumber is null;

    /// <summary>The shard's hash keys as numbers.</summary>
    public static HashKeyRange Range(Shard shard) => shard.HashKeyRange;

    /// <summary>The share of the whole key space a range covers, in percent.</summary>
    public static double KeySpacePercent(HashKeyRange range) => ((double)(range.End - range.Start) + 1) / Math.Pow(2, 128) * 100;

    private static string Children(IReadOnlyList<Shard> shards, string parent)
    {
        var children = shards.Where(s => s.ParentShardId == parent || s.AdjacentParentShardId == parent).Select(s => s.ShardId).ToList();
        return children.Count == 0 ? "not created yet" : string.Join(", ", children);
    }

    private static string Format(UInt128 value) => value.ToString(CultureInfo.InvariantCulture);

    private static AdminFailure Usage(string message) => new(ExitCodes.Usage, message);
}
