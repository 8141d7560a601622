using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Kinesis.Core.Tests.Metrics;

/// <summary>Records every measurement of one meter, as an exporter would see it.</summary>
internal sealed class MeasurementRecorder : IDisposable
{
    private readonly MeterListener listener = new();

    public MeasurementRecorder(Meter meter)
    {
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, meter))
            {
                Instruments[instrument.Name] = instrument;
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Add(i, v, tags));
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Add(i, v, tags));
        listener.Start();
    }

    public ConcurrentDictionary<string, Instrument> Instruments { get; } = new();

    public ConcurrentQueue<RecordedMeasurement> Measurements { get; } = new();

    public void Observe() => listener.RecordObservableInstruments();

    public IReadOnlyList<RecordedMeasurement> Of(string name) => Measurements.Where(m => m.Name == name).ToList();

    public void Dispose() => listener.Dispose();

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, string?>();
        foreach (var tag in tags)
        {
            copy[tag.Key] = tag.Value as string;
        }

        Measurements.Enqueue(new RecordedMeasurement(instrument.Name, instrument.Unit, value, copy));
    }
}

internal sealed record RecordedMeasurement(string Name, string? Unit, double Value, Dictionary<string, string?> Tags)
{
    public string TagText => string.Join(",", Tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => t.Key + "=" + t.Value));
}
