namespace Kinesis.Core.Metrics;

/// <summary>
/// User records of one stream and shard that succeeded together, from <see cref="ProducerMetrics.StartUserRecordsPut"/>:
/// <see cref="Add"/> each, then <see cref="Complete"/> once. Records <see cref="ProducerMetricNames.UserRecordsPut"/>,
/// <see cref="ProducerMetricNames.UserRecordsDataPut"/> and <see cref="ProducerMetricNames.RetriesPerRecord"/>: listeners
/// of the instruments see every sample as it is added; aggregators get the group's statistics at the end.
/// </summary>
internal struct UserRecordsPutSamples
{
    private readonly ProducerMetrics owner;
    private readonly string stream;
    private readonly string shard;
    private readonly bool eachToListeners;
    private RunningStatistics bytes;
    private RunningStatistics retries;

    internal UserRecordsPutSamples(ProducerMetrics owner, string stream, string shard)
    {
        this.owner = owner;
        this.stream = stream;
        this.shard = shard;
        eachToListeners = owner.ListensToEachPut;
        IsRecorded = eachToListeners || owner.HasSinks;
    }

    /// <summary>False when nobody listens and no aggregator is attached: the caller may skip computing the samples.</summary>
    public bool IsRecorded { get; }

    /// <summary>Adds one user record that succeeded.</summary>
    /// <param name="bytes">The record's data bytes.</param>
    /// <param name="retries">Attempts minus one.</param>
    public void Add(long bytes, int retries)
    {
        if (eachToListeners)
        {
            owner.RecordPut(bytes, retries, stream, shard);
        }

        this.bytes.Add(bytes);
        this.retries.Add(retries);
    }

    /// <summary>Hands the group's statistics to the aggregators. Call once, after the last <see cref="Add"/>.</summary>
    public readonly void Complete()
    {
        if (bytes.Count > 0)
        {
            owner.CompleteUserRecordsPut(stream, shard, bytes, retries);
        }
    }
}
