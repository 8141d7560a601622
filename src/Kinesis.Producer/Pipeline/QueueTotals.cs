namespace Kinesis.Producer.Pipeline;

/// <summary>The Kinesis records queued in all the shard buffers of one stream, kept under the stream's lock.</summary>
internal sealed class QueueTotals
{
    public int Records { get; private set; }

    /// <summary>Their size as PutRecords counts it.</summary>
    public long Bytes { get; private set; }

    public void Add(OutgoingRecord record)
    {
        Records++;
        Bytes += record.CollectionSize;
    }

    public void Remove(OutgoingRecord record)
    {
        Records--;
        Bytes -= record.CollectionSize;
    }
}
