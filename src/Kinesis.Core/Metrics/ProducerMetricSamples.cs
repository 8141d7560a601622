namespace Kinesis.Core.Metrics;

/// <summary>Count, sum, minimum and maximum of a group of samples, accumulated without allocating.</summary>
internal struct RunningStatistics
{
    public long Count;
    public double Sum;
    public double Minimum;
    public double Maximum;

    public void Add(double value)
    {
        if (Count == 0)
        {
            Minimum = value;
            Maximum = value;
        }
        else
        {
            Minimum = Math.Min(Minimum, value);
            Maximum = Math.Max(Maximum, value);
        }

        Count++;
        Sum += value;
    }

    public readonly StatisticSet ToStatisticSet() => new(Count, Sum, Minimum, Maximum);
}

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
