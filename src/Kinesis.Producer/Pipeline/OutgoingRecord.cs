using System.Buffers;

namespace Kinesis.Producer.Pipeline;

/// <summary>
/// One Kinesis record on its way out: either a single user record sent raw, or a KPL aggregate of
/// several. Owns its pooled buffer until <see cref="Release"/>.
/// </summary>
internal sealed class OutgoingRecord
{
    private byte[]? pooled;

    private OutgoingRecord(string partitionKey, string? explicitHashKey, ReadOnlyMemory<byte> data, byte[]? pooled, UserRecord[] users, string? predictedShardId)
    {
        PartitionKey = partitionKey;
        ExplicitHashKey = explicitHashKey;
        Data = data;
        this.pooled = pooled;
        Users = users;
        PredictedShardId = predictedShardId;
        CollectionSize = System.Text.Encoding.UTF8.GetByteCount(partitionKey) + data.Length;
    }

    public string PartitionKey { get; }

    public string? ExplicitHashKey { get; }

    public ReadOnlyMemory<byte> Data { get; }

    public UserRecord[] Users { get; }

    public bool IsAggregated => Users.Length > 1;

    /// <summary>The shard the record should land on; null when the stream's shard map was unknown.</summary>
    public string? PredictedShardId { get; }

    /// <summary>Size as the service counts it against the 5 MiB PutRecords limit: partition key plus data.</summary>
    public int CollectionSize { get; }

    public static OutgoingRecord Single(UserRecord user, string? predictedShardId) =>
        new(user.PartitionKey, user.ExplicitHashKey, user.Data, pooled: null, [user], predictedShardId);

    public static OutgoingRecord Aggregate(string explicitHashKey, byte[] pooled, int length, UserRecord[] users, string predictedShardId) =>
        new(AggregatePartitionKey, explicitHashKey, pooled.AsMemory(0, length), pooled, users, predictedShardId);

    /// <summary>The Java KPL's partition key for aggregates: one byte, since the explicit hash key routes them.</summary>
    public const string AggregatePartitionKey = "a";

    public void Release()
    {
        var buffer = Interlocked.Exchange(ref pooled, null);
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
