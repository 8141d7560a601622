using Amazon.Runtime;
using Kinesis.Agent.Checkpoints;
using Kinesis.Agent.Configuration;
using Kinesis.Agent.Metrics;
using Kinesis.Agent.Tailing;
using Kinesis.Core.Metrics;
using Kinesis.Producer;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kinesis.Agent;

/// <summary>
/// Tails the files of every configured flow into Kinesis through one <see cref="KinesisProducer"/>, checkpointing each
/// file's offset once every record before it is acknowledged.
/// </summary>
/// <remarks>
/// <para>
/// Delivery is at least once: after a graceful <see cref="StopAsync"/> a restart resumes with no loss and no duplicate;
/// after a crash, records sent but not yet checkpointed are sent again. A record that fails for good (after the
/// producer's retries until its time-to-live) is logged (event 5007) and counted, and the checkpoint moves past it.
/// </para>
/// <para>Start once, stop once; <see cref="DisposeAsync"/> stops if needed and is idempotent.</para>
/// </remarks>
public sealed class KinesisAgent : IAsyncDisposable
{
    /// <summary>How often the checkpoint file is written when offsets moved.</summary>
    public static readonly TimeSpan DefaultCheckpointInterval = TimeSpan.FromSeconds(1);

    // Disposal of the producer has already resolved every record; this only bounds the wait for their tasks.
    private static readonly TimeSpan ResolveTimeout = TimeSpan.FromSeconds(10);

    private readonly AgentConfiguration configuration;
    private readonly ILogger logger;
    private readonly TimeProvider time;
    private readonly KinesisProducer producer;
    private readonly CheckpointFile checkpointFile;
    private readonly AgentMetrics metrics;
    private readonly string region;
    private readonly AWSCredentials? credentials;
    private readonly ILoggerFactory loggerFactory;
    private AgentCloudWatchPublisher? metricsPublisher;
    private readonly List<FlowTailer> tailers = [];
    private readonly CancellationTokenSource stopping = new();
    private readonly List<Task> loops = [];
    private readonly SemaphoreSlim checkpointGate = new(1, 1);
    private Task? stopped;
    private bool started;

    /// <summary>
    /// Creates the agent. <paramref name="producerOptions"/> default to options built from <paramref name="configuration"/>
    /// (<see cref="CreateProducerOptions"/>).
    /// </summary>
    /// <exception cref="AgentConfigurationException">The region cannot be determined, or a producer option is out of range.</exception>
    public KinesisAgent(AgentConfiguration configuration, KinesisProducerOptions? producerOptions = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        this.configuration = configuration;
        var factory = loggerFactory ?? NullLoggerFactory.Instance;
        logger = factory.CreateLogger<KinesisAgent>();
        time = TimeProvider.System;
        var options = producerOptions ?? CreateProducerOptions(configuration);
        this.loggerFactory = factory;
        // The CloudWatch upload's signing region when the producer was given only an endpoint.
        region = options.Region
            ?? RegionOf(options.ServiceUrl ?? configuration.KinesisEndpoint)
            ?? Environment.GetEnvironmentVariable("AWS_REGION")
            ?? Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION")
            ?? "us-east-1";
        credentials = options.Credentials;
        try
        {
            producer = new KinesisProducer(options, factory);
        }
        catch (ArgumentException ex)
        {
            throw new AgentConfigurationException("flows", ex.Message);
        }

        checkpointFile = new CheckpointFile(configuration.CheckpointFile, logger);
        var windowRecords = Math.Max(1, options.MaxOutstandingRecords / configuration.Flows.Count);
        var windowBytes = Math.Max(FlowTailer.MaxRecordBytes, options.MaxOutstandingBytes / configuration.Flows.Count);
        foreach (var flow in configuration.Flows)
        {
            tailers.Add(new FlowTailer(flow, producer, windowRecords, windowBytes, time, logger));
        }

        metrics = new AgentMetrics(tailers.Select(t => t.Statistics).ToArray(), options.MeterFactory);
    }

    /// <summary>How often the checkpoint file is written when offsets moved; default <see cref="DefaultCheckpointInterval"/>.</summary>
    public TimeSpan CheckpointInterval { get; init; } = DefaultCheckpointInterval;

