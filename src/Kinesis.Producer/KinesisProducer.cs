using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text;
using Kinesis.Core.Api;
using Kinesis.Core.Hashing;
using Kinesis.Core.Metrics;
using Kinesis.Producer.Pipeline;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kinesis.Producer;

/// <summary>
/// A batching, aggregating Kinesis producer: the Java KPL for .NET, without a native daemon.
/// </summary>
/// <remarks>
/// <para>
/// Thread-safe; create one per process and share it. Records are aggregated per predicted shard in the KPL
/// format (readable by the Java KCL, AWS Lambda and every KPL-aware consumer), collected into PutRecords
/// calls, rate-limited per shard and retried with exponential backoff and full jitter until
/// <see cref="KinesisProducerOptions.RecordTtl"/>. One producer serves any number of streams.
/// </para>
/// <para>
/// Ordering: each shard has one PutRecords call in flight at a time, so records of one shard (and so of one
/// partition key) land in <see cref="PutAsync"/> order. With <see cref="ProducerOrdering.Relaxed"/> (the
/// default, as in the KPL) a retried record may land after records put later;
/// <see cref="ProducerOrdering.StrictPerShard"/> keeps the order across retries.
/// Delivery is at least once: a request that timed out may have succeeded, and its retry duplicates it.
/// </para>
/// <para>
/// Memory is bounded by <see cref="KinesisProducerOptions.MaxOutstandingRecords"/> and
/// <see cref="KinesisProducerOptions.MaxOutstandingBytes"/>: at the bound <see cref="PutAsync"/> waits or
/// throws (<see cref="KinesisProducerOptions.FullMode"/>). The producer holds references to the callers'
/// data until each record resolves; do not reuse a buffer before its task completes.
/// </para>
/// <para>
/// Record tasks complete on thread-pool work items that hold no locks, never on the caller's or the sender's thread.
/// Records acknowledged together (up to about 4,096 of them) complete in one work item and their continuations may run
/// there, one after another: await in them rather than block, as with any thread-pool callback.
/// </para>
/// </remarks>
public sealed class KinesisProducer : IKinesisProducer
{
    private const int MaxPooledRecords = 262_144;
    private const int MaxPooledAggregators = 4096;

    // How long DisposeAsync waits, at the end, for the failures it caused to be resolved on the thread pool.
    private static readonly TimeSpan FailuresResolveTimeout = TimeSpan.FromSeconds(5);

    private readonly KinesisProducerOptions options;
    private readonly TimeProvider time;
    private readonly KinesisApiClient client;
    private readonly bool ownsClient;
    private readonly OutstandingGate outstanding;
    private readonly FlushTracker flushes = new();
    private readonly RecordCompletion completion;
    private readonly ShardMapLoader maps;
    private readonly BatchSender sender;
    private readonly ConcurrentDictionary<string, StreamPipeline> streams = new(StringComparer.Ordinal);

    // The stream of the latest lookup; a stale value is harmless (names are compared, and streams are never removed).
    private StreamPipeline? lastStream;
    private readonly AggregatorPool aggregators;
    private readonly ProducerMetrics metrics;
    private readonly CloudWatchMetricsPublisher? metricsPublisher;
    private readonly List<IDisposable> pendingGauges = [];
    private volatile StreamPipeline[] streamList = [];
    private readonly object disposeGate = new();
    private Task? disposal;
    private volatile bool closed;

    /// <summary>Creates a producer with its own Kinesis API client built from a copy of <paramref name="options"/> (changing them afterwards has no effect).</summary>
    /// <exception cref="ArgumentException">A required option is missing (<see cref="KinesisProducerOptions.Validate"/>).</exception>
    public KinesisProducer(KinesisProducerOptions options, ILoggerFactory? loggerFactory = null)
        : this(options, client: null, TimeProvider.System, loggerFactory)
    {
    }

