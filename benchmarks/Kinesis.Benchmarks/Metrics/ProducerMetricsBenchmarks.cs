using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using Kinesis.Core.Metrics;

namespace Kinesis.Benchmarks.Metrics;

/// <summary>
/// Cost of the producer's metric calls, per call: with nobody listening, with a listener whose callbacks do nothing
/// (the floor set by System.Diagnostics.Metrics dispatch), and with the CloudWatch aggregator listening at Detailed
/// level and Shard granularity (what <see cref="CloudWatchMetricsPublisher"/> runs on the recording thread; uploads
/// happen elsewhere). Records spread over <see cref="Shards"/> shards of one stream.
/// </summary>
[MemoryDiagnoser]
public class ProducerMetricsBenchmarks
{
    private const int Calls = 1024;
    private const string Stream = "benchmark-stream";
    private ProducerMetrics metrics = null!;
    private MetricAggregator? aggregator;
    private MeterListener? noOpListener;
    private string[] shards = null!;

    /// <summary>Who listens.</summary>
    public enum ListenerKind
    {
        /// <summary>Nobody.</summary>
        None,

        /// <summary>A listener whose callbacks do nothing.</summary>
        NoOp,

        /// <summary>The CloudWatch aggregator at Detailed level and Shard granularity.</summary>
        CloudWatchAggregator,
    }

    /// <summary>Who listens.</summary>
    [Params(ListenerKind.None, ListenerKind.NoOp, ListenerKind.CloudWatchAggregator)]
    public ListenerKind Listener { get; set; }

    /// <summary>Shards the records are spread over.</summary>
    [Params(16)]
    public int Shards { get; set; }

    /// <summary>Creates the instruments and, when listening, the aggregator.</summary>
    [GlobalSetup]
    public void Setup()
    {
        metrics = new ProducerMetrics();
        shards = Enumerable.Range(0, Shards).Select(i => "shardId-" + i.ToString("D12", System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        if (Listener == ListenerKind.CloudWatchAggregator)
        {
            aggregator = new MetricAggregator(metrics, MetricsLevel.Detailed, MetricsGranularity.Shard, MetricsAggregationOptions.DefaultMaxQueuedDatums);
        }
        else if (Listener == ListenerKind.NoOp)
        {
            noOpListener = new MeterListener { InstrumentPublished = (instrument, l) => l.EnableMeasurementEvents(instrument) };
            noOpListener.SetMeasurementEventCallback<long>(static (_, _, _, _) => { });
            noOpListener.SetMeasurementEventCallback<double>(static (_, _, _, _) => { });
            noOpListener.Start();
        }
    }

    /// <summary>Releases the aggregator and the meter.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        aggregator?.Dispose();
        noOpListener?.Dispose();
        metrics.Dispose();
    }

    /// <summary>The per-user-record calls made one record at a time (buffering time, then put), as a custom pipeline without grouping would.</summary>
    [Benchmark(OperationsPerInvoke = Calls)]
    public void PerUserRecord()
    {
        for (var i = 0; i < Calls; i++)
        {
            var shard = shards[i % shards.Length];
            metrics.UserRecordAttemptStarted(Stream, shard, TimeSpan.FromMilliseconds(i & 127));
            metrics.UserRecordPut(Stream, shard, 512, 0);
        }
    }

    /// <summary>The same samples recorded as the producer does, grouped by Kinesis record (128 user records per group); time per user record.</summary>
    [Benchmark(OperationsPerInvoke = Calls)]
    public void PerUserRecordGrouped()
    {
        for (var group = 0; group < Calls / 128; group++)
        {
            var shard = shards[group % shards.Length];
            var buffering = metrics.StartBufferingTimes(Stream, shard);
            for (var i = 0; i < 128; i++)
            {
                buffering.Add(TimeSpan.FromMilliseconds(i & 127));
            }

            buffering.Complete();
            var put = metrics.StartUserRecordsPut(Stream, shard);
            for (var i = 0; i < 128; i++)
            {
                put.Add(512, 0);
            }

            put.Complete();
        }
    }

    /// <summary>The call made for every Kinesis record (3 instruments).</summary>
    [Benchmark(OperationsPerInvoke = Calls)]
    public void PerKinesisRecord()
    {
        for (var i = 0; i < Calls; i++)
        {
            metrics.KinesisRecordPut(Stream, shards[i % shards.Length], 51_200, 100);
        }
    }

    /// <summary>The call made for every PutRecords request (3 instruments, stream only).</summary>
    [Benchmark(OperationsPerInvoke = Calls)]
    public void PerPutRecordsRequest()
    {
        for (var i = 0; i < Calls; i++)
        {
            metrics.PutRecordsCompleted(Stream, 500, 50_000, TimeSpan.FromMilliseconds(35));
        }
    }

    /// <summary>1,024 Kinesis records then one interval's collection of every series (the upload thread's share, for scale).</summary>
    [Benchmark]
    public int KinesisRecordsThenCollect()
    {
        PerKinesisRecord();
        return aggregator?.Collect(DateTimeOffset.UnixEpoch).Count ?? 0;
    }
}
