using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Kinesis.Core.Metrics;

/// <summary>
/// The consumer's instruments (<see cref="ConsumerMetricNames"/>, meter <see cref="KinesisMeterNames.Client"/>) and
/// the typed calls one worker makes to record them. Create one per worker and dispose it with the worker.
/// </summary>
/// <remarks>
/// Every measurement carries the <see cref="MetricTagNames.Application"/>, <see cref="MetricTagNames.WorkerIdentifier"/>
/// and <see cref="MetricTagNames.Operation"/> tags; per-shard ones also <see cref="MetricTagNames.StreamName"/> and
/// <see cref="MetricTagNames.ShardId"/>. Recording methods are safe for concurrent use, allocate nothing and cost a
/// few field reads when nobody listens.
/// </remarks>
internal sealed class ConsumerMetrics : KinesisMetrics, IDisposable
{
    private readonly string application;
    private readonly string worker;
    private readonly Counter<long> recordsProcessed;
    private readonly Counter<long> dataBytesProcessed;
    private readonly Histogram<long> millisBehindLatest;
    private readonly Histogram<double> processRecordsTime;
    private readonly Counter<long> expiredIterator;
    private readonly Counter<long> lostLeases;
    private readonly Counter<long> takenLeases;
    private readonly Counter<long> leaseSpillover;
    private readonly Histogram<long> success;
    private readonly Histogram<double> time;
    private readonly Histogram<long> getRecordsSuccess;
    private readonly Histogram<double> getRecordsTime;
    private readonly Counter<long> getRecordsThrottled;
    private readonly Histogram<long> subscribeSuccess;
    private readonly Histogram<double> subscribeTime;
    private readonly Counter<long> subscribeThrottled;
    private readonly Counter<long> recordsDeadLettered;
    private readonly Counter<long> batchesBisected;
    private readonly Counter<long> processRecordsRetries;
    private readonly Histogram<long> lanesBusy;
    private readonly Counter<long> deletedStreams;
    private long currentLeases = -1;
    private long activeStreams = -1;
    private long streamsPendingDeletion = -1;

