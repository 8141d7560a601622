using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Kinesis.Core.Metrics;

/// <summary>
/// The producer's instruments (<see cref="ProducerMetricNames"/>, meter <see cref="KinesisMeterNames.Producer"/>) and
/// the typed calls the producer makes to record them. Create one per producer and dispose it with the producer.
/// </summary>
/// <remarks>
/// Every recording method is safe for concurrent use, allocates nothing and costs a few field reads when nobody
/// listens. <c>stream</c> and <c>shard</c> arguments become the <see cref="MetricTagNames.StreamName"/> and
/// <see cref="MetricTagNames.ShardId"/> tags; pass the same string instances where possible.
/// </remarks>
public sealed class ProducerMetrics : KinesisMetrics
{
    private readonly Counter<long> userRecordsReceived;
    private readonly Counter<long> userRecordsPut;
    private readonly Counter<long> userRecordsDataPut;
    private readonly Counter<long> kinesisRecordsPut;
    private readonly Counter<long> kinesisRecordsDataPut;
    private readonly Counter<long> errorsByCode;
    private readonly Counter<long> allErrors;
    private readonly Histogram<long> retriesPerRecord;
    private readonly Histogram<double> bufferingTime;
    private readonly Histogram<double> requestTime;
    private readonly Histogram<long> userRecordsPerKinesisRecord;
    private readonly Histogram<long> kinesisRecordsPerRequest;
    private readonly Histogram<long> userRecordsPerRequest;
    private readonly Counter<long> userRecordExpired;
    private readonly object pendingGate = new();
    private PendingSource[] pendingSources = [];

    /// <summary>Creates the instruments.</summary>
    /// <param name="meterFactory">The factory to create the meter with (dependency injection); by default this object creates and owns its meter.</param>
    public ProducerMetrics(IMeterFactory? meterFactory = null)
        : base(KinesisMeterNames.Producer, meterFactory)
    {
        userRecordsReceived = Meter.CreateCounter<long>(ProducerMetricNames.UserRecordsReceived, MetricUnits.Count, "User records accepted by the producer.");
        Meter.CreateObservableGauge(ProducerMetricNames.UserRecordsPending, ObservePending, MetricUnits.Count, "User records buffered or in flight.");
        userRecordsPut = Meter.CreateCounter<long>(ProducerMetricNames.UserRecordsPut, MetricUnits.Count, "1 per successful user record, 0 per failed one.");
        userRecordsDataPut = Meter.CreateCounter<long>(ProducerMetricNames.UserRecordsDataPut, MetricUnits.Bytes, "Data bytes of successful user records.");
        kinesisRecordsPut = Meter.CreateCounter<long>(ProducerMetricNames.KinesisRecordsPut, MetricUnits.Count, "1 per successful Kinesis record, 0 per failed one.");
        kinesisRecordsDataPut = Meter.CreateCounter<long>(ProducerMetricNames.KinesisRecordsDataPut, MetricUnits.Bytes, "Bytes of successful Kinesis records.");
        errorsByCode = Meter.CreateCounter<long>(ProducerMetricNames.ErrorsByCode, MetricUnits.Count, "Errors by error code.");
        allErrors = Meter.CreateCounter<long>(ProducerMetricNames.AllErrors, MetricUnits.Count, "All errors.");
        retriesPerRecord = Meter.CreateHistogram<long>(ProducerMetricNames.RetriesPerRecord, MetricUnits.Count, "Attempts minus one, per finished user record.");
        bufferingTime = Meter.CreateHistogram<double>(ProducerMetricNames.BufferingTime, MetricUnits.Milliseconds, "Time from arrival (or the previous attempt) to an attempt.");
        requestTime = Meter.CreateHistogram<double>(ProducerMetricNames.RequestTime, MetricUnits.Milliseconds, "PutRecords latency.");
        userRecordsPerKinesisRecord = Meter.CreateHistogram<long>(ProducerMetricNames.UserRecordsPerKinesisRecord, MetricUnits.Count, "User records per Kinesis record.");
        kinesisRecordsPerRequest = Meter.CreateHistogram<long>(ProducerMetricNames.KinesisRecordsPerPutRecordsRequest, MetricUnits.Count, "Kinesis records per PutRecords request.");
        userRecordsPerRequest = Meter.CreateHistogram<long>(ProducerMetricNames.UserRecordsPerPutRecordsRequest, MetricUnits.Count, "User records per PutRecords request.");
        userRecordExpired = Meter.CreateCounter<long>(ProducerMetricNames.UserRecordExpired, MetricUnits.Count, "User records whose time to live ran out.");
    }