    internal KinesisProducer(KinesisProducerOptions options, KinesisApiClient? client, TimeProvider time, ILoggerFactory? loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();

        // From here on the producer's own copy: later changes to the caller's object have no effect.
        options = options.Clone();
        this.options = options;
        this.time = time;
        ownsClient = client is null;
        this.client = client ?? new KinesisApiClient(new KinesisApiClientOptions
        {
            Region = options.Region,
            ServiceUrl = options.ServiceUrl,
            AllowInsecureHttp = options.AllowInsecureHttp,
            Credentials = options.Credentials,
            HttpHandler = options.HttpMessageHandler,
            RequestTimeout = options.RequestTimeout,
            ConnectTimeout = options.ConnectTimeout,
            MaxConnections = options.MaxConnections,
            MaxRecordSize = options.MaxRecordSize,
            TimeProvider = time,
        });
        var logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<KinesisProducer>();
        metrics = new ProducerMetrics(options.MeterFactory);
        options.Metrics.Credentials ??= options.Credentials;
        metricsPublisher = CloudWatchMetricsPublisher.CreateIfEnabled(metrics, options.Metrics, CloudWatchMetricsOptions.DefaultProducerNamespace, options.Region, logger, time);
        outstanding = new OutstandingGate(options.MaxOutstandingRecords, options.MaxOutstandingBytes);
        // An aggregate travels with the one-byte partition key "a", and key plus data must fit in MaxRecordSize. Up to one
        // pooled encoded-aggregate buffer per aggregate the outstanding bytes can fill (at most 4,096), trimmed back when idle.
        var aggregateSize = Math.Min(options.AggregationMaxSize, options.MaxRecordSize - OutgoingRecord.AggregatePartitionKey.Length);
        aggregators = new AggregatorPool(
            aggregateSize,
            (int)Math.Min(options.AggregationMaxCount, int.MaxValue),
            (int)Math.Clamp(options.MaxOutstandingBytes / aggregateSize, AggregatorPool.MinPooled, MaxPooledAggregators));
        // Pooled record arrays never hold more slots (per size) than records may be outstanding at once.
        completion = new RecordCompletion(outstanding, time, metrics, new UserRecordArrayPool(Math.Min(options.MaxOutstandingRecords, MaxPooledRecords)), options.RecordTtl, logger);
        maps = new ShardMapLoader(this.client, options, time, logger);
        sender = new BatchSender(this.client, options, time, completion, maps, aggregators, () => streamList, metrics, logger);

        // Records that waited for room: routed once admitted; cancelled if their token fired first (never admitted, so
        // they hold no room; they were counted as received and pending).
        outstanding.SetHandlers(
            user => Route(user.Stream, user),
            (user, token) => completion.CancelOnThreadPool(user, new OperationCanceledException(token)),
            (user, exception) => completion.FailInternal(user, exception));
        maps.RoutingChanged += sender.WakeUp;
        sender.Start();
    }

    /// <summary>User records submitted and not yet resolved (buffered, in flight or waiting for a retry).</summary>
    public long OutstandingRecords => outstanding.Records;

    /// <summary>Bytes (partition key plus data) of the user records counted by <see cref="OutstandingRecords"/>.</summary>
    public long OutstandingBytes => outstanding.Bytes;

    /// <summary>Second completions of a user record's task, refused and logged (event 4105): a bug in the producer if ever non-zero.</summary>
    internal long DuplicateCompletions => completion.DuplicateCompletions;

    /// <summary>
    /// Submits a user record. Input is validated at once; the task completes when a shard has acknowledged
    /// the record, or faults with <see cref="UserRecordFailedException"/> (carrying every attempt) when it
    /// cannot be put within <see cref="KinesisProducerOptions.RecordTtl"/> or fails for good.
    /// </summary>
    /// <param name="stream">
    /// The stream: its name (1 to 128 characters of letters, digits, '_', '-' and '.'), or its ARN
    /// (<c>arn:aws:kinesis:{region}:{account}:stream/{name}</c>), which reaches a stream of another account through its
    /// resource policy. An ARN must be of the producer's <see cref="KinesisProducerOptions.Region"/>; requests then name the
    /// stream by <c>StreamARN</c> only. The name and the ARN of one stream are two streams to the producer (two sets of buffers
    /// and rate limits): name each stream one way. Metrics carry the stream's name either way.
    /// </param>
    /// <param name="partitionKey">1 to 256 characters; its MD5 picks the shard unless <paramref name="explicitHashKey"/> is given.</param>
    /// <param name="data">The payload; with the partition key's UTF-8 bytes at most <see cref="KinesisProducerOptions.MaxRecordSize"/> (1 MiB by default). Not copied: keep it unchanged until the task completes.</param>
    /// <param name="explicitHashKey">Optional decimal hash key in [0, 2^128 - 1] that overrides the partition key's hash.</param>
    /// <param name="cancellationToken">Cancels only the wait for room (backpressure), which faults the task with <see cref="OperationCanceledException"/>; an admitted record cannot be withdrawn.</param>
    /// <exception cref="ArgumentException">Bad input, naming the argument and the limit.</exception>
    /// <remarks>A stream that does not exist faults the task with <see cref="UserRecordFailedException"/> whose error code is <c>ResourceNotFoundException</c>.</remarks>
    /// <exception cref="ProducerFullException">The outstanding bounds are reached and <see cref="KinesisProducerOptions.FullMode"/> is <see cref="ProducerFullMode.Throw"/>.</exception>
    /// <exception cref="ObjectDisposedException">The producer is disposed or being disposed.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public Task<UserRecordResult> PutAsync(
        string stream,
        string partitionKey,
        ReadOnlyMemory<byte> data,
        string? explicitHashKey = null,
        CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(closed, this);

        // A stream already known has a valid name: only a new one is checked (in GetStream), before anything else.
        var pipeline = GetStream(stream);
        var accountedBytes = RecordValidation.ValidateRecord(partitionKey, data, explicitHashKey, options.MaxRecordSize, out var hashKey);

        if (outstanding.TryEnter(accountedBytes))
        {
            var user = NewRecord(pipeline, partitionKey, data, explicitHashKey, accountedBytes);
            Route(pipeline, user, hashKey);
            return user.Task;
        }

