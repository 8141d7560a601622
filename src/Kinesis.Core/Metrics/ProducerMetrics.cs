using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Kinesis.Core.Metrics;

/// <summary>
/// The producer's instruments (<see cref="ProducerMetricNames"/>, meter <see cref="KinesisMeterNames.Producer"/>) and
/// the typed calls the producer makes to record them. Create one per producer and dispose it with the producer.
/// </summary>
/// <remarks>
/// <para>
/// Every recording method is safe for concurrent use, allocates nothing and costs a few field reads when nobody
/// listens. <c>stream</c> and <c>shard</c> arguments become the <see cref="MetricTagNames.StreamName"/> and
/// <see cref="MetricTagNames.ShardId"/> tags; pass the same string instances where possible.
/// </para>
/// <para>
/// The metrics sampled once per user record (<see cref="ProducerMetricNames.BufferingTime"/>,
/// <see cref="ProducerMetricNames.UserRecordsPut"/>, <see cref="ProducerMetricNames.UserRecordsDataPut"/>,
/// <see cref="ProducerMetricNames.RetriesPerRecord"/>) are recorded for a group of records at a time
/// (<see cref="StartBufferingTimes"/>, <see cref="StartUserRecordsPut"/>): listeners of the instruments still see every
/// sample, while the CloudWatch and EMF aggregators receive one statistic set per group, which is what keeps detailed,
/// shard-level metrics cheap. <see cref="ProducerMetricNames.UserRecordsReceived"/> is an observable counter of the
/// running total per stream (<see cref="ObserveStream"/>), so accepting a record costs no metric call at all.
/// </para>
/// </remarks>
internal sealed class ProducerMetrics : KinesisMetrics, IDisposable
{
    private readonly Counter<long> userRecordsPut;
    private readonly Counter<long> userRecordsDataPut;
    private readonly Counter<long> kinesisRecordsPut;
    private readonly Counter<long> kinesisRecordsDataPut;
    private readonly Counter<long> errorsByCode;
    private readonly Counter<long> allErrors;
    private readonly Counter<long> kinesisRecordsThrottled;
    private readonly Histogram<long> retriesPerRecord;
    private readonly Histogram<double> bufferingTime;
    private readonly Histogram<double> requestTime;
    private readonly Histogram<long> userRecordsPerKinesisRecord;
    private readonly Histogram<long> kinesisRecordsPerRequest;
    private readonly Histogram<long> userRecordsPerRequest;
    private readonly Counter<long> userRecordExpired;
    private readonly MetricDefinition bufferingTimeDefinition;
    private readonly MetricDefinition userRecordsPutDefinition;
    private readonly MetricDefinition userRecordsDataPutDefinition;
    private readonly MetricDefinition retriesPerRecordDefinition;
    private readonly object streamsGate = new();
    private StreamSource[] streamSources = [];

