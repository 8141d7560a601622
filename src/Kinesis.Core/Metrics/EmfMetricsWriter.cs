using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kinesis.Core.Metrics;

/// <summary>
/// Writes one producer's or consumer's metrics as CloudWatch Embedded Metric Format (EMF) JSON lines, for
/// applications that ship logs to CloudWatch Logs instead of calling PutMetricData. The aggregation, levels and
/// granularity are those of <see cref="CloudWatchMetricsPublisher"/>.
/// </summary>
/// <remarks>
/// <para>Every <see cref="MetricsAggregationOptions.UploadInterval"/>, one JSON object per dimension set is written on
/// its own line: <c>_aws.Timestamp</c> (epoch milliseconds), <c>_aws.CloudWatchMetrics[0]</c> with the namespace,
/// the single dimension set and the metrics with their units, then the dimension values and one value per metric.</para>
/// <para>EMF has no statistic-set form (a value is a number or an array of raw samples), so the value written is the
/// interval's <b>Sum</b> for counters (<c>UserRecordsPut</c>, <c>RecordsProcessed</c>, ...) and its <b>average</b>
/// (Sum / SampleCount) for distributions (<c>BufferingTime</c>, <c>Time</c>, ...). The exact statistic sets are
/// kept alongside, outside the metric directive, in a <c>StatisticSets</c> member:
/// <c>{"BufferingTime":{"SampleCount":3,"Sum":42,"Minimum":2,"Maximum":30}}</c>.</para>
/// <para>Writes happen on a background task, one line at a time; an exception from the writer is logged and the
/// interval's lines are lost. Safe for concurrent use.</para>
/// </remarks>
public sealed class EmfMetricsWriter : IAsyncDisposable
{
    /// <summary>Time <see cref="DisposeAsync"/> spends writing what is left.</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(5);

    private readonly Func<string, CancellationToken, Task> writeLine;
    private readonly MetricAggregator aggregator;
    private readonly MetricsIntervalLoop loop;

    /// <summary>Starts writing the metrics of <paramref name="source"/> to <paramref name="output"/>.</summary>
    /// <param name="source">The producer's or consumer's metrics.</param>
    /// <param name="options">Settings; read once.</param>
    /// <param name="output">Receives one line per dimension set and interval, flushed after each line. Not disposed.</param>
    /// <param name="clientNamespace">The namespace used when <see cref="MetricsAggregationOptions.Namespace"/> is null.</param>
    /// <param name="logger">Receives write failures; by default nothing is logged.</param>
    /// <param name="timeProvider">The clock of intervals and timestamps; <see cref="TimeProvider.System"/> by default.</param>
    public EmfMetricsWriter(KinesisMetrics source, EmfMetricsOptions options, TextWriter output, string clientNamespace, ILogger? logger = null, TimeProvider? timeProvider = null)
        : this(source, options, clientNamespace, logger, timeProvider, WriteTo(output ?? throw new ArgumentNullException(nameof(output))))
    {
    }

    /// <summary>Starts writing the metrics of <paramref name="source"/> as Information log entries (event id 1510, the JSON line as the message) of <paramref name="output"/>.</summary>
    /// <param name="source">The producer's or consumer's metrics.</param>
    /// <param name="options">Settings; read once.</param>
    /// <param name="output">The logger whose sink ships the lines (its formatter must write the message unchanged for CloudWatch Logs to extract the metrics).</param>
    /// <param name="clientNamespace">The namespace used when <see cref="MetricsAggregationOptions.Namespace"/> is null.</param>
    /// <param name="timeProvider">The clock of intervals and timestamps; <see cref="TimeProvider.System"/> by default.</param>
    public EmfMetricsWriter(KinesisMetrics source, EmfMetricsOptions options, ILogger output, string clientNamespace, TimeProvider? timeProvider = null)
        : this(source, options, clientNamespace, output, timeProvider, LogTo(output ?? throw new ArgumentNullException(nameof(output))))
    {
    }