    /// <summary>Creates the instruments for one worker of one application.</summary>
    /// <param name="applicationName">The consumer application name (the KCL's CloudWatch namespace).</param>
    /// <param name="workerIdentifier">This worker's identifier.</param>
    /// <param name="meterFactory">The factory to create the meter with (dependency injection); by default this object creates and owns its meter.</param>
    /// <exception cref="ArgumentException">A name is null or empty.</exception>
    public ConsumerMetrics(string applicationName, string workerIdentifier, IMeterFactory? meterFactory = null)
        : base(KinesisMeterNames.Client, meterFactory)
    {
        ArgumentException.ThrowIfNullOrEmpty(applicationName);
        ArgumentException.ThrowIfNullOrEmpty(workerIdentifier);
        application = applicationName;
        worker = workerIdentifier;
        recordsProcessed = Meter.CreateCounter<long>(ConsumerMetricNames.RecordsProcessed, MetricUnits.Count, "Records delivered to the record processor.");
        dataBytesProcessed = Meter.CreateCounter<long>(ConsumerMetricNames.DataBytesProcessed, MetricUnits.Bytes, "Data bytes delivered to the record processor.");
        millisBehindLatest = Meter.CreateHistogram<long>(ConsumerMetricNames.MillisBehindLatest, MetricUnits.Milliseconds, "How far the reader is behind the tip of the shard.");
        processRecordsTime = Meter.CreateHistogram<double>(ConsumerMetricNames.ProcessRecordsTime, MetricUnits.Milliseconds, "Time spent in the record processor per batch.");
        expiredIterator = Meter.CreateCounter<long>(ConsumerMetricNames.ExpiredIterator, MetricUnits.Count, "Shard iterators that expired.");
        Meter.CreateObservableGauge(ConsumerMetricNames.CurrentLeases, () => ObserveLast(ref currentLeases, ConsumerOperations.RenewAllLeases), MetricUnits.Count, "Leases held after the last renewal pass.");
        lostLeases = Meter.CreateCounter<long>(ConsumerMetricNames.LostLeases, MetricUnits.Count, "Leases lost during renewal.");
        takenLeases = Meter.CreateCounter<long>(ConsumerMetricNames.TakenLeases, MetricUnits.Count, "Leases taken.");
        leaseSpillover = Meter.CreateCounter<long>(ConsumerMetricNames.LeaseSpillover, MetricUnits.Count, "Leases not taken because the worker is at its maximum.");
        success = Meter.CreateHistogram<long>(ConsumerMetricNames.Success, MetricUnits.Count, "1 per successful operation, 0 per failed one.");
        time = Meter.CreateHistogram<double>(ConsumerMetricNames.Time, MetricUnits.Milliseconds, "Duration of the operation.");
        getRecordsSuccess = Meter.CreateHistogram<long>(ConsumerMetricNames.GetRecordsSuccess, MetricUnits.Count, "1 per successful GetRecords call, 0 per failed one.");
        getRecordsTime = Meter.CreateHistogram<double>(ConsumerMetricNames.GetRecordsTime, MetricUnits.Milliseconds, "GetRecords latency.");
        getRecordsThrottled = Meter.CreateCounter<long>(ConsumerMetricNames.GetRecordsThrottled, MetricUnits.Count, "GetRecords calls throttled.");
        subscribeSuccess = Meter.CreateHistogram<long>(ConsumerMetricNames.SubscribeToShardSuccess, MetricUnits.Count, "1 per subscription started, 0 per failed one.");
        subscribeTime = Meter.CreateHistogram<double>(ConsumerMetricNames.SubscribeToShardTime, MetricUnits.Milliseconds, "Time until SubscribeToShard was answered.");
        subscribeThrottled = Meter.CreateCounter<long>(ConsumerMetricNames.SubscribeToShardThrottled, MetricUnits.Count, "SubscribeToShard calls throttled.");
        recordsDeadLettered = Meter.CreateCounter<long>(ConsumerMetricNames.RecordsDeadLettered, MetricUnits.Count, "User records handed to the dead-letter sink.");
        batchesBisected = Meter.CreateCounter<long>(ConsumerMetricNames.BatchesBisected, MetricUnits.Count, "Failing batches split in two.");
        processRecordsRetries = Meter.CreateCounter<long>(ConsumerMetricNames.ProcessRecordsRetries, MetricUnits.Count, "Deliveries of failed records again after a backoff.");
        lanesBusy = Meter.CreateHistogram<long>(ConsumerMetricNames.LanesBusy, MetricUnits.Count, "Lanes with records per batch delivered on several lanes.");
        Meter.CreateObservableGauge(ConsumerMetricNames.ActiveStreamsCount, () => ObserveLast(ref activeStreams, ConsumerOperations.MultiStreamTracker), MetricUnits.Count, "Streams in the list after the last stream sync.");
        Meter.CreateObservableGauge(ConsumerMetricNames.StreamsPendingDeletionCount, () => ObserveLast(ref streamsPendingDeletion, ConsumerOperations.MultiStreamTracker), MetricUnits.Count, "Former streams whose leases wait for the deletion delay.");
        deletedStreams = Meter.CreateCounter<long>(ConsumerMetricNames.DeletedStreamsCount, MetricUnits.Count, "Former streams whose leases were deleted.");
    }

    internal override MetricCatalog Catalog => MetricCatalog.Consumer;

    /// <summary>Disposes the meter when this object created it (not when it came from an <see cref="IMeterFactory"/>).</summary>
    public void Dispose() => DisposeMeter();

