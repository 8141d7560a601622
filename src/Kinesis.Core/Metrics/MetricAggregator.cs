using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Kinesis.Core.Metrics;

/// <summary>
/// Listens to one source's meter and aggregates each measurement into statistic sets per metric and dimension set,
/// filtered by level and rolled up by granularity (a shard sample also counts in its stream and global series).
/// Per-user-record metrics do not come through the listener: the source hands them over pre-aggregated, one
/// statistic set per group of records (<see cref="IStatisticsSink"/>), which is what keeps detailed metrics cheap.
/// Observable counters report running totals; the aggregator records their increase since the previous observation.
/// </summary>
/// <remarks>
/// The measurement callback runs on the recording thread and touches only the sample's own (deepest) series: one
/// dictionary lookup and a short uncontended lock; it never blocks on I/O. Roll-up to the stream and global series
/// happens in <see cref="Collect"/>, by merging statistic sets (count and sum add, minimum and maximum combine), which
/// gives exactly what recording into every level would. The number of series is bounded; a sample that would exceed
/// the bound is dropped and counted. <see cref="Collect"/> takes and resets every series and releases the ones that
/// saw no sample in two intervals.
/// </remarks>
internal sealed class MetricAggregator : IStatisticsSink, IDisposable
{
    private readonly Meter source;
    private readonly KinesisMetrics sourceMetrics;
    private readonly MetricCatalog catalog;
    private readonly MetricsLevel level;
    private readonly MetricsGranularity granularity;
    private readonly int maxSeries;
    private readonly MeterListener listener;
    private readonly ConcurrentDictionary<SeriesKey, MetricSeries> series = new();
    private int seriesCount;
    private long droppedSamples;
    private long rejectedSamples;

