using System.Diagnostics.Metrics;

namespace Kinesis.Core.Metrics;

/// <summary>
/// The instruments of one producer or consumer on a <see cref="System.Diagnostics.Metrics.Meter"/>, as a handle to pass
/// to <see cref="EmfMetricsWriter"/> (e.g. <c>KinesisConsumer.Metrics</c>). Recording is internal to the clients: listen
/// to the meter (<see cref="KinesisMeterNames"/>) to read the measurements.
/// </summary>
/// <remarks>The client that created it owns it and disposes it with itself.</remarks>
public abstract class KinesisMetrics
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
    private protected void DisposeMeter()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 0 && ownsMeter)
        {
            Meter.Dispose();
        }
    }
}
