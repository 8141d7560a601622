namespace Kinesis.Producer.Pipeline;

/// <summary>
/// User records held in order while their stream's first shard map loads, in fixed chunks from the record-array pool.
/// A new producer's first burst can put tens of thousands of records before the map arrives; a list that doubles would
/// allocate and copy about twice their slots, and keep its largest array for the producer's life. The chunks go back to
/// the pool once the records are routed, where sealed aggregates of about as many records reuse them.
/// </summary>
internal sealed class WaitingRecords(UserRecordArrayPool arrays)
{
    /// <summary>Slots per chunk: a size class an aggregate of 100-byte records (about 430) can rent (see <see cref="UserRecordArrayPool"/>).</summary>
    internal const int ChunkSize = 512;

    private readonly List<UserRecord[]> chunks = [];
    private int lastCount;

    /// <summary>The records held.</summary>
    public int Count => chunks.Count == 0 ? 0 : ((chunks.Count - 1) * ChunkSize) + lastCount;

    /// <summary>The number of chunks; <see cref="Chunk"/> gives each one's records, in order.</summary>
    public int ChunkCount => chunks.Count;

    public void Add(in UserRecord user)
    {
        if (chunks.Count == 0 || lastCount == ChunkSize)
        {
            chunks.Add(arrays.Rent(ChunkSize));
            lastCount = 0;
        }

        chunks[^1][lastCount++] = user;
    }

    /// <summary>The records of chunk <paramref name="index"/>; valid until <see cref="Clear"/>.</summary>
    public ReadOnlySpan<UserRecord> Chunk(int index) =>
        chunks[index].AsSpan(0, index == chunks.Count - 1 ? lastCount : ChunkSize);

    /// <summary>Forgets the records (they were routed, failed or handed on) and returns the chunks to the pool, cleared.</summary>
    public void Clear()
    {
        for (var i = 0; i < chunks.Count; i++)
        {
            arrays.Return(chunks[i], i == chunks.Count - 1 ? lastCount : ChunkSize);
        }

        chunks.Clear();
        lastCount = 0;
    }
}