    public MetricAggregator(KinesisMetrics source, MetricsLevel level, MetricsGranularity granularity, int maxSeries)
    {
        this.source = source.Meter;
        sourceMetrics = source;
        catalog = source.Catalog;
        this.level = level;
        this.granularity = granularity;
        this.maxSeries = maxSeries;
        listener = new MeterListener
        {
            InstrumentPublished = OnInstrumentPublished,
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, state) =>
        {
            if (state is CumulativeCounter cumulative)
            {
                cumulative.Observe(this, value, tags);
            }
            else
            {
                Record((MetricDefinition)state!, value, tags);
            }
        });
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, state) => Record((MetricDefinition)state!, value, tags));
        listener.Start();
        if (level != MetricsLevel.None)
        {
            source.AddSink(this);
        }
    }

    /// <summary>Samples dropped because the series bound was reached.</summary>
    public long DroppedSamples => Interlocked.Read(ref droppedSamples);

    /// <summary>Samples ignored because they were NaN or infinite (CloudWatch refuses them).</summary>
    public long RejectedSamples => Interlocked.Read(ref rejectedSamples);

    /// <summary>Series currently held (the deepest level of each sample; roll-ups are computed when collecting).</summary>
    public int SeriesCount => Volatile.Read(ref seriesCount);

    /// <summary>Runs the callbacks of the observable instruments (gauges), recording what they return.</summary>
    public void ObserveGauges() => listener.RecordObservableInstruments();

    /// <summary>
    /// Takes every non-empty series, rolls it up into its stream and global series, and returns one datum per series
    /// stamped <paramref name="timestamp"/>, sorted by metric name and dimensions. Series idle for two intervals are released.
    /// </summary>
    public List<MetricDatum> Collect(DateTimeOffset timestamp)
    {
        var totals = new Dictionary<SeriesKey, StatisticSet>();
        foreach (var (key, entry) in series)
        {
            if (entry.TryTake(out var statistics))
            {
                Merge(totals, key, statistics);
                var stream = key with { Shard = null };
                if (stream != key)
                {
                    Merge(totals, stream, statistics);
                }

                var global = stream with { Stream = null };
                if (global != stream)
                {
                    Merge(totals, global, statistics);
                }
            }
            else if (entry.TryRetire() && series.TryRemove(new KeyValuePair<SeriesKey, MetricSeries>(key, entry)))
            {
                Interlocked.Decrement(ref seriesCount);
            }
        }

        var datums = new List<MetricDatum>(totals.Count);
        foreach (var (key, statistics) in totals)
        {
            datums.Add(new MetricDatum(key.Metric, key.ToDimensions(), statistics, timestamp));
        }

        datums.Sort(static (a, b) => SeriesOrder(a, b));
        return datums;
    }

    public void Dispose()
    {
        sourceMetrics.RemoveSink(this);
        listener.Dispose();
    }

    /// <inheritdoc/>
    public void Record(MetricDefinition metric, string stream, string? shard, StatisticSet statistics)
    {
        if (metric.Level > level || statistics.SampleCount == 0)
        {
            return;
        }

        if (!double.IsFinite(statistics.Sum) || !double.IsFinite(statistics.Minimum) || !double.IsFinite(statistics.Maximum))
        {
            Interlocked.Add(ref rejectedSamples, statistics.SampleCount);
            return;
        }

        Span<KeyValuePair<string, object?>> tags =
        [
            new(MetricTagNames.StreamName, stream),
            new(MetricTagNames.ShardId, shard),
        ];
        RecordInSeries(SeriesKey.From(metric, tags, granularity), statistics);
    }

    private static void Merge(Dictionary<SeriesKey, StatisticSet> totals, SeriesKey key, StatisticSet statistics)
    {
        totals[key] = totals.TryGetValue(key, out var total)
            ? new StatisticSet(
                total.SampleCount + statistics.SampleCount,
                total.Sum + statistics.Sum,
                Math.Min(total.Minimum, statistics.Minimum),
                Math.Max(total.Maximum, statistics.Maximum))
            : statistics;
    }

    private static int SeriesOrder(MetricDatum a, MetricDatum b)
    {
        var byName = string.CompareOrdinal(a.Metric.Name, b.Metric.Name);
        if (byName != 0)
        {
            return byName;
        }

        var byCount = a.Dimensions.Count.CompareTo(b.Dimensions.Count);
        for (var i = 0; byCount == 0 && i < a.Dimensions.Count; i++)
        {
            byCount = string.CompareOrdinal(a.Dimensions[i].Value, b.Dimensions[i].Value);
        }

        return byCount;
    }

    private void OnInstrumentPublished(Instrument instrument, MeterListener meterListener)
    {
        if (ReferenceEquals(instrument.Meter, source) && catalog.TryGet(instrument.Name, out var definition) && definition.Level <= level && level != MetricsLevel.None
            && !sourceMetrics.FeedsSinksDirectly(instrument.Name))
        {
            meterListener.EnableMeasurementEvents(instrument, instrument is ObservableCounter<long> ? new CumulativeCounter(definition) : definition);
        }
    }

    private void Record(MetricDefinition metric, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (!double.IsFinite(value))
        {
            Interlocked.Increment(ref rejectedSamples);
            return;
        }

        RecordInSeries(SeriesKey.From(metric, tags, granularity), new StatisticSet(1, value, value, value));
    }

    private void RecordInSeries(SeriesKey key, StatisticSet statistics)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            if (!series.TryGetValue(key, out var entry))
            {
                entry = GetOrAddSeries(key);
                if (entry is null)
                {
                    break;
                }
            }

            // False only when Collect released the series after our lookup; the next lookup finds or makes its successor.
            if (entry.TryRecord(statistics))
            {
                return;
            }
        }

        Interlocked.Add(ref droppedSamples, statistics.SampleCount);
    }

    private MetricSeries? GetOrAddSeries(SeriesKey key)
    {
        if (Interlocked.Increment(ref seriesCount) > maxSeries)
        {
            Interlocked.Decrement(ref seriesCount);
            return null;
        }

        var created = new MetricSeries();
        var stored = series.GetOrAdd(key, created);
        if (!ReferenceEquals(stored, created))
        {
            Interlocked.Decrement(ref seriesCount);
        }

        return stored;
    }

    /// <summary>Identifies a series: the metric and the dimension values that CloudWatch receives.</summary>
    internal readonly record struct SeriesKey(MetricDefinition Metric, string? ErrorCode, string? Operation, string? Worker, string? Stream, string? Shard)
    {
        /// <summary>The key of a sample's deepest series under <paramref name="granularity"/>.</summary>
        public static SeriesKey From(MetricDefinition metric, ReadOnlySpan<KeyValuePair<string, object?>> tags, MetricsGranularity granularity)
        {
            string? errorCode = null, operation = null, worker = null, stream = null, shard = null;
            foreach (var tag in tags)
            {
                // Blank values become no dimension at all, as the KPL does (CloudWatch refuses empty values).
                if (tag.Value is not string { Length: > 0 } value)
                {
                    continue;
                }

                switch (tag.Key)
                {
                    case MetricTagNames.StreamName: stream = value; break;
                    case MetricTagNames.ShardId: shard = value; break;
                    case MetricTagNames.ErrorCode: errorCode = value; break;
                    case MetricTagNames.Operation: operation = value; break;
                    case MetricTagNames.WorkerIdentifier: worker = value; break;
                }
            }

            // A shard is only meaningful within its stream.
            if (stream is null || granularity < MetricsGranularity.Shard)
            {
                shard = null;
            }

            if (granularity < MetricsGranularity.Stream)
            {
                stream = null;
            }

            return new SeriesKey(metric, errorCode, operation, worker, stream, shard);
        }

        public KeyValuePair<string, string>[] ToDimensions()
        {
            var dimensions = new List<KeyValuePair<string, string>>(5);
            Add(dimensions, MetricTagNames.ErrorCode, ErrorCode);
            Add(dimensions, MetricTagNames.Operation, Operation);
            Add(dimensions, MetricTagNames.WorkerIdentifier, Worker);
            Add(dimensions, MetricTagNames.StreamName, Stream);
            Add(dimensions, MetricTagNames.ShardId, Shard);
            return [.. dimensions];
        }

        private static void Add(List<KeyValuePair<string, string>> dimensions, string name, string? value)
        {
            if (value is not null)
            {
                dimensions.Add(new(name, value));
            }
        }
    }

    /// <summary>The running statistics of one series; updated under its own lock, which is held for a few instructions.</summary>
    internal sealed class MetricSeries
    {
        private readonly object gate = new();
        private long count;
        private double sum;
        private double min;
        private double max;
        private bool retired;
        private bool idleBefore;

        public bool TryRecord(StatisticSet statistics)
        {
            lock (gate)
            {
                if (retired)
                {
                    return false;
                }

                if (count == 0)
                {
                    min = statistics.Minimum;
                    max = statistics.Maximum;
                }
                else
                {
                    min = Math.Min(min, statistics.Minimum);
                    max = Math.Max(max, statistics.Maximum);
                }

                count += statistics.SampleCount;
                sum += statistics.Sum;
                idleBefore = false;
                return true;
            }
        }

        public bool TryTake(out StatisticSet statistics)
        {
            lock (gate)
            {
                if (count == 0)
                {
                    statistics = default;
                    return false;
                }

                statistics = new StatisticSet(count, sum, min, max);
                count = 0;
                sum = 0;
                return true;
            }
        }

        /// <summary>
        /// Retires the series when it saw no sample since the previous collection either. Two idle collections, not
        /// one: a series created by a recorder an instant before a collection would otherwise be retired before the
        /// recorder's sample lands, and a recorder racing several collections could run out of retries.
        /// </summary>
        public bool TryRetire()
        {
            lock (gate)
            {
                if (count != 0)
                {
                    return false;
                }

                if (!idleBefore)
                {
                    idleBefore = true;
                    return false;
                }

                retired = true;
                return true;
            }
        }
    }

    /// <summary>
    /// An observable counter's running totals turned into increments: each observation records the growth since the
    /// previous one for the same tags, as that many samples of 1 (what counting each record as it happened would give).
    /// A total that went down (its source was replaced) counts from zero.
    /// </summary>
    private sealed class CumulativeCounter(MetricDefinition definition)
    {
        private readonly Dictionary<SeriesKey, long> previous = [];

        public void Observe(MetricAggregator aggregator, long total, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            // Keyed by every tag, whatever the granularity: two streams' totals must not be mistaken for one.
            var identity = SeriesKey.From(definition, tags, MetricsGranularity.Shard);
            long increase;
            lock (previous)
            {
                previous.TryGetValue(identity, out var last);
                increase = total >= last ? total - last : total;
                previous[identity] = total;
            }

            if (increase > 0)
            {
                aggregator.RecordInSeries(SeriesKey.From(definition, tags, aggregator.granularity), new StatisticSet(increase, increase, 1, 1));
            }
        }
    }
}