    /// <summary>
    /// Settings of the upload of the agent's metrics to CloudWatch when <see cref="AgentConfiguration.CloudWatchEmitMetrics"/>
    /// is on: HTTP handler, interval (<see cref="MetricsAggregationOptions.UploadInterval"/>), retries, timeouts, and
    /// endpoint, region or credentials when they differ from the configuration's. Default null: the endpoint
    /// <see cref="AgentConfiguration.CloudWatchEndpoint"/> (else the region's), the producer's region and credentials, a
    /// 60 s interval. <see cref="CloudWatchMetricsOptions.Enabled"/>, <c>Level</c> and <c>Granularity</c> are not used.
    /// </summary>
    public CloudWatchMetricsOptions? CloudWatchMetrics { get; init; }

    /// <summary>Records that failed for good, over all flows (each also logged, event 5007).</summary>
    public long FailedRecords => tailers.Sum(t => t.Statistics.RecordsFailed);

    /// <summary>Records acknowledged by Kinesis, over all flows.</summary>
    public long SentRecords => tailers.Sum(t => t.Statistics.RecordsSent);

    /// <summary>Records filtered out by processing (LOGTOJSON lines that do not match the format), over all flows (event 5014).</summary>
    public long SkippedRecords => tailers.Sum(t => t.Statistics.RecordsSkipped);

    /// <summary>Records a processing option failed on and that were sent unconverted, over all flows (event 5013).</summary>
    public long ProcessingErrors => tailers.Sum(t => t.Statistics.ProcessingErrors);

    /// <summary>
    /// Producer options from the configuration: endpoint, region (<c>kinesis.region</c>, else the endpoint's host name,
    /// else <c>AWS_REGION</c>/<c>AWS_DEFAULT_REGION</c>, else us-east-1 for a loopback endpoint), static credentials when
    /// given, and the flows' buffer settings (maxBufferAgeMillis as the buffering time, maxBufferSizeRecords/Bytes per
    /// PutRecords call; the smallest over all flows, as one producer serves them all; otherwise the producer's defaults).
    /// </summary>
    /// <exception cref="AgentConfigurationException">No region can be determined.</exception>
    public static KinesisProducerOptions CreateProducerOptions(AgentConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var endpoint = configuration.KinesisEndpoint;
        var region = configuration.KinesisRegion
            ?? RegionOf(endpoint)
            ?? Environment.GetEnvironmentVariable("AWS_REGION")
            ?? Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION")
            ?? (endpoint is { IsLoopback: true } ? "us-east-1" : null)
            ?? throw new AgentConfigurationException("kinesis.region", "no region: set kinesis.region, a regional kinesis.endpoint, or AWS_REGION");
        var options = new KinesisProducerOptions
        {
            Region = region,
            ServiceUrl = endpoint,
            AllowInsecureHttp = endpoint?.Scheme == Uri.UriSchemeHttp,
            Credentials = configuration.AwsAccessKeyId is { } key && configuration.AwsSecretAccessKey is { } secret ? new BasicAWSCredentials(key, secret) : null,
        };
        // A setting given by any flow replaces the producer's default; given by several, the smallest wins.
        var ages = configuration.Flows.Where(f => f.MaxBufferAge is not null).Select(f => f.MaxBufferAge!.Value).ToList();
        if (ages.Count > 0)
        {
            // The producer buffers at most 10 minutes; the Java agent allows 15.
            options.RecordMaxBufferedTime = ages.Min() > TimeSpan.FromMinutes(10) ? TimeSpan.FromMinutes(10) : ages.Min();
        }

        var records = configuration.Flows.Where(f => f.MaxBufferSizeRecords is not null).Select(f => f.MaxBufferSizeRecords!.Value).ToList();
        if (records.Count > 0)
        {
            options.CollectionMaxCount = records.Min();
        }

        var bytes = configuration.Flows.Where(f => f.MaxBufferSizeBytes is not null).Select(f => f.MaxBufferSizeBytes!.Value).ToList();
        if (bytes.Count > 0)
        {
            // The KPL's smallest PutRecords size is the producer's floor too.
            options.CollectionMaxSize = Math.Max(bytes.Min(), KinesisProducerOptions.MinCollectionMaxSize);
        }

        return options;
    }

    /// <summary>Reads the checkpoints, says each configuration warning once, and starts one loop per flow.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (started)
        {
            throw new InvalidOperationException("The agent was already started.");
        }

        started = true;
        foreach (var warning in configuration.Warnings)
        {
            AgentLog.ConfigurationWarning(logger, warning);
        }

        var checkpoints = checkpointFile.Load();
        var expired = CheckpointFile.DropExpired(checkpoints, configuration.CheckpointTimeToLive, time.GetUtcNow());
        if (expired > 0)
        {
            AgentLog.CheckpointsExpired(logger, expired, configuration.CheckpointTimeToLive.TotalDays);
        }