        if (options.FullMode == ProducerFullMode.Throw)
        {
            throw new ProducerFullException(
                $"The producer holds {outstanding.Records} records / {outstanding.Bytes} bytes, at its bound of {options.MaxOutstandingRecords} records / {options.MaxOutstandingBytes} bytes (MaxOutstandingRecords / MaxOutstandingBytes).");
        }

        cancellationToken.ThrowIfCancellationRequested();
        return PutWhenAdmitted(pipeline, partitionKey, data, explicitHashKey, accountedBytes, cancellationToken);
    }

    /// <summary>
    /// Sends everything buffered now, without waiting for aggregation deadlines, and completes when every
    /// record submitted before the call is resolved (put or failed). Records submitted meanwhile are not waited for.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting; the records are still sent.</param>
    public Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var done = flushes.CloseCurrentAsync();
        sender.RequestFlush(done);
        return done.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Stops accepting records, flushes for up to <see cref="KinesisProducerOptions.ShutdownTimeout"/>, then
    /// fails what is left with error code <see cref="ProducerErrorCodes.Shutdown"/>. Idempotent; later calls
    /// wait for the first.
    /// </summary>
    public ValueTask DisposeAsync()
    {
        lock (disposeGate)
        {
            disposal ??= DisposeCoreAsync();
            return new ValueTask(disposal);
        }
    }

    private async Task DisposeCoreAsync()
    {
        closed = true;
        try
        {
            await FlushAsync().WaitAsync(options.ShutdownTimeout, time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // What is left fails below with a clear reason.
        }

        await sender.StopAsync().ConfigureAwait(false);
        var now = time.GetTimestamp();
        foreach (var stream in streamList)
        {
            foreach (var user in stream.Stop())
            {
                completion.Fail(user, ProducerErrorCodes.Shutdown, "The producer was disposed before the record was sent.", now);
            }
        }

        // Failed records are resolved on thread-pool work items: wait until every record put so far is, so that
        // OutstandingRecords reads 0 once DisposeAsync returns (bounded: a call that outlived the stop resolves on its own).
        try
        {
            await flushes.CloseCurrentAsync().WaitAsync(FailuresResolveTimeout, time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Only records of a call that outlived the stop are left; they resolve when it ends.
        }

        if (metricsPublisher is not null)
        {
            // Uploads what the last interval gathered, bounded by the publisher's own shutdown timeout.
            await metricsPublisher.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var gauge in pendingGauges)
        {
            gauge.Dispose();
        }

        metrics.Dispose();
        if (ownsClient)
        {
            client.Dispose();
        }
    }

    /// <summary>Queues the record behind earlier waiters and routes it when admitted, so waiting never reorders records.</summary>
    private Task<UserRecordResult> PutWhenAdmitted(
        StreamPipeline stream, string partitionKey, ReadOnlyMemory<byte> data, string? explicitHashKey, int accountedBytes, CancellationToken cancellationToken)
    {
        var waiting = NewRecord(stream, partitionKey, data, explicitHashKey, accountedBytes);
        var task = waiting.Task;
        outstanding.Enqueue(waiting, cancellationToken);
        return task;
    }

    private UserRecord NewRecord(StreamPipeline stream, string partitionKey, ReadOnlyMemory<byte> data, string? explicitHashKey, int accountedBytes)
    {
        stream.RecordSubmitted();
        var now = time.GetTimestamp();
        return new UserRecord(stream, partitionKey, explicitHashKey, data, accountedBytes, now + stream.TtlTicks, flushes.Join());
    }

    private void Route(StreamPipeline stream, in UserRecord user) => Route(stream, user, user.ExplicitHashKey is { } key ? HashKeys.ParseExplicitHashKey(key) : default);

    /// <summary>Routes a record whose explicit hash key, if it has one, is <paramref name="explicitHashKey"/> (parsed when it was validated).</summary>
    private void Route(StreamPipeline stream, in UserRecord user, UInt128 explicitHashKey)
    {
        sender.WakeUpBy(stream.Route(user, explicitHashKey));

        if (stream.Map is null)
        {
            maps.EnsureLoading(stream);
        }
    }

    private StreamPipeline GetStream(string stream)
    {
        // Most producers put to one stream, named by the same string every time: no hashing of the name per record.
        var last = lastStream;
        if (last is not null && ReferenceEquals(last.Stream, stream))
        {
            return last;
        }

        ArgumentNullException.ThrowIfNull(stream);
        if (streams.TryGetValue(stream, out var pipeline))
        {
            lastStream = pipeline;
            return pipeline;
        }

        var arn = RecordValidation.ValidateStream(stream, client.Region);

        lock (streams)
        {
            if (!streams.TryGetValue(stream, out pipeline))
            {
                pipeline = new StreamPipeline(stream, options, time, completion, aggregators, arn);
                var observed = pipeline;
                pendingGauges.Add(metrics.ObserveStream(pipeline.StreamName, () => observed.Received, () => observed.Pending));
                streams[stream] = pipeline;
                streamList = [.. streams.Values];
            }
        }

        return pipeline;
    }
}
