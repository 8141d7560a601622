using Kinesis.Core.Http;
using Kinesis.Core.Metrics;
using Microsoft.Extensions.Logging;

namespace Kinesis.Agent.Metrics;

/// <summary>
/// Uploads the flows' running totals to CloudWatch (<c>cloudwatch.emitMetrics</c>) every
/// <see cref="MetricsAggregationOptions.UploadInterval"/>, under the Java agent's names where it has one and its
/// <c>Destination</c> dimension (<c>KinesisStream:NAME</c>). Each upload sends, per flow, every counter's increase
/// since the previous upload (zeros included, as the Java agent sends them) and the bytes behind over its files.
/// Requests go through Kinesis.Core's PutMetricData sender: retried on throttling, 5xx and network faults, then
/// dropped and logged; nothing here throws into the agent.
/// </summary>
internal sealed class AgentCloudWatchPublisher : IAsyncDisposable
{
    /// <summary>The dimension the Java agent puts on its metrics.</summary>
    public const string DestinationDimension = "Destination";

    private static readonly MetricDefinition RecordsSent = new(AgentMetricNames.RecordsSent, MetricsLevel.Summary, "Count", true);
    private static readonly MetricDefinition BytesSent = new(AgentMetricNames.BytesSent, MetricsLevel.Summary, "Bytes", true);
    private static readonly MetricDefinition RecordSendErrors = new("RecordSendErrors", MetricsLevel.Summary, "Count", true);
    private static readonly MetricDefinition LinesParsed = new(AgentMetricNames.LinesParsed, MetricsLevel.Summary, "Count", true);
    private static readonly MetricDefinition BytesRead = new(AgentMetricNames.BytesRead, MetricsLevel.Summary, "Bytes", true);
    private static readonly MetricDefinition RecordsSkipped = new(AgentMetricNames.RecordsSkipped, MetricsLevel.Summary, "Count", true);
    private static readonly MetricDefinition ProcessingErrors = new(AgentMetricNames.ProcessingErrors, MetricsLevel.Summary, "Count", true);
    private static readonly MetricDefinition BytesBehind = new("BytesBehind", MetricsLevel.Summary, "Bytes", false);

    private readonly IReadOnlyList<FlowStatistics> flows;
    private readonly long[][] previous;
    private readonly CloudWatchMetricsSender sender;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly TimeSpan shutdownTimeout;
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly CancellationTokenSource stopping = new();
    private readonly Task loop;
    private int disposed;

    /// <param name="flows">The flows' totals.</param>
    /// <param name="options">Endpoint, credentials, handler, interval, retries and timeouts; read once.</param>
    /// <param name="metricsNamespace">The CloudWatch namespace (<c>cloudwatch.namespace</c>).</param>
    /// <param name="region">The signing region and, without <see cref="CloudWatchMetricsOptions.ServiceUrl"/>, the endpoint's.</param>
    /// <param name="logger">Upload failures.</param>
    /// <param name="time">The clock of the upload interval and timestamps.</param>
    public AgentCloudWatchPublisher(IReadOnlyList<FlowStatistics> flows, CloudWatchMetricsOptions options, string metricsNamespace, string region, ILogger logger, TimeProvider time)
    {
        this.flows = flows;
        this.time = time;
        this.logger = logger;
        previous = flows.Select(_ => new long[7]).ToArray();
        shutdownTimeout = options.ShutdownTimeout;
        var signingRegion = options.Region ?? region;
        Endpoint = options.ServiceUrl ?? AwsServiceEndpoint.Resolve(CloudWatchMetricsOptions.ServiceName, signingRegion);
        var signer = new AwsRequestSigner(new AwsCredentialsSource(options.Credentials), signingRegion, CloudWatchMetricsOptions.ServiceName, time);
        var handler = options.HttpHandler ?? AwsHttpSender.CreateDefaultHandler(maxConnections: 2, options.RequestTimeout);
        sender = new CloudWatchMetricsSender(new AwsHttpSender(Endpoint, signer, handler, ownsHandler: options.HttpHandler is null), options.Retry, options.RequestTimeout, logger, metricsNamespace);
        loop = Task.Run(() => RunAsync(options.UploadInterval, stopping.Token), CancellationToken.None);
    }

    /// <summary>The CloudWatch endpoint requests go to.</summary>
    public Uri Endpoint { get; }

    /// <summary>Datums CloudWatch accepted so far.</summary>
    public long UploadedDatums => sender.UploadedDatums;

    /// <summary>Datums dropped after their retries so far.</summary>
    public long DroppedDatums => sender.DroppedDatums;

    /// <summary>Uploads the increases since the last upload now. Never throws but for cancellation.</summary>
    public async Task UploadAsync(CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await sender.SendAsync(Collect(time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Stops the interval and uploads what is left within <see cref="CloudWatchMetricsOptions.ShutdownTimeout"/>. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        await stopping.CancelAsync().ConfigureAwait(false);
        await loop.ConfigureAwait(false);
        using (var timeout = new CancellationTokenSource(shutdownTimeout))
        {
            try
            {
                await UploadAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The sender counted and logged what it could not send in time.
            }
        }

        sender.Dispose();
        stopping.Dispose();
        gate.Dispose();
    }

    private List<MetricDatum> Collect(DateTimeOffset now)
    {
        var datums = new List<MetricDatum>(flows.Count * 8);
        for (var i = 0; i < flows.Count; i++)
        {
            var flow = flows[i];
            KeyValuePair<string, string>[] dimensions = [new(DestinationDimension, "KinesisStream:" + flow.Stream)];
            var last = previous[i];
            Add(RecordsSent, 0, flow.RecordsSent);
            Add(BytesSent, 1, flow.BytesSent);
            Add(RecordSendErrors, 2, flow.RecordsFailed);
            Add(LinesParsed, 3, flow.LinesParsed);
            Add(BytesRead, 4, flow.BytesRead);
            Add(RecordsSkipped, 5, flow.RecordsSkipped);
            Add(ProcessingErrors, 6, flow.ProcessingErrors);
            long behind = 0;
            foreach (var (_, lag) in flow.FileLags)
            {
                behind += lag;
            }

            datums.Add(new MetricDatum(BytesBehind, dimensions, new StatisticSet(1, behind, behind, behind), now));

            void Add(MetricDefinition metric, int index, long total)
            {
                // Totals only grow; one read per upload, so an increase is never counted twice.
                var increase = Math.Max(0, total - last[index]);
                last[index] = total;
                datums.Add(new MetricDatum(metric, dimensions, new StatisticSet(1, increase, increase, increase), now));
            }
        }

        return datums;
    }

    private async Task RunAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await UploadAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    AgentLog.MetricsUploadFailed(logger, Endpoint, ex);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped; DisposeAsync uploads the rest.
        }
    }
}
