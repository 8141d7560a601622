namespace Kinesis.Core.Metrics;

/// <summary>
/// <see cref="ProducerMetricNames.BufferingTime"/> samples of user records of one stream and shard that start an attempt
/// together, from <see cref="ProducerMetrics.StartBufferingTimes"/>: <see cref="Add"/> each, then <see cref="Complete"/>
/// once. Listeners of the instrument see every sample as it is added; aggregators get the group's statistics at the end.
/// </summary>
internal struct BufferingTimeSamples
{
    private readonly ProducerMetrics owner;
    private readonly string stream;
    private readonly string shard;
    private RunningStatistics times;

    internal BufferingTimeSamples(ProducerMetrics owner, string stream, string shard)
    {
        this.owner = owner;
        this.stream = stream;
        this.shard = shard;
        IsRecorded = owner.RecordsBufferingTime;
    }

    /// <summary>False when nobody listens and no aggregator is attached: the caller may skip computing the samples.</summary>
    public bool IsRecorded { get; }

    /// <summary>Adds one record's time since it arrived, or since its previous attempt ended.</summary>
    /// <param name="bufferingTime">The time the record waited before this attempt.</param>
    public void Add(TimeSpan bufferingTime)
    {
        var milliseconds = bufferingTime.TotalMilliseconds;
        owner.RecordBufferingTime(milliseconds, stream, shard);
        times.Add(milliseconds);
    }

    /// <summary>Hands the group's statistics to the aggregators. Call once, after the last <see cref="Add"/>.</summary>
    public readonly void Complete()
    {
        if (times.Count > 0)
        {
            owner.CompleteBufferingTimes(stream, shard, times);
        }
    }
}