    /// <summary>Creates the instruments.</summary>
    /// <param name="meterFactory">The factory to create the meter with (dependency injection); by default this object creates and owns its meter.</param>
    public ProducerMetrics(IMeterFactory? meterFactory = null)
        : base(KinesisMeterNames.Producer, meterFactory)
    {
        Meter.CreateObservableCounter(ProducerMetricNames.UserRecordsReceived, ObserveReceived, MetricUnits.Count, "User records accepted by the producer (running total per stream).");
        Meter.CreateObservableGauge(ProducerMetricNames.UserRecordsPending, ObservePending, MetricUnits.Count, "User records buffered or in flight.");
        userRecordsPut = Meter.CreateCounter<long>(ProducerMetricNames.UserRecordsPut, MetricUnits.Count, "1 per successful user record, 0 per failed one.");
        userRecordsDataPut = Meter.CreateCounter<long>(ProducerMetricNames.UserRecordsDataPut, MetricUnits.Bytes, "Data bytes of successful user records.");
        kinesisRecordsPut = Meter.CreateCounter<long>(ProducerMetricNames.KinesisRecordsPut, MetricUnits.Count, "1 per successful Kinesis record, 0 per failed one.");
        kinesisRecordsDataPut = Meter.CreateCounter<long>(ProducerMetricNames.KinesisRecordsDataPut, MetricUnits.Bytes, "Bytes of successful Kinesis records.");
        errorsByCode = Meter.CreateCounter<long>(ProducerMetricNames.ErrorsByCode, MetricUnits.Count, "Errors by error code.");
        allErrors = Meter.CreateCounter<long>(ProducerMetricNames.AllErrors, MetricUnits.Count, "All errors.");
        kinesisRecordsThrottled = Meter.CreateCounter<long>(ProducerMetricNames.KinesisRecordsThrottled, MetricUnits.Count, "Kinesis records whose attempt was throttled.");
        retriesPerRecord = Meter.CreateHistogram<long>(ProducerMetricNames.RetriesPerRecord, MetricUnits.Count, "Attempts minus one, per finished user record.");
        bufferingTime = Meter.CreateHistogram<double>(ProducerMetricNames.BufferingTime, MetricUnits.Milliseconds, "Time from arrival (or the previous attempt) to an attempt.");
        requestTime = Meter.CreateHistogram<double>(ProducerMetricNames.RequestTime, MetricUnits.Milliseconds, "PutRecords latency.");
        userRecordsPerKinesisRecord = Meter.CreateHistogram<long>(ProducerMetricNames.UserRecordsPerKinesisRecord, MetricUnits.Count, "User records per Kinesis record.");
        kinesisRecordsPerRequest = Meter.CreateHistogram<long>(ProducerMetricNames.KinesisRecordsPerPutRecordsRequest, MetricUnits.Count, "Kinesis records per PutRecords request.");
        userRecordsPerRequest = Meter.CreateHistogram<long>(ProducerMetricNames.UserRecordsPerPutRecordsRequest, MetricUnits.Count, "User records per PutRecords request.");
        userRecordExpired = Meter.CreateCounter<long>(ProducerMetricNames.UserRecordExpired, MetricUnits.Count, "User records whose time to live ran out.");
        bufferingTimeDefinition = Definition(ProducerMetricNames.BufferingTime);
        userRecordsPutDefinition = Definition(ProducerMetricNames.UserRecordsPut);
        userRecordsDataPutDefinition = Definition(ProducerMetricNames.UserRecordsDataPut);
        retriesPerRecordDefinition = Definition(ProducerMetricNames.RetriesPerRecord);
    }

    internal override MetricCatalog Catalog => MetricCatalog.Producer;

    /// <summary>Disposes the meter when this object created it (not when it came from an <see cref="IMeterFactory"/>).</summary>
    public void Dispose() => DisposeMeter();

    internal override bool FeedsSinksDirectly(string instrumentName) => instrumentName is
        ProducerMetricNames.BufferingTime or ProducerMetricNames.UserRecordsPut or ProducerMetricNames.UserRecordsDataPut or ProducerMetricNames.RetriesPerRecord;

    /// <summary>
    /// Registers the sources of <see cref="ProducerMetricNames.UserRecordsReceived"/> (a running total) and
    /// <see cref="ProducerMetricNames.UserRecordsPending"/> for a stream. The callbacks run on the thread of whoever
    /// collects observable instruments (an exporter, or the CloudWatch publisher about once a second); they must be
    /// cheap, thread-safe and not throw (an exception is the listener's to handle).
    /// </summary>
    /// <param name="stream">The stream name.</param>
    /// <param name="receivedRecords">Returns the user records accepted so far (never decreasing).</param>
    /// <param name="pendingRecords">Returns the user records currently buffered or in flight.</param>
    /// <returns>Dispose it to stop reporting.</returns>
    public IDisposable ObserveStream(string stream, Func<long> receivedRecords, Func<long> pendingRecords)
    {
        ArgumentException.ThrowIfNullOrEmpty(stream);
        ArgumentNullException.ThrowIfNull(receivedRecords);
        ArgumentNullException.ThrowIfNull(pendingRecords);
        var source = new StreamSource(this, stream, receivedRecords, pendingRecords);
        lock (streamsGate)
        {
            streamSources = [.. streamSources, source];
        }

        return source;
    }