    /// <summary>
    /// Records one batch handed to the record processor (operation <see cref="ConsumerOperations.ProcessTask"/>):
    /// <see cref="ConsumerMetricNames.RecordsProcessed"/>, <see cref="ConsumerMetricNames.DataBytesProcessed"/>,
    /// <see cref="ConsumerMetricNames.MillisBehindLatest"/> (when known) and <see cref="ConsumerMetricNames.ProcessRecordsTime"/>.
    /// </summary>
    /// <param name="stream">The stream name.</param>
    /// <param name="shard">The shard id.</param>
    /// <param name="records">User records in the batch (after deaggregation).</param>
    /// <param name="bytes">Their data bytes.</param>
    /// <param name="millisBehindLatest">The service's MillisBehindLatest for the batch, or <see langword="null"/> when unknown.</param>
    /// <param name="processingTime">Time the record processor took.</param>
    public void RecordsProcessed(string stream, string shard, int records, long bytes, long? millisBehindLatest, TimeSpan processingTime)
    {
        if (!(recordsProcessed.Enabled || dataBytesProcessed.Enabled || this.millisBehindLatest.Enabled || processRecordsTime.Enabled))
        {
            return;
        }

        var tags = ShardTags(ConsumerOperations.ProcessTask, stream, shard);
        recordsProcessed.Add(records, tags);
        dataBytesProcessed.Add(bytes, tags);
        if (millisBehindLatest is { } behind)
        {
            this.millisBehindLatest.Record(behind, tags);
        }

        processRecordsTime.Record(processingTime.TotalMilliseconds, tags);
    }

    /// <summary>Records an expired shard iterator (<see cref="ConsumerMetricNames.ExpiredIterator"/> +1, operation <see cref="ConsumerOperations.ProcessTask"/>).</summary>
    /// <param name="stream">The stream name.</param>
    /// <param name="shard">The shard id.</param>
    public void ExpiredIterator(string stream, string shard)
    {
        if (expiredIterator.Enabled)
        {
            expiredIterator.Add(1, ShardTags(ConsumerOperations.ProcessTask, stream, shard));
        }
    }

    /// <summary>Records a GetRecords call: <see cref="ConsumerMetricNames.GetRecordsSuccess"/> (1 or 0) and <see cref="ConsumerMetricNames.GetRecordsTime"/>, operation <see cref="ConsumerOperations.ProcessTask"/>.</summary>
    /// <param name="stream">The stream name.</param>
    /// <param name="shard">The shard id.</param>
    /// <param name="succeeded">Whether the call returned records (possibly none).</param>
    /// <param name="latency">The call's duration.</param>
    public void GetRecordsCompleted(string stream, string shard, bool succeeded, TimeSpan latency) =>
        RecordCall(getRecordsSuccess, getRecordsTime, ConsumerOperations.ProcessTask, stream, shard, succeeded, latency);

    /// <summary>Records a throttled GetRecords call (<see cref="ConsumerMetricNames.GetRecordsThrottled"/> +1); also report the call with <see cref="GetRecordsCompleted"/>.</summary>
    /// <param name="stream">The stream name.</param>
    /// <param name="shard">The shard id.</param>
    public void GetRecordsThrottled(string stream, string shard)
    {
        if (getRecordsThrottled.Enabled)
        {
            getRecordsThrottled.Add(1, ShardTags(ConsumerOperations.ProcessTask, stream, shard));
        }
    }

    /// <summary>Records a SubscribeToShard call: <see cref="ConsumerMetricNames.SubscribeToShardSuccess"/> (1 or 0) and <see cref="ConsumerMetricNames.SubscribeToShardTime"/>, operation <see cref="ConsumerOperations.ProcessTask"/>.</summary>
    /// <param name="stream">The stream name.</param>
    /// <param name="shard">The shard id.</param>
    /// <param name="succeeded">Whether the subscription started.</param>
    /// <param name="latency">Time until the call was answered.</param>
    public void SubscribeToShardCompleted(string stream, string shard, bool succeeded, TimeSpan latency) =>
        RecordCall(subscribeSuccess, subscribeTime, ConsumerOperations.ProcessTask, stream, shard, succeeded, latency);

    /// <summary>Records a throttled SubscribeToShard call (<see cref="ConsumerMetricNames.SubscribeToShardThrottled"/> +1).</summary>
    /// <param name="stream">The stream name.</param>
    /// <param name="shard">The shard id.</param>
    public void SubscribeToShardThrottled(string stream, string shard)
    {
        if (subscribeThrottled.Enabled)
        {
            subscribeThrottled.Add(1, ShardTags(ConsumerOperations.ProcessTask, stream, shard));
        }
    }

