using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Kinesis.Client.Coordination;
using Kinesis.Client.Diagnostics;
using Kinesis.Client.Leases;
using Kinesis.Core.Aggregation;
using Kinesis.Core.Api;
using Kinesis.Core.Http;
using Kinesis.Core.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kinesis.Client;

/// <summary>
/// A lease-coordinated consumer of one Kinesis stream, or of several (<see cref="KinesisConsumerOptions.MultiStream"/>) (the KCL for .NET): workers sharing an
/// <see cref="KinesisConsumerOptions.ApplicationName"/> split the shards between them through a KCL 2.x-compatible
/// DynamoDB lease table, read them with GetRecords or enhanced fan-out (<see cref="KinesisConsumerOptions.Retrieval"/>), deaggregate KPL records, and hand them to one
/// <see cref="IShardRecordProcessor"/> per shard.
/// </summary>
/// <remarks>
/// <para>Delivery is at least once, in order within a shard; a child shard is processed only after its parents reached
/// SHARD_END, so per-partition-key order holds across resharding. After a failover, records after the last checkpoint
/// are delivered again.</para>
/// <para>Long-lived; call <see cref="StartAsync"/> once, and <see cref="StopAsync"/> for a graceful hand-over before
/// <see cref="DisposeAsync"/>. Safe for concurrent use.</para>
/// </remarks>
public sealed class KinesisConsumer : IAsyncDisposable
{
    private readonly KinesisConsumerOptions options;
    private readonly Func<StreamIdentifier?, string, IShardRecordProcessor> processorFactory;
    private readonly ILoggerFactory loggerFactory;
    private readonly ILogger logger;
    private readonly SemaphoreSlim lifecycle = new(1, 1);
    private KinesisApiClient? api;
    private IAmazonDynamoDB? ownedDynamoDb;
    private LeaseCoordinator? coordinator;
    private ConsumerScheduler? scheduler;
    private readonly ConsumerMetrics metrics;
    private CloudWatchMetricsPublisher? publisher;
    private bool started;
    private bool stopped;

    /// <summary>Creates a consumer; nothing runs until <see cref="StartAsync"/>.</summary>
    /// <param name="options">The settings; validated and copied here (changing them afterwards has no effect).</param>
    /// <param name="processorFactory">Creates the processor for a shard id; called on a thread-pool thread each time a shard starts processing on this worker. If it throws, the shard consumer is restarted at the next dispatch pass (logged, event id 3028).</param>
    /// <param name="loggerFactory">Receives the consumer's logs; none when <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">An option is missing or out of range.</exception>
    public KinesisConsumer(KinesisConsumerOptions options, Func<string, IShardRecordProcessor> processorFactory, ILoggerFactory? loggerFactory = null)
        : this(options, processorFactory is null ? null! : (_, shardId) => processorFactory(shardId), loggerFactory)
    {
    }

    /// <summary>
    /// Creates a consumer whose processors are made knowing their stream, for a multi-stream consumer
    /// (<see cref="KinesisConsumerOptions.MultiStream"/>; the Java KCL's <c>shardRecordProcessor(StreamIdentifier)</c>); nothing
    /// runs until <see cref="StartAsync"/>.
    /// </summary>
    /// <param name="options">The settings; validated and copied here (changing them afterwards has no effect).</param>
    /// <param name="processorFactory">
    /// Creates the processor for a stream (<see langword="null"/> for a single-stream consumer) and shard id; called on a
    /// thread-pool thread each time a shard starts processing on this worker. If it throws, the shard consumer is restarted at
    /// the next dispatch pass (logged, event id 3028).
    /// </param>
    /// <param name="loggerFactory">Receives the consumer's logs; none when <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">An option is missing or out of range.</exception>
    public KinesisConsumer(KinesisConsumerOptions options, Func<StreamIdentifier?, string, IShardRecordProcessor> processorFactory, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(processorFactory);
        options.Validate();

        // From here on the consumer's own copy: later changes to the caller's object have no effect.
        options = options.Clone();
        this.options = options;
        this.processorFactory = processorFactory;
        this.loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        logger = this.loggerFactory.CreateLogger<KinesisConsumer>();
        metrics = new ConsumerMetrics(options.ValidatedApplicationName, options.WorkerId, options.MeterFactory);
    }

    /// <summary>
    /// Raised when a shard stops under <see cref="ProcessorErrorMode.StopShard"/>, on the thread-pool thread that ran the
    /// failing batch. Exceptions from handlers are logged (event id 3034) and ignored.
    /// </summary>
    public event EventHandler<ShardStoppedEventArgs>? ShardStopped;

    /// <summary>This worker's id in the lease table.</summary>
    public string WorkerId => options.WorkerId;

    /// <summary>The leases this worker holds right now: shard ids, or <c>ACCOUNT:STREAM:EPOCH:SHARDID</c> lease keys for a multi-stream consumer (<see cref="KinesisConsumerOptions.MultiStream"/>).</summary>
    public IReadOnlyList<string> HeldShardIds
    {
        get
        {
            var held = coordinator?.GetHeldLeases() ?? [];
            var ids = new string[held.Count];
            for (var i = 0; i < ids.Length; i++)
            {
                ids[i] = held[i].LeaseKey;
            }

            return ids;
        }
    }

