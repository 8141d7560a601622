using System.Diagnostics.Metrics;
using Kinesis.Core.Metrics;

namespace Kinesis.Benchmarks.Producer;

/// <summary>Counts the producer's PutRecords calls and the Kinesis records they carried, from its metrics, while alive.</summary>
internal sealed class PutRecordsCallCounter : IDisposable
{
    private readonly MeterListener listener = new();
    private long requests;
    private long kinesisRecords;

    public PutRecordsCallCounter()
    {
        listener.InstrumentPublished = (instrument, meterListener) =>
        {
            if (instrument.Meter.Name == KinesisMeterNames.Producer && instrument.Name == ProducerMetricNames.KinesisRecordsPerPutRecordsRequest)
            {
                meterListener.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) =>
        {
            Interlocked.Increment(ref requests);
            Interlocked.Add(ref kinesisRecords, value);
        });
        listener.Start();
    }

    /// <summary>PutRecords calls so far.</summary>
    public long Requests => Interlocked.Read(ref requests);

    /// <summary>Kinesis records sent in those calls.</summary>
    public long KinesisRecords => Interlocked.Read(ref kinesisRecords);

    /// <summary>Starts counting again from zero (after a warm-up).</summary>
    public void Reset()
    {
        Interlocked.Exchange(ref requests, 0);
        Interlocked.Exchange(ref kinesisRecords, 0);
    }

    public void Dispose() => listener.Dispose();
}