    /// <summary>Records user records handed to the dead-letter sink (<see cref="ConsumerMetricNames.RecordsDeadLettered"/>, operation <see cref="ConsumerOperations.ProcessTask"/>).</summary>
    /// <param name="stream">The stream name.</param>
    /// <param name="shard">The shard id.</param>
    /// <param name="records">User records the sink accepted.</param>
    public void RecordsDeadLettered(string stream, string shard, int records)
    {
        if (recordsDeadLettered.Enabled)
        {
            recordsDeadLettered.Add(records, ShardTags(ConsumerOperations.ProcessTask, stream, shard));
        }
    }

    /// <summary>Records a failing batch split in two (<see cref="ConsumerMetricNames.BatchesBisected"/> +1, operation <see cref="ConsumerOperations.ProcessTask"/>).</summary>
    /// <param name="stream">The stream name.</param>
    /// <param name="shard">The shard id.</param>
    public void BatchBisected(string stream, string shard)
    {
        if (batchesBisected.Enabled)
        {
            batchesBisected.Add(1, ShardTags(ConsumerOperations.ProcessTask, stream, shard));
        }
    }

    /// <summary>Records a delivery of failed records again after a backoff (<see cref="ConsumerMetricNames.ProcessRecordsRetries"/> +1, operation <see cref="ConsumerOperations.ProcessTask"/>).</summary>
    /// <param name="stream">The stream name.</param>
    /// <param name="shard">The shard id.</param>
    public void ProcessRecordsRetried(string stream, string shard)
    {
        if (processRecordsRetries.Enabled)
        {
            processRecordsRetries.Add(1, ShardTags(ConsumerOperations.ProcessTask, stream, shard));
        }
    }

    /// <summary>Records a batch delivered on several lanes (<see cref="ConsumerMetricNames.LanesBusy"/>, operation <see cref="ConsumerOperations.ProcessTask"/>).</summary>
    /// <param name="stream">The stream name.</param>
    /// <param name="shard">The shard id.</param>
    /// <param name="lanes">The lanes that had records in the batch.</param>
    public void LanesBusy(string stream, string shard, int lanes)
    {
        if (lanesBusy.Enabled)
        {
            lanesBusy.Record(lanes, ShardTags(ConsumerOperations.ProcessTask, stream, shard));
        }
    }

    /// <summary>
    /// Records a checkpoint write: <see cref="ConsumerMetricNames.Success"/> (1 or 0) and <see cref="ConsumerMetricNames.Time"/>
    /// with operation <see cref="ConsumerOperations.Checkpoint"/>; the average of Success is the checkpoint success rate.
    /// </summary>
    /// <param name="stream">The stream name.</param>
    /// <param name="shard">The shard id.</param>
    /// <param name="succeeded">Whether the checkpoint was stored.</param>
    /// <param name="latency">The write's duration.</param>
    public void CheckpointCompleted(string stream, string shard, bool succeeded, TimeSpan latency) =>
        RecordCall(success, time, ConsumerOperations.Checkpoint, stream, shard, succeeded, latency);

    /// <summary>
    /// Records a renewal pass (operation <see cref="ConsumerOperations.RenewAllLeases"/>): <see cref="ConsumerMetricNames.Success"/>,
    /// <see cref="ConsumerMetricNames.Time"/>, <see cref="ConsumerMetricNames.LostLeases"/>, and the value later observed
    /// as <see cref="ConsumerMetricNames.CurrentLeases"/>.
    /// </summary>
    /// <param name="succeeded">Whether the pass completed.</param>
    /// <param name="latency">The pass's duration.</param>
    /// <param name="currentLeases">Leases held after the pass.</param>
    /// <param name="lostLeases">Leases lost in the pass.</param>
    public void RenewAllLeasesCompleted(bool succeeded, TimeSpan latency, int currentLeases, int lostLeases)
    {
        Interlocked.Exchange(ref this.currentLeases, Math.Max(0, currentLeases));
        RecordCall(success, time, ConsumerOperations.RenewAllLeases, null, null, succeeded, latency);
        if (this.lostLeases.Enabled)
        {
            this.lostLeases.Add(lostLeases, WorkerTags(ConsumerOperations.RenewAllLeases));
        }
    }