    /// <summary>
    /// The consumer's instruments (meter <see cref="KinesisMeterNames.Client"/>, names in <see cref="ConsumerMetricNames"/>),
    /// tagged with the application and worker; they are recorded whether or not CloudWatch publishing is enabled.
    /// Pass it to <see cref="EmfMetricsWriter"/> to write them as CloudWatch Embedded Metric Format lines.
    /// </summary>
    public KinesisMetrics Metrics => metrics;

    internal ConsumerCounters Counters { get; } = new();

    internal DeaggregationCounters? DeaggregationCounters => scheduler?.DeaggregationCounters;

    /// <summary>Creates a consumer that runs <paramref name="handler"/> for every batch and checkpoints after it (see <see cref="DelegateShardRecordProcessor"/>).</summary>
    /// <param name="options">The settings.</param>
    /// <param name="handler">Processes one batch; called as described for <see cref="IShardRecordProcessor.ProcessRecordsAsync"/>.</param>
    /// <param name="loggerFactory">Receives the consumer's logs.</param>
    /// <returns>A consumer that is not started yet.</returns>
    public static KinesisConsumer Create(KinesisConsumerOptions options, Func<ProcessRecordsInput, CancellationToken, Task> handler, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return new KinesisConsumer(options, _ => new DelegateShardRecordProcessor(handler), loggerFactory);
    }

    /// <summary>
    /// Checks that the stream exists and that the lease table's DynamoDB answers, creates the lease table if needed (waiting
    /// until it is ACTIVE), runs a first shard sync (so the leases exist when this returns), and starts taking leases and
    /// processing shards in the background. Returns once the background work runs.
    /// </summary>
    /// <remarks>
    /// A missing stream, an unreachable endpoint or an error a retry does not fix fails at once, before anything is created;
    /// transient errors (throttling, 5xx, timeouts) are retried until <see cref="KinesisConsumerOptions.StartTimeout"/>.
    /// After a failure nothing runs and the start may be tried again.
    /// </remarks>
    /// <param name="cancellationToken">Cancels the start-up (not the consumer once started).</param>
    /// <exception cref="KinesisConsumerStartException">The consumer could not start; the one-line message names the missing stream or the unreachable or failing endpoint, <see cref="KinesisConsumerStartException.Reason"/> says which.</exception>
    /// <exception cref="InvalidOperationException">Already started.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(stopped, this);
            if (started)
            {
                throw new InvalidOperationException("The consumer has already been started.");
            }