    /// <summary>
    /// Starts recording <see cref="ProducerMetricNames.BufferingTime"/> for user records of one stream and shard that
    /// start an attempt together: add each record's time, then complete.
    /// </summary>
    /// <param name="stream">The stream name.</param>
    /// <param name="shard">The predicted shard id.</param>
    public BufferingTimeSamples StartBufferingTimes(string stream, string shard) => new(this, stream, shard);

    /// <summary>
    /// Records the start of one attempt to send a user record: <see cref="ProducerMetricNames.BufferingTime"/> (ms),
    /// the time since the record arrived, or since its previous attempt ended.
    /// </summary>
    /// <param name="stream">The stream name.</param>
    /// <param name="shard">The predicted shard id.</param>
    /// <param name="bufferingTime">Time the record waited before this attempt.</param>
    public void UserRecordAttemptStarted(string stream, string shard, TimeSpan bufferingTime)
    {
        var samples = StartBufferingTimes(stream, shard);
        samples.Add(bufferingTime);
        samples.Complete();
    }

    /// <summary>
    /// Starts recording user records of one stream and shard that succeeded together (those of one Kinesis record):
    /// add each record, then complete. See <see cref="UserRecordPut"/> for what is recorded.
    /// </summary>
    /// <param name="stream">The stream name.</param>
    /// <param name="shard">The shard they were written to.</param>
    public UserRecordsPutSamples StartUserRecordsPut(string stream, string shard) => new(this, stream, shard);

    /// <summary>
    /// Records a user record that succeeded: <see cref="ProducerMetricNames.UserRecordsPut"/> 1,
    /// <see cref="ProducerMetricNames.UserRecordsDataPut"/> (bytes) and <see cref="ProducerMetricNames.RetriesPerRecord"/>.
    /// </summary>
    /// <param name="stream">The stream name.</param>
    /// <param name="shard">The shard it was written to.</param>
    /// <param name="bytes">The record's data bytes.</param>
    /// <param name="retries">Attempts minus one.</param>
    public void UserRecordPut(string stream, string shard, long bytes, int retries)
    {
        var samples = StartUserRecordsPut(stream, shard);
        samples.Add(bytes, retries);
        samples.Complete();
    }

    /// <summary>
    /// Records a user record that failed for good: <see cref="ProducerMetricNames.UserRecordsPut"/> 0 and
    /// <see cref="ProducerMetricNames.RetriesPerRecord"/>. Record its errors with <see cref="Error"/> and, when its
    /// time to live ran out, <see cref="UserRecordExpired"/>.
    /// </summary>
    /// <param name="stream">The stream name.</param>
    /// <param name="shard">The predicted shard id.</param>
    /// <param name="retries">Attempts minus one.</param>
    public void UserRecordFailed(string stream, string shard, int retries)
    {
        if (userRecordsPut.Enabled || retriesPerRecord.Enabled)
        {
            var tags = Tags(stream, shard);
            if (userRecordsPut.Enabled)
            {
                userRecordsPut.Add(0, tags);
            }

            if (retriesPerRecord.Enabled)
            {
                retriesPerRecord.Record(retries, tags);
            }
        }

        foreach (var sink in Sinks)
        {
            sink.Record(userRecordsPutDefinition, stream, shard, new StatisticSet(1, 0, 0, 0));
            sink.Record(retriesPerRecordDefinition, stream, shard, new StatisticSet(1, retries, retries, retries));
        }
    }

    /// <summary>Records a user record that failed because its time to live ran out (<see cref="ProducerMetricNames.UserRecordExpired"/> +1).</summary>
    /// <param name="stream">The stream name.</param>
    /// <param name="shard">The predicted shard id.</param>
    public void UserRecordExpired(string stream, string shard)
    {
        if (userRecordExpired.Enabled)
        {
            userRecordExpired.Add(1, Tags(stream, shard));
        }
    }

