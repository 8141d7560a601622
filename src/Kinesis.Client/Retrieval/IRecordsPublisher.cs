namespace Kinesis.Client.Retrieval;

/// <summary>Delivers a shard's records in order, from a start position, ahead of the processor within a bound.</summary>
internal interface IRecordsPublisher : IAsyncDisposable
{
    /// <summary>Starts fetching in the background.</summary>
    void Start();

    /// <summary>Waits for the next batch. After a shard-end batch no further batch comes.</summary>
    ValueTask<RecordsBatch> ReadAsync(CancellationToken cancellationToken);

    /// <summary>Returns a batch's share of the prefetch bound once it has been handled.</summary>
    void Release(RecordsBatch batch);
}
