using System.Diagnostics.Metrics;
using Kinesis.Core.Metrics;

namespace Kinesis.Agent.Metrics;

/// <summary>
/// The agent's instruments (<see cref="AgentMetricNames"/>) over the flows' running totals. Observable instruments
/// only: the tailing loop updates plain counters and pays nothing for a listener; values are read when a listener
/// collects. Disposing disposes the meter when this object created it (not when it came from an <see cref="IMeterFactory"/>).
/// </summary>
internal sealed class AgentMetrics : IDisposable
{
    private readonly IReadOnlyList<FlowStatistics> flows;
    private readonly bool ownsMeter;

    public AgentMetrics(IReadOnlyList<FlowStatistics> flows, IMeterFactory? meterFactory)
    {
        this.flows = flows;
        ownsMeter = meterFactory is null;
        Meter = meterFactory?.Create(new MeterOptions(AgentMetricNames.MeterName)) ?? new Meter(AgentMetricNames.MeterName);
        Meter.CreateObservableCounter(AgentMetricNames.LinesParsed, () => Observe(f => f.LinesParsed), MetricUnits.Count, "Records parsed from the files (lines or multi-line records).");
        Meter.CreateObservableCounter(AgentMetricNames.BytesRead, () => Observe(f => f.BytesRead), MetricUnits.Bytes, "Bytes read from the files.");
        Meter.CreateObservableCounter(AgentMetricNames.RecordsSent, () => Observe(f => f.RecordsSent), MetricUnits.Count, "Records acknowledged by Kinesis.");
        Meter.CreateObservableCounter(AgentMetricNames.BytesSent, () => Observe(f => f.BytesSent), MetricUnits.Bytes, "Data bytes of the records acknowledged by Kinesis.");
        Meter.CreateObservableCounter(AgentMetricNames.RecordsFailed, () => Observe(f => f.RecordsFailed), MetricUnits.Count, "Records that failed for good.");
        Meter.CreateObservableCounter(AgentMetricNames.RecordsSkipped, () => Observe(f => f.RecordsSkipped), MetricUnits.Count, "Records filtered out by processing.");
        Meter.CreateObservableCounter(AgentMetricNames.ProcessingErrors, () => Observe(f => f.ProcessingErrors), MetricUnits.Count, "Records sent unconverted because a processing option failed.");
        Meter.CreateObservableGauge(AgentMetricNames.FileLag, ObserveLags, MetricUnits.Bytes, "Bytes between each file's checkpoint and its end.");
    }

    public Meter Meter { get; }

    public void Dispose()
    {
        if (ownsMeter)
        {
            Meter.Dispose();
        }
    }

    private IEnumerable<Measurement<long>> Observe(Func<FlowStatistics, long> value)
    {
        foreach (var flow in flows)
        {
            yield return new Measurement<long>(value(flow), new KeyValuePair<string, object?>(AgentMetricNames.FlowTag, flow.Flow), new KeyValuePair<string, object?>(MetricTagNames.StreamName, flow.Stream));
        }
    }

    private IEnumerable<Measurement<long>> ObserveLags()
    {
        foreach (var flow in flows)
        {
            foreach (var (path, lag) in flow.FileLags)
            {
                yield return new Measurement<long>(
                    lag,
                    new KeyValuePair<string, object?>(AgentMetricNames.FlowTag, flow.Flow),
                    new KeyValuePair<string, object?>(MetricTagNames.StreamName, flow.Stream),
                    new KeyValuePair<string, object?>(AgentMetricNames.FilePathTag, path));
            }
        }
    }
}