        foreach (var tailer in tailers)
        {
            tailer.Restore(checkpoints.Where(c => c.Flow == tailer.Flow.Id));
            loops.Add(Task.Run(() => RunFlowAsync(tailer, stopping.Token), CancellationToken.None));
        }

        loops.Add(Task.Run(() => RunCheckpointsAsync(stopping.Token), CancellationToken.None));
        StartMetricsUpload();
        return Task.CompletedTask;
    }

    /// <summary>
    /// Stops reading, waits for the records in flight (up to the producer's shutdown timeout), and writes the final
    /// checkpoints. Idempotent: later calls wait for the first.
    /// </summary>
    public Task StopAsync(CancellationToken cancellationToken = default)
    {
        lock (loops)
        {
            stopped ??= StopCoreAsync();
        }

        return stopped.WaitAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        stopping.Dispose();
        checkpointGate.Dispose();
        metrics.Dispose();
    }

    private async Task StopCoreAsync()
    {
        await stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(loops).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The loops end by cancellation.
        }

        await producer.DisposeAsync().ConfigureAwait(false);
        foreach (var tailer in tailers)
        {
            // Disposal resolved every record; their tasks complete on the thread pool, so wait for them (bounded)
            // before the final checkpoint, or acknowledged records would be sent again by the next run.
            try
            {
                await tailer.ResolvedAsync().WaitAsync(ResolveTimeout).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // What is unresolved stays before the checkpoint and is sent again by the next run.
            }

            tailer.Acknowledge(final: true);
        }

        await WriteCheckpointsAsync().ConfigureAwait(false);
        if (metricsPublisher is not null)
        {
            await metricsPublisher.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var tailer in tailers)
        {
            tailer.Dispose();
        }
    }

    private void StartMetricsUpload()
    {
        if (!configuration.CloudWatchEmitMetrics)
        {
            return;
        }

        var options = CloudWatchMetrics ?? new CloudWatchMetricsOptions();
        var endpoint = options.ServiceUrl ?? configuration.CloudWatchEndpoint;
        if (endpoint is null && configuration.KinesisEndpoint is { IsLoopback: true })
        {
            // A local emulator setup: uploading its test traffic to the real CloudWatch is never what was meant.
            AgentLog.MetricsUploadSkippedLocal(logger);
            return;
        }

        var upload = new CloudWatchMetricsOptions
        {
            ServiceUrl = endpoint,
            Region = options.Region,
            Credentials = options.Credentials ?? credentials,
            HttpHandler = options.HttpHandler,
            Retry = options.Retry,
            RequestTimeout = options.RequestTimeout,
            ShutdownTimeout = options.ShutdownTimeout,
            UploadInterval = options.UploadInterval,
        };
        metricsPublisher = new AgentCloudWatchPublisher(
            tailers.Select(t => t.Statistics).ToArray(),
            upload,
            configuration.CloudWatchNamespace,
            region,
            loggerFactory.CreateLogger<AgentCloudWatchPublisher>(),
            time);
        AgentLog.MetricsUploadStarted(logger, metricsPublisher.Endpoint, configuration.CloudWatchNamespace, upload.UploadInterval);
    }

    private async Task RunFlowAsync(FlowTailer tailer, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await tailer.PollAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                AgentLog.PollFailed(logger, tailer.Flow.Id, ex);
            }

            try
            {
                await Task.Delay(tailer.Flow.MinTimeBetweenFilePolls, time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task RunCheckpointsAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(CheckpointInterval, time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            await WriteCheckpointsAsync().ConfigureAwait(false);
        }
    }

    private IReadOnlyList<FileCheckpoint>? lastWritten;

    private async Task WriteCheckpointsAsync()
    {
        await checkpointGate.WaitAsync().ConfigureAwait(false);
        try
        {
            var all = tailers.SelectMany(t => t.Checkpoints).ToArray();
            if (lastWritten is not null && all.SequenceEqual(lastWritten))
            {
                return;
            }

            checkpointFile.Save(all);
            lastWritten = all;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            AgentLog.CheckpointWriteFailed(logger, checkpointFile.Path, ex);
        }
        finally
        {
            checkpointGate.Release();
        }
    }

    private static string? RegionOf(Uri? endpoint)
    {
        // kinesis.us-west-2.amazonaws.com, kinesis.cn-north-1.amazonaws.com.cn, kinesis-fips.us-east-1.amazonaws.com
        var labels = endpoint?.Host.Split('.');
        return labels is { Length: >= 3 } && labels[0].StartsWith("kinesis", StringComparison.Ordinal) && labels[2] == "amazonaws" ? labels[1] : null;
    }
}
