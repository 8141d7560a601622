using Kinesis.Core.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kinesis.Core.Metrics;

/// <summary>
/// Publishes one producer's or consumer's metrics to CloudWatch, as the KPL and KCL do: a listener aggregates every
/// measurement of the source into statistic sets (SampleCount, Sum, Minimum, Maximum) per metric and dimension set,
/// and every <see cref="MetricsAggregationOptions.UploadInterval"/> they are sent with PutMetricData (query protocol,
/// SigV4-signed), filtered by <see cref="MetricsAggregationOptions.Level"/> and rolled up by
/// <see cref="MetricsAggregationOptions.Granularity"/>.
/// </summary>
/// <remarks>
/// <para>Recording never waits for CloudWatch: the listener only updates in-memory statistics. Uploads run on a
/// background task; a failed request is retried with backoff (<see cref="CloudWatchMetricsOptions.Retry"/>), then its
/// datums are dropped, counted in <see cref="DroppedDatums"/> and logged. Nothing is re-queued to a later interval.</para>
/// <para>Series with no sample in an interval are not sent (SampleCount 0 is never uploaded). Safe for concurrent
/// use. <see cref="DisposeAsync"/> uploads what is left within <see cref="CloudWatchMetricsOptions.ShutdownTimeout"/>.</para>
/// </remarks>
internal sealed class CloudWatchMetricsPublisher : IAsyncDisposable
{
    private readonly MetricAggregator aggregator;
    private readonly CloudWatchMetricsSender sender;
    private readonly MetricsIntervalLoop loop;
    private readonly TimeSpan shutdownTimeout;

    /// <summary>Starts publishing the metrics of <paramref name="source"/>.</summary>
    /// <param name="source">The producer's or consumer's metrics.</param>
    /// <param name="options">Settings; read once.</param>
    /// <param name="clientNamespace">The namespace used when <see cref="MetricsAggregationOptions.Namespace"/> is null: <see cref="CloudWatchMetricsOptions.DefaultProducerNamespace"/> for the producer, the application name for the consumer.</param>
    /// <param name="clientRegion">The region used when <see cref="CloudWatchMetricsOptions.Region"/> is null (the client's own).</param>
    /// <param name="logger">Receives upload failures and drops; by default nothing is logged.</param>
    /// <param name="timeProvider">The clock of upload intervals and timestamps; <see cref="TimeProvider.System"/> by default. Request timeouts and retry delays always use the real clock.</param>
    /// <exception cref="ArgumentException">No region, a malformed region or namespace, or a plain-HTTP non-loopback <see cref="CloudWatchMetricsOptions.ServiceUrl"/>.</exception>
    public CloudWatchMetricsPublisher(KinesisMetrics source, CloudWatchMetricsOptions options, string clientNamespace, string? clientRegion = null, ILogger? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        Namespace = options.ResolveNamespace(clientNamespace);
        var region = options.Region ?? clientRegion ?? throw new ArgumentException($"{nameof(CloudWatchMetricsOptions.Region)} is required when the client gives none.", nameof(options));
        AwsServiceEndpoint.ValidateRegion(region, nameof(options));
        Endpoint = options.ServiceUrl is { } url ? CheckServiceUrl(url) : AwsServiceEndpoint.Resolve(CloudWatchMetricsOptions.ServiceName, region);
        var time = timeProvider ?? TimeProvider.System;
        logger ??= NullLogger.Instance;

        var signer = new AwsRequestSigner(new AwsCredentialsSource(options.Credentials), region, CloudWatchMetricsOptions.ServiceName, time);
        var handler = options.HttpHandler ?? AwsHttpSender.CreateDefaultHandler(maxConnections: 2, options.RequestTimeout);
        var http = new AwsHttpSender(Endpoint, signer, handler, ownsHandler: options.HttpHandler is null);
        sender = new CloudWatchMetricsSender(http, options.Retry, options.RequestTimeout, logger, Namespace);
        aggregator = new MetricAggregator(source, options.Level, options.Granularity, options.MaxQueuedDatums);
        shutdownTimeout = options.ShutdownTimeout;
        loop = new MetricsIntervalLoop(aggregator, options.UploadInterval, time, sender.SendAsync, logger, Namespace, options.MaxQueuedDatums);
    }

    /// <summary>The CloudWatch endpoint requests go to.</summary>
    public Uri Endpoint { get; }

    /// <summary>The namespace metrics are published under.</summary>
    public string Namespace { get; }

    /// <summary>Datums CloudWatch accepted so far.</summary>
    public long UploadedDatums => sender.UploadedDatums;

    /// <summary>Datums dropped so far: failed uploads after their retries, shutdown leftovers and non-finite statistics.</summary>
    public long DroppedDatums => sender.DroppedDatums;

    /// <summary>Samples dropped so far because <see cref="MetricsAggregationOptions.MaxQueuedDatums"/> series were held.</summary>
    public long DroppedSamples => aggregator.DroppedSamples;

    /// <summary>Creates a publisher when <see cref="CloudWatchMetricsOptions.Enabled"/> is set and the level is not <see cref="MetricsLevel.None"/>; otherwise returns null.</summary>
    /// <inheritdoc cref="CloudWatchMetricsPublisher(KinesisMetrics, CloudWatchMetricsOptions, string, string?, ILogger?, TimeProvider?)"/>
    public static CloudWatchMetricsPublisher? CreateIfEnabled(KinesisMetrics source, CloudWatchMetricsOptions options, string clientNamespace, string? clientRegion = null, ILogger? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Enabled && options.Level != MetricsLevel.None
            ? new CloudWatchMetricsPublisher(source, options, clientNamespace, clientRegion, logger, timeProvider)
            : null;
    }

    /// <summary>Uploads the statistics gathered since the last upload now, without waiting for the interval. Failed batches are retried, then dropped and logged; only cancellation throws.</summary>
    /// <param name="cancellationToken">Cancels the upload; what was not sent is dropped.</param>
    public Task FlushAsync(CancellationToken cancellationToken = default) => loop.FlushAsync(cancellationToken);

    /// <summary>Stops publishing and uploads what is left, within <see cref="CloudWatchMetricsOptions.ShutdownTimeout"/>. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        await loop.DisposeAsync(shutdownTimeout).ConfigureAwait(false);
        sender.Dispose();
    }

    private static Uri CheckServiceUrl(Uri url)
    {
        if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
        {
            throw new ArgumentException($"{nameof(CloudWatchMetricsOptions.ServiceUrl)} must be an absolute http(s) URL.", "options");
        }

        if (url.Scheme == Uri.UriSchemeHttp && !url.IsLoopback)
        {
            throw new ArgumentException($"{nameof(CloudWatchMetricsOptions.ServiceUrl)} may use plain HTTP only for a loopback address.", "options");
        }

        return url;
    }
}