    private EmfMetricsWriter(KinesisMetrics source, EmfMetricsOptions options, string clientNamespace, ILogger? logger, TimeProvider? timeProvider, Func<string, CancellationToken, Task> writeLine)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        Namespace = options.ResolveNamespace(clientNamespace);
        this.writeLine = writeLine;
        aggregator = new MetricAggregator(source, options.Level, options.Granularity, options.MaxQueuedDatums);
        loop = new MetricsIntervalLoop(aggregator, options.UploadInterval, timeProvider ?? TimeProvider.System, WriteAsync, logger ?? NullLogger.Instance, Namespace, options.MaxQueuedDatums);
    }

    /// <summary>The namespace written into each document.</summary>
    public string Namespace { get; }

    /// <summary>Samples dropped so far because <see cref="MetricsAggregationOptions.MaxQueuedDatums"/> series were held.</summary>
    public long DroppedSamples => aggregator.DroppedSamples;

    /// <summary>Writes the statistics gathered since the last interval now.</summary>
    /// <param name="cancellationToken">Cancels the write.</param>
    public Task FlushAsync(CancellationToken cancellationToken = default) => loop.FlushAsync(cancellationToken);

    /// <summary>Stops and writes what is left within <see cref="ShutdownTimeout"/>. Idempotent.</summary>
    public ValueTask DisposeAsync() => loop.DisposeAsync(ShutdownTimeout);

    internal static List<string> Format(string metricsNamespace, List<MetricDatum> datums)
    {
        var groups = new Dictionary<string, List<MetricDatum>>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var datum in datums)
        {
            var key = DimensionKey(datum.Dimensions);
            if (!groups.TryGetValue(key, out var group))
            {
                groups[key] = group = [];
                order.Add(key);
            }

            group.Add(datum);
        }

        var lines = new List<string>(order.Count);
        foreach (var key in order)
        {
            lines.Add(FormatGroup(metricsNamespace, groups[key]));
        }

        return lines;
    }

    private static string FormatGroup(string metricsNamespace, List<MetricDatum> group)
    {
        var first = group[0];
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartObject("_aws");
            json.WriteNumber("Timestamp", first.Timestamp.ToUnixTimeMilliseconds());
            json.WriteStartArray("CloudWatchMetrics");
            json.WriteStartObject();
            json.WriteString("Namespace", metricsNamespace);
            json.WriteStartArray("Dimensions");
            json.WriteStartArray();
            foreach (var dimension in first.Dimensions)
            {
                json.WriteStringValue(dimension.Key);
            }

            json.WriteEndArray();
            json.WriteEndArray();
            json.WriteStartArray("Metrics");
            foreach (var datum in group)
            {
                json.WriteStartObject();
                json.WriteString("Name", datum.Metric.Name);
                json.WriteString("Unit", datum.Metric.CloudWatchUnit);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
            foreach (var dimension in first.Dimensions)
            {
                json.WriteString(dimension.Key, dimension.Value);
            }

            foreach (var datum in group)
            {
                var s = datum.Statistics;
                json.WriteNumber(datum.Metric.Name, datum.Metric.IsCounter ? s.Sum : s.Sum / s.SampleCount);
            }

            json.WriteStartObject("StatisticSets");
            foreach (var datum in group)
            {
                var s = datum.Statistics;
                json.WriteStartObject(datum.Metric.Name);
                json.WriteNumber("SampleCount", s.SampleCount);
                json.WriteNumber("Sum", s.Sum);
                json.WriteNumber("Minimum", s.Minimum);
                json.WriteNumber("Maximum", s.Maximum);
                json.WriteEndObject();
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static string DimensionKey(IReadOnlyList<KeyValuePair<string, string>> dimensions)
    {
        var key = new StringBuilder();
        foreach (var dimension in dimensions)
        {
            key.Append(dimension.Key).Append('\u0001').Append(dimension.Value).Append('\u0002');
        }

        return key.ToString();
    }

    private static Func<string, CancellationToken, Task> WriteTo(TextWriter output) => async (line, ct) =>
    {
        await output.WriteLineAsync(line.AsMemory(), ct).ConfigureAwait(false);
        await output.FlushAsync(ct).ConfigureAwait(false);
    };

    private static Func<string, CancellationToken, Task> LogTo(ILogger output) => (line, _) =>
    {
        EmfLog.Document(output, line);
        return Task.CompletedTask;
    };

    private async Task WriteAsync(List<MetricDatum> datums, CancellationToken cancellationToken)
    {
        var finite = datums.FindAll(d => double.IsFinite(d.Statistics.Sum) && double.IsFinite(d.Statistics.Minimum) && double.IsFinite(d.Statistics.Maximum));
        foreach (var line in Format(Namespace, finite))
        {
            await writeLine(line, cancellationToken).ConfigureAwait(false);
        }
    }
}