    /// <summary>
    /// Records a Kinesis record (aggregated or not) that PutRecords accepted: <see cref="ProducerMetricNames.KinesisRecordsPut"/> 1,
    /// <see cref="ProducerMetricNames.KinesisRecordsDataPut"/> (bytes) and <see cref="ProducerMetricNames.UserRecordsPerKinesisRecord"/>.
    /// </summary>
    /// <param name="stream">The stream name.</param>
    /// <param name="shard">The shard it was written to.</param>
    /// <param name="bytes">The Kinesis record's size (data plus partition key).</param>
    /// <param name="userRecords">User records it carried.</param>
    public void KinesisRecordPut(string stream, string shard, long bytes, int userRecords)
    {
        if (!(kinesisRecordsPut.Enabled || kinesisRecordsDataPut.Enabled || userRecordsPerKinesisRecord.Enabled))
        {
            return;
        }

        RecordPut(kinesisRecordsPut, kinesisRecordsDataPut, bytes, userRecordsPerKinesisRecord, userRecords, Tags(stream, shard));
    }

    /// <summary>Records a Kinesis record that PutRecords refused (<see cref="ProducerMetricNames.KinesisRecordsPut"/> 0); record the error with <see cref="Error"/>.</summary>
    /// <param name="stream">The stream name.</param>
    /// <param name="shard">The predicted shard id.</param>
    public void KinesisRecordFailed(string stream, string shard)
    {
        if (kinesisRecordsPut.Enabled)
        {
            kinesisRecordsPut.Add(0, Tags(stream, shard));
        }
    }

    /// <summary>
    /// Records a completed PutRecords request (successful or not): <see cref="ProducerMetricNames.RequestTime"/> (ms),
    /// <see cref="ProducerMetricNames.KinesisRecordsPerPutRecordsRequest"/> and <see cref="ProducerMetricNames.UserRecordsPerPutRecordsRequest"/>.
    /// </summary>
    /// <param name="stream">The stream name.</param>
    /// <param name="kinesisRecords">Kinesis records in the request.</param>
    /// <param name="userRecords">User records in the request.</param>
    /// <param name="requestTime">From sending the request to reading its response.</param>
    public void PutRecordsCompleted(string stream, int kinesisRecords, int userRecords, TimeSpan requestTime)
    {
        var tag = new KeyValuePair<string, object?>(MetricTagNames.StreamName, stream);
        if (this.requestTime.Enabled)
        {
            this.requestTime.Record(requestTime.TotalMilliseconds, tag);
        }

        if (kinesisRecordsPerRequest.Enabled)
        {
            kinesisRecordsPerRequest.Record(kinesisRecords, tag);
        }

        if (userRecordsPerRequest.Enabled)
        {
            userRecordsPerRequest.Record(userRecords, tag);
        }
    }

    /// <summary>
    /// Records an error: <see cref="ProducerMetricNames.ErrorsByCode"/> with the <see cref="MetricTagNames.ErrorCode"/>
    /// tag and <see cref="ProducerMetricNames.AllErrors"/>. Call it once per failed Kinesis record (with its shard) or
    /// once per failed request (shard <see langword="null"/>).
    /// </summary>
    /// <param name="stream">The stream name.</param>
    /// <param name="shard">The predicted shard id, or <see langword="null"/> for a request-level error.</param>
    /// <param name="errorCode">The service error code (e.g. <c>ProvisionedThroughputExceededException</c>) or a client code (e.g. <c>Expired</c>, <c>Timeout</c>).</param>
    public void Error(string stream, string? shard, string errorCode)
    {
        if (errorsByCode.Enabled)
        {
            var tags = Tags(stream, shard);
            tags.Add(MetricTagNames.ErrorCode, errorCode);
            errorsByCode.Add(1, tags);
        }

        if (allErrors.Enabled)
        {
            allErrors.Add(1, Tags(stream, shard));
        }
    }

    /// <summary>
    /// Records a Kinesis record whose attempt was throttled (<see cref="ProducerMetricNames.KinesisRecordsThrottled"/> +1),
    /// besides its error (<see cref="Error"/>).
    /// </summary>
    /// <param name="stream">The stream name.</param>
    /// <param name="shard">The predicted shard id, or <see langword="null"/> when the stream's shard map was unknown.</param>
    public void KinesisRecordThrottled(string stream, string? shard)
    {
        if (kinesisRecordsThrottled.Enabled)
        {
            kinesisRecordsThrottled.Add(1, Tags(stream, shard));
        }
    }