    /// <summary>
    /// Records a lease-taking pass (operation <see cref="ConsumerOperations.TakeLeases"/>): <see cref="ConsumerMetricNames.Success"/>,
    /// <see cref="ConsumerMetricNames.Time"/>, <see cref="ConsumerMetricNames.TakenLeases"/> and <see cref="ConsumerMetricNames.LeaseSpillover"/>.
    /// </summary>
    /// <param name="succeeded">Whether the pass completed.</param>
    /// <param name="latency">The pass's duration.</param>
    /// <param name="takenLeases">Leases taken (including stolen).</param>
    /// <param name="leaseSpillover">Leases left because the worker is at its maximum.</param>
    public void TakeLeasesCompleted(bool succeeded, TimeSpan latency, int takenLeases, int leaseSpillover)
    {
        RecordCall(success, time, ConsumerOperations.TakeLeases, null, null, succeeded, latency);
        if (this.takenLeases.Enabled)
        {
            this.takenLeases.Add(takenLeases, WorkerTags(ConsumerOperations.TakeLeases));
        }

        if (this.leaseSpillover.Enabled)
        {
            this.leaseSpillover.Add(leaseSpillover, WorkerTags(ConsumerOperations.TakeLeases));
        }
    }

    /// <summary>
    /// Records a stream sync of a multi-stream consumer (operation <see cref="ConsumerOperations.MultiStreamTracker"/>): the
    /// values later observed as <see cref="ConsumerMetricNames.ActiveStreamsCount"/> and
    /// <see cref="ConsumerMetricNames.StreamsPendingDeletionCount"/>, and <see cref="ConsumerMetricNames.DeletedStreamsCount"/>.
    /// </summary>
    /// <param name="activeStreams">Streams in the list.</param>
    /// <param name="streamsPendingDeletion">Former streams whose leases wait for the deletion delay.</param>
    /// <param name="deletedStreams">Former streams whose leases this sync deleted.</param>
    public void StreamSyncCompleted(int activeStreams, int streamsPendingDeletion, int deletedStreams)
    {
        Interlocked.Exchange(ref this.activeStreams, Math.Max(0, activeStreams));
        Interlocked.Exchange(ref this.streamsPendingDeletion, Math.Max(0, streamsPendingDeletion));
        if (this.deletedStreams.Enabled)
        {
            this.deletedStreams.Add(deletedStreams, WorkerTags(ConsumerOperations.MultiStreamTracker));
        }
    }

    private void RecordCall(Histogram<long> successInstrument, Histogram<double> timeInstrument, string operation, string? stream, string? shard, bool succeeded, TimeSpan latency)
    {
        if (!(successInstrument.Enabled || timeInstrument.Enabled))
        {
            return;
        }

        var tags = stream is null ? WorkerTags(operation) : ShardTags(operation, stream, shard);
        successInstrument.Record(succeeded ? 1 : 0, tags);
        timeInstrument.Record(latency.TotalMilliseconds, tags);
    }

    private TagList WorkerTags(string operation) => new()
    {
        { MetricTagNames.Application, application },
        { MetricTagNames.WorkerIdentifier, worker },
        { MetricTagNames.Operation, operation },
    };

    private TagList ShardTags(string operation, string stream, string? shard)
    {
        var tags = WorkerTags(operation);
        tags.Add(MetricTagNames.StreamName, stream);
        if (shard is not null)
        {
            tags.Add(MetricTagNames.ShardId, shard);
        }

        return tags;
    }

    // The last value recorded for a gauge; nothing before the first (a stream count is never recorded by a single-stream consumer).
    private IEnumerable<Measurement<long>> ObserveLast(ref long field, string operation)
    {
        var value = Interlocked.Read(ref field);
        return value < 0 ? [] : [new Measurement<long>(value, WorkerTags(operation))];
    }
}
