using System.Diagnostics.Metrics;

namespace Kinesis.Core.Metrics;

/// <summary>
/// The instruments of one producer or consumer on a <see cref="System.Diagnostics.Metrics.Meter"/>: the source that
/// <see cref="CloudWatchMetricsPublisher"/> and <see cref="EmfMetricsWriter"/> aggregate. Only
/// <see cref="ProducerMetrics"/> and <see cref="ConsumerMetrics"/> derive from it.
/// </summary>
/// <remarks>Recording methods are safe for concurrent use, never throw for a listener's sake and allocate nothing.</remarks>
public abstract class KinesisMetrics : IDisposable
{
    private readonly bool ownsMeter;
    private readonly object sinksGate = new();
    private IStatisticsSink[] sinks = [];
    private int disposed;

    private protected KinesisMetrics(string meterName, IMeterFactory? meterFactory)
    {
        // A factory caches meters by name, so clients created from one factory share a meter and its instruments.
        ownsMeter = meterFactory is null;
        Meter = meterFactory?.Create(new MeterOptions(meterName)) ?? new Meter(meterName);
    }

    /// <summary>The meter the instruments live on.</summary>
    public Meter Meter { get; }

    internal abstract MetricCatalog Catalog { get; }

    /// <summary>The aggregators that take pre-aggregated statistic sets; empty when none is attached.</summary>
    private protected IStatisticsSink[] Sinks => Volatile.Read(ref sinks);

    /// <summary>Whether the instrument named <paramref name="instrumentName"/> reaches aggregators through <see cref="Sinks"/> instead of their listener.</summary>
    internal virtual bool FeedsSinksDirectly(string instrumentName) => false;

    internal void AddSink(IStatisticsSink sink)
    {
        lock (sinksGate)
        {
            sinks = [.. sinks, sink];
        }
    }

    internal void RemoveSink(IStatisticsSink sink)
    {
        lock (sinksGate)
        {
            sinks = Array.FindAll(sinks, s => !ReferenceEquals(s, sink));
        }
    }

    /// <summary>Disposes the meter when this object created it (not when it came from an <see cref="IMeterFactory"/>), which ends every listener's subscription to it.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 0 && ownsMeter)
        {
            Meter.Dispose();
        }

        GC.SuppressFinalize(this);
    }
}