    /// <summary>Records one buffering time for the instrument's listeners; the batch keeps the aggregators' share.</summary>
    internal void RecordBufferingTime(double milliseconds, string stream, string shard)
    {
        if (bufferingTime.Enabled)
        {
            bufferingTime.Record(milliseconds, Tags(stream, shard));
        }
    }

    internal void CompleteBufferingTimes(string stream, string shard, in RunningStatistics times)
    {
        foreach (var sink in Sinks)
        {
            sink.Record(bufferingTimeDefinition, stream, shard, times.ToStatisticSet());
        }
    }

    /// <summary>Whether buffering times are wanted at all: by a listener of the instrument or by an aggregator.</summary>
    internal bool RecordsBufferingTime => bufferingTime.Enabled || HasSinks;

    /// <summary>Whether an aggregator takes statistic sets.</summary>
    internal bool HasSinks => Sinks.Length > 0;

    /// <summary>Whether a listener other than the aggregators wants every put record's samples.</summary>
    internal bool ListensToEachPut => userRecordsPut.Enabled || userRecordsDataPut.Enabled || retriesPerRecord.Enabled;

    /// <summary>Records one put user record for the instruments' listeners; the batch keeps the aggregators' share.</summary>
    internal void RecordPut(long bytes, int retries, string stream, string shard) =>
        RecordPut(userRecordsPut, userRecordsDataPut, bytes, retriesPerRecord, retries, Tags(stream, shard));

    /// <summary>One successful record: its count (1), its bytes and one distribution sample, each if listened to.</summary>
    private static void RecordPut(Counter<long> count, Counter<long> bytes, long byteCount, Histogram<long> distribution, long sample, in TagList tags)
    {
        if (count.Enabled)
        {
            count.Add(1, tags);
        }

        if (bytes.Enabled)
        {
            bytes.Add(byteCount, tags);
        }

        if (distribution.Enabled)
        {
            distribution.Record(sample, tags);
        }
    }

    internal void CompleteUserRecordsPut(string stream, string shard, in RunningStatistics bytes, in RunningStatistics retries)
    {
        foreach (var sink in Sinks)
        {
            sink.Record(userRecordsPutDefinition, stream, shard, new StatisticSet(bytes.Count, bytes.Count, 1, 1));
            sink.Record(userRecordsDataPutDefinition, stream, shard, bytes.ToStatisticSet());
            sink.Record(retriesPerRecordDefinition, stream, shard, retries.ToStatisticSet());
        }
    }

    private static MetricDefinition Definition(string name) =>
        MetricCatalog.Producer.TryGet(name, out var definition) ? definition : throw new InvalidOperationException($"The producer's metric catalog lacks {name}.");

    private static TagList Tags(string stream, string? shard)
    {
        var tags = new TagList { { MetricTagNames.StreamName, stream } };
        if (shard is not null)
        {
            tags.Add(MetricTagNames.ShardId, shard);
        }

        return tags;
    }

    private IEnumerable<Measurement<long>> ObserveReceived() => Observe(static source => source.Received());

    private IEnumerable<Measurement<long>> ObservePending() => Observe(static source => source.Pending());

    private Measurement<long>[] Observe(Func<StreamSource, long> read)
    {
        var sources = Volatile.Read(ref streamSources);
        var measurements = new Measurement<long>[sources.Length];
        for (var i = 0; i < sources.Length; i++)
        {
            measurements[i] = new Measurement<long>(read(sources[i]), new KeyValuePair<string, object?>(MetricTagNames.StreamName, sources[i].Stream));
        }

        return measurements;
    }

    private void Remove(StreamSource source)
    {
        lock (streamsGate)
        {
            streamSources = Array.FindAll(streamSources, s => !ReferenceEquals(s, source));
        }
    }

    private sealed class StreamSource(ProducerMetrics owner, string stream, Func<long> received, Func<long> pending) : IDisposable
    {
        public string Stream { get; } = stream;

        public long Received() => received();

        public long Pending() => pending();

        public void Dispose() => owner.Remove(this);
    }
}