            try
            {
                api = new KinesisApiClient(options.Kinesis);
                var dynamoDbEndpoint = DynamoDbEndpoint();
                var startup = new ConsumerStartup(options, api.Endpoint, dynamoDbEndpoint, logger);

                // Before anything is created: a missing stream must not leave a lease table behind (the streams of a
                // multi-stream consumer are checked by the scheduler, also before it creates the table).
                if (!options.MultiStream.IsEnabled)
                {
                    await startup.CheckStreamAsync(api, cancellationToken).ConfigureAwait(false);
                }

                await CheckLeaseTableAsync(startup, cancellationToken).ConfigureAwait(false);
                if (options.DynamoDbClient is null && options.DynamoDbServiceUrl is null && options.Kinesis.ServiceUrl is { } kinesisUrl && dynamoDbEndpoint is not null)
                {
                    ConsumerLog.LeaseTableOnRegionalDynamoDb(logger, options.ValidatedApplicationName, dynamoDbEndpoint, kinesisUrl);
                }

                publisher = CloudWatchMetricsPublisher.CreateIfEnabled(metrics, options.Metrics, options.ValidatedApplicationName, options.Kinesis.Region, loggerFactory.CreateLogger<CloudWatchMetricsPublisher>(), options.TimeProvider);
                var dynamoDb = options.DynamoDbClient ?? (ownedDynamoDb = CreateDynamoDbClient(maxErrorRetry: null));
                var refresher = new DynamoDbLeaseRefresher(dynamoDb, options.ValidatedApplicationName, options.Leases, options.TimeProvider, loggerFactory.CreateLogger<DynamoDbLeaseRefresher>());
                coordinator = new LeaseCoordinator(refresher, options.WorkerId, options.Leases, options.TimeProvider, loggerFactory, metrics: metrics, multiStream: options.MultiStream.IsEnabled);
                scheduler = new ConsumerScheduler(coordinator, api, options, processorFactory, Counters, metrics, loggerFactory, RaiseShardStopped);
                await scheduler.StartAsync(startup, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                // Nothing runs yet (the scheduler starts its loops last), so a failed start can simply be retried.
                scheduler = null;
                coordinator = null;
                await DisposeClientsAsync(final: false).ConfigureAwait(false);
                api = null;
                ownedDynamoDb = null;
                throw;
            }

            started = true;
            ConsumerLog.Started(logger, options.WorkerId, options.MultiStream.IsEnabled ? "(multi-stream)" : options.ValidatedStream.ToString(), options.ValidatedApplicationName);
        }
        finally
        {
            lifecycle.Release();
        }
    }

    /// <summary>
    /// Graceful stop: stops taking leases, asks every shard's processor to finish its batch and checkpoint
    /// (<see cref="IShardRecordProcessor.ShutdownRequestedAsync"/>, bounded by <see cref="KinesisConsumerOptions.ShutdownTimeout"/>),
    /// then releases the leases so other workers take them at their next taker run instead of after the failover time.
    /// Idempotent.
    /// </summary>
    /// <param name="cancellationToken">Abandons the remaining graceful work; leases not yet released then expire normally.</param>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await lifecycle.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            if (stopped)
            {
                return;
            }

            stopped = true;
            if (scheduler is not null)
            {
                try
                {
                    await scheduler.StopGracefullyAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    await scheduler.StopAbruptlyAsync().ConfigureAwait(false);
                }
            }

            ConsumerLog.Stopped(logger, options.WorkerId, "graceful");
            await DisposeClientsAsync(final: true).ConfigureAwait(false);
        }
        finally
        {
            lifecycle.Release();
        }
    }

    /// <summary>
    /// Stops without the graceful hand-over if <see cref="StopAsync"/> was not called: processors get
    /// <see cref="IShardRecordProcessor.LeaseLostAsync"/>, leases are left to expire after the failover time. Idempotent and
    /// bounded by <see cref="KinesisConsumerOptions.ShutdownTimeout"/>.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        await lifecycle.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            if (stopped)
            {
                return;
            }

            stopped = true;
            if (scheduler is not null)
            {
                await scheduler.StopAbruptlyAsync().ConfigureAwait(false);
                ConsumerLog.Stopped(logger, options.WorkerId, "abrupt");
            }

            await DisposeClientsAsync(final: true).ConfigureAwait(false);
        }
        finally
        {
            lifecycle.Release();
        }
    }

    private async Task DisposeClientsAsync(bool final)
    {
        // After the shard consumers stopped, so the publisher's final upload holds their last measurements.
        if (publisher is not null)
        {
            await publisher.DisposeAsync().ConfigureAwait(false);
            publisher = null;
        }

        api?.Dispose();
        ownedDynamoDb?.Dispose();
        if (final)
        {
            metrics.Dispose();
        }
    }

    private void RaiseShardStopped(StreamIdentifier? stream, string leaseKey, string shardId, Exception exception)
    {
        try
        {
            ShardStopped?.Invoke(this, new ShardStoppedEventArgs(stream, leaseKey, shardId, exception));
        }
        catch (Exception ex)
        {
            ConsumerLog.ShardStoppedHandlerFailed(logger, shardId, leaseKey, ex);
        }
    }

    /// <summary>
    /// Checks the lease table's DynamoDB through the given client, or through a client of our own without the SDK's retries
    /// (DynamoDB's default is 10, which kept an unreachable endpoint silent for minutes); start-up retries by its own rules.
    /// </summary>
    private async Task CheckLeaseTableAsync(ConsumerStartup startup, CancellationToken cancellationToken)
    {
        if (options.DynamoDbClient is { } given)
        {
            await startup.CheckLeaseTableAsync(given, cancellationToken).ConfigureAwait(false);
            return;
        }

        using var probe = CreateDynamoDbClient(maxErrorRetry: 0);
        await startup.CheckLeaseTableAsync(probe, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The lease table's DynamoDB endpoint, for messages; <see langword="null"/> when a given client does not say.</summary>
    private Uri? DynamoDbEndpoint()
    {
        if (options.DynamoDbClient is { } given)
        {
            // A client may be a test double without a configuration; the endpoint only improves messages.
            var config = given.Config;
            return Uri.TryCreate(config?.ServiceURL, UriKind.Absolute, out var serviceUrl) ? serviceUrl
                : config?.RegionEndpoint is { } region ? AwsServiceEndpoint.Resolve("dynamodb", region.SystemName)
                : null;
        }

        return options.DynamoDbServiceUrl ?? AwsServiceEndpoint.Resolve("dynamodb", options.ValidatedRegion);
    }

    private AmazonDynamoDBClient CreateDynamoDbClient(int? maxErrorRetry)
    {
        var config = new AmazonDynamoDBConfig { ConnectTimeout = options.DynamoDbConnectTimeout };
        if (maxErrorRetry is { } retries)
        {
            config.MaxErrorRetry = retries;
        }

        if (options.DynamoDbServiceUrl is { } url)
        {
            config.ServiceURL = url.ToString();
            config.AuthenticationRegion = options.Kinesis.Region;
        }
        else if (options.Kinesis.Region is { } region)
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(region);
        }

        return options.Kinesis.Credentials is AWSCredentials credentials ? new AmazonDynamoDBClient(credentials, config) : new AmazonDynamoDBClient(config);
    }
}