    internal override MetricCatalog Catalog => MetricCatalog.Producer;

    /// <summary>Records that a user record was accepted (<see cref="ProducerMetricNames.UserRecordsReceived"/> +1).</summary>
    /// <param name="stream">The stream name.</param>
    public void UserRecordReceived(string stream)
    {
        if (userRecordsReceived.Enabled)
        {
            userRecordsReceived.Add(1, new KeyValuePair<string, object?>(MetricTagNames.StreamName, stream));
        }
    }

    /// <summary>
    /// Registers the source of <see cref="ProducerMetricNames.UserRecordsPending"/> for a stream. The callback runs on
    /// the thread of whoever collects observable instruments (an exporter, or the CloudWatch publisher about once a
    /// second); it must be cheap, thread-safe and not throw (an exception is the listener's to handle).
    /// </summary>
    /// <param name="stream">The stream name.</param>
    /// <param name="pendingRecords">Returns the user records currently buffered or in flight.</param>
    /// <returns>Dispose it to stop reporting.</returns>
    public IDisposable ObservePendingRecords(string stream, Func<long> pendingRecords)
    {
        ArgumentException.ThrowIfNullOrEmpty(stream);
        ArgumentNullException.ThrowIfNull(pendingRecords);
        var source = new PendingSource(this, stream, pendingRecords);
        lock (pendingGate)
        {
            pendingSources = [.. pendingSources, source];
        }

        return source;
    }

    /// <summary>
    /// Records the start of one attempt to send a user record: <see cref="ProducerMetricNames.BufferingTime"/> (ms),
    /// the time since the record arrived, or since its previous attempt ended.
    /// </summary>
    /// <param name="stream">The stream name.</param>
    /// <param name="shard">The predicted shard id.</param>
    /// <param name="bufferingTime">Time the record waited before this attempt.</param>
    public void UserRecordAttemptStarted(string stream, string shard, TimeSpan bufferingTime)
    {
        if (this.bufferingTime.Enabled)
        {
            this.bufferingTime.Record(bufferingTime.TotalMilliseconds, Tags(stream, shard));
        }
    }

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
        if (!(userRecordsPut.Enabled || userRecordsDataPut.Enabled || retriesPerRecord.Enabled))
        {
            return;
        }

        var tags = Tags(stream, shard);
        if (userRecordsPut.Enabled)
        {
            userRecordsPut.Add(1, tags);
        }

        if (userRecordsDataPut.Enabled)
        {
            userRecordsDataPut.Add(bytes, tags);
        }

        if (retriesPerRecord.Enabled)
        {
            retriesPerRecord.Record(retries, tags);
        }
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
        if (!(userRecordsPut.Enabled || retriesPerRecord.Enabled))
        {
            return;
        }

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

        var tags = Tags(stream, shard);
        if (kinesisRecordsPut.Enabled)
        {
            kinesisRecordsPut.Add(1, tags);
        }

        if (kinesisRecordsDataPut.Enabled)
        {
            kinesisRecordsDataPut.Add(bytes, tags);
        }

        if (userRecordsPerKinesisRecord.Enabled)
        {
            userRecordsPerKinesisRecord.Record(userRecords, tags);
        }
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

    private static TagList Tags(string stream, string? shard)
    {
        var tags = new TagList { { MetricTagNames.StreamName, stream } };
        if (shard is not null)
        {
            tags.Add(MetricTagNames.ShardId, shard);
        }

        return tags;
    }

    private IEnumerable<Measurement<long>> ObservePending()
    {
        var sources = Volatile.Read(ref pendingSources);
        var measurements = new Measurement<long>[sources.Length];
        for (var i = 0; i < sources.Length; i++)
        {
            measurements[i] = new Measurement<long>(sources[i].Read(), new KeyValuePair<string, object?>(MetricTagNames.StreamName, sources[i].Stream));
        }

        return measurements;
    }

    private void Remove(PendingSource source)
    {
        lock (pendingGate)
        {
            pendingSources = Array.FindAll(pendingSources, s => !ReferenceEquals(s, source));
        }
    }

    private sealed class PendingSource(ProducerMetrics owner, string stream, Func<long> read) : IDisposable
    {
        public string Stream { get; } = stream;

        public long Read() => read();

        public void Dispose() => owner.Remove(this);
    }
}
