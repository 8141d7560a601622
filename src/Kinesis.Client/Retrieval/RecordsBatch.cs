using Kinesis.Core.Api;

namespace Kinesis.Client.Retrieval;

/// <summary>One GetRecords result as queued for a shard consumer; a shard-end batch is the last one of its shard.</summary>
internal sealed class RecordsBatch
{
    public required IReadOnlyList<Record> Records { get; init; }

    public long? MillisBehindLatest { get; init; }

    public DateTimeOffset FetchedAt { get; init; }

    /// <summary>Whether the shard is closed and fully read; <see cref="ChildShards"/> then lists its children (possibly none).</summary>
    public bool IsShardEnd { get; init; }

    public IReadOnlyList<ChildShard> ChildShards { get; init; } = [];

    public long ByteSize { get; init; }

    public static long SizeOf(IReadOnlyList<Record> records)
    {
        long size = 0;
        for (var i = 0; i < records.Count; i++)
        {
            size += records[i].Data.Length;
        }

        return size;
    }
}
