using System.Diagnostics.Metrics;
using Amazon.DynamoDBv2;
using Kinesis.Core.Aggregation;
using Kinesis.Core.Api;
using Kinesis.Core.Metrics;

namespace Kinesis.Client;

/// <summary>
/// Settings of a <see cref="KinesisConsumer"/>. Setters reject out-of-range values with an <see cref="ArgumentOutOfRangeException"/>
/// naming the option and its range; <see cref="Validate"/> checks required values and cross-option rules. The consumer copies
/// the options (and the nested ones) when it is created: changing them afterwards has no effect on it.
/// </summary>
public sealed class KinesisConsumerOptions
{
    /// <summary>Default of <see cref="InitialPosition"/>: <see cref="InitialPositionInStream.Latest"/>, the Java KCL's effective default.</summary>
    public const InitialPositionInStream DefaultInitialPosition = InitialPositionInStream.Latest;

    /// <summary>Default and maximum of <see cref="MaxRecords"/> (the GetRecords limit).</summary>
    public const int DefaultMaxRecords = GetRecordsRequest.MaxLimit;

    /// <summary>Default of <see cref="MaxPrefetchRecords"/> (the KCL's maxRecordsCount).</summary>
    public const int DefaultMaxPrefetchRecords = 30_000;

    /// <summary>Default of <see cref="MaxPrefetchBytes"/>: 8 MiB (the KCL's maxByteSize).</summary>
    public const long DefaultMaxPrefetchBytes = 8L * 1024 * 1024;

    /// <summary>Default of <see cref="Retrieval"/>: <see cref="RetrievalMode.Polling"/> (the Java KCL defaults to fan-out, which needs a registered consumer and costs extra).</summary>
    public const RetrievalMode DefaultRetrieval = RetrievalMode.Polling;

    /// <summary>Default of <see cref="ErrorMode"/>.</summary>
    public const ProcessorErrorMode DefaultErrorMode = ProcessorErrorMode.RetryBatch;

    /// <summary>Default of <see cref="ParallelizationFactor"/>: 1, one <see cref="IShardRecordProcessor.ProcessRecordsAsync"/> call at a time per shard (the KCL's model).</summary>
    public const int DefaultParallelizationFactor = 1;

    /// <summary>Largest <see cref="ParallelizationFactor"/> (AWS Lambda's limit).</summary>
    public const int MaxParallelizationFactor = 10;

    /// <summary>Default of <see cref="HashKeyRangeFilter"/>: deliver and count (never a silent loss).</summary>
    public const HashKeyRangeFilterMode DefaultHashKeyRangeFilter = HashKeyRangeFilterMode.Deliver;

    /// <summary>
    /// Default of <see cref="IdleTimeBetweenReads"/>: 1 s. The Java KCL uses 1.5 s; 1 s keeps two consumers of one stream
    /// well inside the 5 GetRecords calls per second per shard limit while lowering latency.
    /// </summary>
    public static readonly TimeSpan DefaultIdleTimeBetweenReads = TimeSpan.FromSeconds(1);

    /// <summary>Default of <see cref="ShardSyncInterval"/> (the KCL's shardSyncIntervalMillis).</summary>
    public static readonly TimeSpan DefaultShardSyncInterval = TimeSpan.FromSeconds(60);

    /// <summary>Default of <see cref="ParentShardPollInterval"/> (the KCL's parentShardPollIntervalMillis).</summary>
    public static readonly TimeSpan DefaultParentShardPollInterval = TimeSpan.FromSeconds(10);

    /// <summary>Default of <see cref="ProcessorRetryBaseDelay"/>.</summary>
    public static readonly TimeSpan DefaultProcessorRetryBaseDelay = TimeSpan.FromMilliseconds(500);

    /// <summary>Default of <see cref="ProcessorRetryMaxDelay"/>.</summary>
    public static readonly TimeSpan DefaultProcessorRetryMaxDelay = TimeSpan.FromSeconds(30);

    /// <summary>Default of <see cref="ShutdownTimeout"/>.</summary>
    public static readonly TimeSpan DefaultShutdownTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Default of <see cref="StartTimeout"/>: 30 s.</summary>
    public static readonly TimeSpan DefaultStartTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Default of <see cref="DynamoDbConnectTimeout"/>: <see cref="KinesisApiClientOptions.DefaultConnectTimeout"/>, as for Kinesis.</summary>
    public static readonly TimeSpan DefaultDynamoDbConnectTimeout = KinesisApiClientOptions.DefaultConnectTimeout;

    /// <summary>Default of <see cref="GetRecordsRetryBaseDelay"/>.</summary>
    public static readonly TimeSpan DefaultGetRecordsRetryBaseDelay = TimeSpan.FromMilliseconds(200);

    /// <summary>Default of <see cref="GetRecordsRetryMaxDelay"/>.</summary>
    public static readonly TimeSpan DefaultGetRecordsRetryMaxDelay = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan MaxInterval = TimeSpan.FromHours(1);

    private InitialPositionInStream initialPosition = DefaultInitialPosition;
    private int maxRecords = DefaultMaxRecords;
    private int maxPrefetchRecords = DefaultMaxPrefetchRecords;
    private long maxPrefetchBytes = DefaultMaxPrefetchBytes;
    private ProcessorErrorMode errorMode = DefaultErrorMode;
    private int parallelizationFactor = DefaultParallelizationFactor;
    private RetrievalMode retrieval = DefaultRetrieval;
    private HashKeyRangeFilterMode hashKeyRangeFilter = DefaultHashKeyRangeFilter;
    private TimeSpan idleTimeBetweenReads = DefaultIdleTimeBetweenReads;
    private TimeSpan shardSyncInterval = DefaultShardSyncInterval;
    private TimeSpan parentShardPollInterval = DefaultParentShardPollInterval;
    private TimeSpan processorRetryBaseDelay = DefaultProcessorRetryBaseDelay;
    private TimeSpan processorRetryMaxDelay = DefaultProcessorRetryMaxDelay;
    private TimeSpan shutdownTimeout = DefaultShutdownTimeout;
    private TimeSpan startTimeout = DefaultStartTimeout;
    private TimeSpan dynamoDbConnectTimeout = DefaultDynamoDbConnectTimeout;
    private TimeSpan getRecordsRetryBaseDelay = DefaultGetRecordsRetryBaseDelay;
    private TimeSpan getRecordsRetryMaxDelay = DefaultGetRecordsRetryMaxDelay;

    /// <summary>The application name; also the lease table's name, as in the KCL. Required.</summary>
    public string? ApplicationName { get; set; }

    /// <summary>The name of the stream to consume. Exactly one of <see cref="StreamName"/> and <see cref="StreamArn"/> is required.</summary>
    public string? StreamName { get; set; }

    /// <summary>
    /// The ARN of the stream to consume (<c>arn:aws:kinesis:REGION:ACCOUNT:stream/NAME</c>), instead of <see cref="StreamName"/>:
    /// every Kinesis call then names the stream by ARN, which is how a stream of another account is read through its resource
    /// policy. Its region must be <see cref="KinesisApiClientOptions.Region"/>. Exactly one of <see cref="StreamName"/> and
    /// <see cref="StreamArn"/> is required.
    /// </summary>
    public string? StreamArn { get; set; }

    /// <summary>
    /// Reads several streams with this one worker instead of <see cref="StreamName"/> or <see cref="StreamArn"/> (the Java KCL's
    /// <c>MultiStreamTracker</c>): a fixed list or a provider evaluated periodically. Off unless streams or a provider are set.
    /// </summary>
    public MultiStreamOptions MultiStream { get; set; } = new();

    /// <summary>This worker's identity in the lease table; default: the host name plus a unique suffix. Must be unique per running worker.</summary>
    public string WorkerId { get; set; } = $"{Environment.MachineName}-{Guid.NewGuid():N}";

    /// <summary>Where shards without a lease start; default <see cref="DefaultInitialPosition"/>. Applies only when leases are created.</summary>
    public InitialPositionInStream InitialPosition
    {
        get => initialPosition;
        set => initialPosition = OptionRange.CheckDefined(value, nameof(InitialPosition));
    }

    /// <summary>The timestamp for <see cref="InitialPositionInStream.AtTimestamp"/>; required with it, ignored otherwise.</summary>
    public DateTimeOffset? InitialPositionTimestamp { get; set; }

    /// <summary>Records per GetRecords call, 1 to <see cref="DefaultMaxRecords"/>; default <see cref="DefaultMaxRecords"/>.</summary>
    public int MaxRecords
    {
        get => maxRecords;
        set => maxRecords = OptionRange.Check(value, 1, GetRecordsRequest.MaxLimit, nameof(MaxRecords));
    }

    /// <summary>
    /// The pause between GetRecords calls of one shard, measured from the start of the previous call (the KCL's
    /// idleTimeBetweenReadsInMillis); 10 ms to 1 h, default <see cref="DefaultIdleTimeBetweenReads"/>. Values under 200 ms
    /// exceed Kinesis's 5 reads per second per shard and cause throttling (which is backed off). After a call that returned
    /// no records, the next one waits for the worker's common tick (one interval apart), so that idle shards poll
    /// together: at most one extra interval, once, when a shard turns idle. Idle CPU is proportional to shards / interval.
    /// </summary>
    public TimeSpan IdleTimeBetweenReads
    {
        get => idleTimeBetweenReads;
        set => idleTimeBetweenReads = OptionRange.Check(value, MinInterval, MaxInterval, nameof(IdleTimeBetweenReads));
    }

    /// <summary>
    /// Records fetched ahead of the processor per shard, 1 to 1,000,000; default <see cref="DefaultMaxPrefetchRecords"/>.
    /// The reader waits while this many are queued; one batch is always allowed, so a single batch may exceed it.
    /// </summary>
    public int MaxPrefetchRecords
    {
        get => maxPrefetchRecords;
        set => maxPrefetchRecords = OptionRange.Check(value, 1, 1_000_000, nameof(MaxPrefetchRecords));
    }

    /// <summary>Payload bytes fetched ahead of the processor per shard, 1 KiB to 1 GiB; default <see cref="DefaultMaxPrefetchBytes"/>. Same rule as <see cref="MaxPrefetchRecords"/>.</summary>
    public long MaxPrefetchBytes
    {
        get => maxPrefetchBytes;
        set => maxPrefetchBytes = OptionRange.Check(value, 1024L, 1024L * 1024 * 1024, nameof(MaxPrefetchBytes));
    }

    /// <summary>How shards are read; default <see cref="DefaultRetrieval"/>. Fan-out settings are in <see cref="FanOut"/>.</summary>
    public RetrievalMode Retrieval
    {
        get => retrieval;
        set => retrieval = OptionRange.CheckDefined(value, nameof(Retrieval));
    }

    /// <summary>Enhanced fan-out settings, used when <see cref="Retrieval"/> is <see cref="RetrievalMode.FanOut"/>.</summary>
    public FanOutOptions FanOut { get; set; } = new();

    /// <summary>What happens when the processor throws; default <see cref="DefaultErrorMode"/>.</summary>
    public ProcessorErrorMode ErrorMode
    {
        get => errorMode;
        set => errorMode = OptionRange.CheckDefined(value, nameof(ErrorMode));
    }

    /// <summary>
    /// How many <see cref="IShardRecordProcessor.ProcessRecordsAsync"/> calls may run at once for one shard (AWS Lambda's
    /// ParallelizationFactor), 1 to <see cref="MaxParallelizationFactor"/>; default <see cref="DefaultParallelizationFactor"/>.
    /// Above 1, each batch's user records (after deaggregation) are split into this many lanes by a hash of the partition key
    /// (the MD5 hash key Kinesis routes with, modulo the factor), so the records of one key always share a lane; the lanes are
    /// delivered concurrently to the shard's one processor instance, one call per lane at a time, so records of one key stay in
    /// order and records of different keys may interleave. The processor must then be safe for concurrent
    /// <see cref="IShardRecordProcessor.ProcessRecordsAsync"/> calls; its other callbacks never overlap them. The next batch
    /// starts when every lane finished this one, and the checkpointer's bound is the low-water mark: the last position below
    /// which every record is done, so a checkpoint never passes a record still in flight on another lane. See
    /// docs/configuration.md, "Per-key parallelism".
    /// </summary>
    public int ParallelizationFactor
    {
        get => parallelizationFactor;
        set => parallelizationFactor = OptionRange.Check(value, 1, MaxParallelizationFactor, nameof(ParallelizationFactor));
    }

    /// <summary>
    /// Limits and destinations for records the processor keeps failing on (retry limit, record age limit, bisecting a failing
    /// batch, dead-letter sink), with <see cref="ProcessorErrorMode.RetryBatch"/>; by default nothing is limited. Partial-batch
    /// reports (<see cref="ProcessRecordsInput.ReportFailure(KinesisClientRecord, Exception?)"/>) work in every mode.
    /// </summary>
    public PoisonRecordOptions PoisonRecords { get; set; } = new();

    /// <summary>
    /// What happens to user records of an aggregated record whose hash key lies outside the shard's range (duplicates left
    /// behind by resharding); default <see cref="DefaultHashKeyRangeFilter"/>. Either way they are counted and logged.
    /// </summary>
    public HashKeyRangeFilterMode HashKeyRangeFilter
    {
        get => hashKeyRangeFilter;
        set => hashKeyRangeFilter = OptionRange.CheckDefined(value, nameof(HashKeyRangeFilter));
    }

    /// <summary>First retry delay of <see cref="ProcessorErrorMode.RetryBatch"/> (and of failing initialize calls); 1 ms to 1 h, default <see cref="DefaultProcessorRetryBaseDelay"/>.</summary>
    public TimeSpan ProcessorRetryBaseDelay
    {
        get => processorRetryBaseDelay;
        set => processorRetryBaseDelay = OptionRange.Check(value, TimeSpan.FromMilliseconds(1), MaxInterval, nameof(ProcessorRetryBaseDelay));
    }

    /// <summary>Cap of the processor retry delay; 1 ms to 1 h, default <see cref="DefaultProcessorRetryMaxDelay"/>.</summary>
    public TimeSpan ProcessorRetryMaxDelay
    {
        get => processorRetryMaxDelay;
        set => processorRetryMaxDelay = OptionRange.Check(value, TimeSpan.FromMilliseconds(1), MaxInterval, nameof(ProcessorRetryMaxDelay));
    }

    /// <summary>First backoff after a throttled or failed GetRecords call; 1 ms to 1 h, default <see cref="DefaultGetRecordsRetryBaseDelay"/>.</summary>
    public TimeSpan GetRecordsRetryBaseDelay
    {
        get => getRecordsRetryBaseDelay;
        set => getRecordsRetryBaseDelay = OptionRange.Check(value, TimeSpan.FromMilliseconds(1), MaxInterval, nameof(GetRecordsRetryBaseDelay));
    }

    /// <summary>Cap of the GetRecords backoff (full jitter); 1 ms to 1 h, default <see cref="DefaultGetRecordsRetryMaxDelay"/>.</summary>
    public TimeSpan GetRecordsRetryMaxDelay
    {
        get => getRecordsRetryMaxDelay;
        set => getRecordsRetryMaxDelay = OptionRange.Check(value, TimeSpan.FromMilliseconds(1), MaxInterval, nameof(GetRecordsRetryMaxDelay));
    }

    /// <summary>How often every worker lists the shards, creates missing leases and deletes the leases of finished parents and of shards trimmed from the stream; 10 ms to 1 h, default <see cref="DefaultShardSyncInterval"/>.</summary>
    public TimeSpan ShardSyncInterval
    {
        get => shardSyncInterval;
        set => shardSyncInterval = OptionRange.Check(value, MinInterval, MaxInterval, nameof(ShardSyncInterval));
    }

    /// <summary>How often a child shard checks whether its parents reached SHARD_END (and how often an unacknowledged shard end is re-notified); 10 ms to 1 h, default <see cref="DefaultParentShardPollInterval"/>.</summary>
    public TimeSpan ParentShardPollInterval
    {
        get => parentShardPollInterval;
        set => parentShardPollInterval = OptionRange.Check(value, MinInterval, MaxInterval, nameof(ParentShardPollInterval));
    }

    /// <summary>How long <see cref="KinesisConsumer.StopAsync"/> waits for processors to finish their batch and checkpoint before giving up on them; 10 ms to 1 h, default <see cref="DefaultShutdownTimeout"/>.</summary>
    public TimeSpan ShutdownTimeout
    {
        get => shutdownTimeout;
        set => shutdownTimeout = OptionRange.Check(value, MinInterval, MaxInterval, nameof(ShutdownTimeout));
    }

    /// <summary>
    /// How long <see cref="KinesisConsumer.StartAsync"/> keeps retrying transient failures (throttling, 5xx, request timeouts)
    /// of its start-up checks (the stream exists, the lease table's DynamoDB answers) and of its first shard sync, counted from
    /// the start of the call (a step reached after it ran out still gets one attempt); 1 s to 1 h, default <see cref="DefaultStartTimeout"/>. Errors a retry does not fix (a missing
    /// stream, a refused connection, access denied) fail the start at once. Waiting for a newly created lease table to become
    /// ACTIVE is bounded by <see cref="LeaseManagementOptions.TableActiveTimeout"/> instead.
    /// </summary>
    public TimeSpan StartTimeout
    {
        get => startTimeout;
        set => startTimeout = OptionRange.Check(value, TimeSpan.FromSeconds(1), MaxInterval, nameof(StartTimeout));
    }

    /// <summary>
    /// Time allowed to open a connection (TCP and TLS) to DynamoDB, for the client the consumer creates
    /// (<see cref="Amazon.Runtime.ClientConfig.ConnectTimeout"/>); ignored when <see cref="DynamoDbClient"/> is set.
    /// Between <see cref="KinesisApiClientOptions.MinConnectTimeout"/> and <see cref="KinesisApiClientOptions.MaxConnectTimeout"/>,
    /// default <see cref="DefaultDynamoDbConnectTimeout"/>. The Kinesis one is <see cref="KinesisApiClientOptions.ConnectTimeout"/>.
    /// </summary>
    public TimeSpan DynamoDbConnectTimeout
    {
        get => dynamoDbConnectTimeout;
        set => dynamoDbConnectTimeout = OptionRange.Check(value, KinesisApiClientOptions.MinConnectTimeout, KinesisApiClientOptions.MaxConnectTimeout, nameof(DynamoDbConnectTimeout));
    }

    /// <summary>Lease timing, balancing and lease-table settings (the KCL's LeaseManagementConfig).</summary>
    public LeaseManagementOptions Leases { get; set; } = new();

    /// <summary>The Kinesis connection: <see cref="KinesisApiClientOptions.Region"/>, <see cref="KinesisApiClientOptions.ServiceUrl"/>, credentials and HTTP handler.</summary>
    public KinesisApiClientOptions Kinesis { get; set; } = new();

    /// <summary>
    /// The DynamoDB endpoint for the lease table (for example a local emulator); <see langword="null"/> uses the region's
    /// endpoint. Ignored when <see cref="DynamoDbClient"/> is set. Required when <see cref="KinesisApiClientOptions.ServiceUrl"/>
    /// is a loopback or plain-HTTP address (an emulator), so that lease traffic never goes to AWS by omission; to pair such an
    /// endpoint with AWS DynamoDB on purpose, set the regional endpoint here (<c>https://dynamodb.REGION.amazonaws.com</c>).
    /// </summary>
    public Uri? DynamoDbServiceUrl { get; set; }

    /// <summary>A DynamoDB client to use for the lease table instead of creating one; it is not disposed by the consumer.</summary>
    public IAmazonDynamoDB? DynamoDbClient { get; set; }

    /// <summary>
    /// CloudWatch publishing of the consumer's metrics (off unless <see cref="CloudWatchMetricsOptions.Enabled"/>); the
    /// namespace defaults to <see cref="ApplicationName"/> and the region to <see cref="KinesisApiClientOptions.Region"/>,
    /// as the KCL. The instruments themselves (meter <see cref="KinesisMeterNames.Client"/>) exist either way.
    /// </summary>
    public CloudWatchMetricsOptions Metrics { get; set; } = new();

    /// <summary>The factory the consumer's meter is created with (hosting passes the container's); default <see langword="null"/>: the consumer creates and owns its meter.</summary>
    public IMeterFactory? MeterFactory { get; set; }

    /// <summary>The clock for every timer of the consumer; default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Checks required values and cross-option rules.</summary>
    /// <exception cref="ArgumentException">A required value is missing or two options contradict each other; the message names the option.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ApplicationName) || ApplicationName.Length is < 3 or > 255)
        {
            throw new ArgumentException($"{nameof(ApplicationName)} is required and must be 3 to 255 characters (it names the lease table).", nameof(ApplicationName));
        }

        ValidateStream();

        if (string.IsNullOrWhiteSpace(WorkerId))
        {
            throw new ArgumentException($"{nameof(WorkerId)} is required.", nameof(WorkerId));
        }

        if (InitialPosition == InitialPositionInStream.AtTimestamp && InitialPositionTimestamp is null)
        {
            throw new ArgumentException($"{nameof(InitialPositionTimestamp)} is required when {nameof(InitialPosition)} is {nameof(InitialPositionInStream.AtTimestamp)}.", nameof(InitialPositionTimestamp));
        }

        if (ProcessorRetryMaxDelay < ProcessorRetryBaseDelay)
        {
            throw new ArgumentException($"{nameof(ProcessorRetryMaxDelay)} must be at least {nameof(ProcessorRetryBaseDelay)} ({ProcessorRetryBaseDelay}).", nameof(ProcessorRetryMaxDelay));
        }

        if (GetRecordsRetryMaxDelay < GetRecordsRetryBaseDelay)
        {
            throw new ArgumentException($"{nameof(GetRecordsRetryMaxDelay)} must be at least {nameof(GetRecordsRetryBaseDelay)} ({GetRecordsRetryBaseDelay}).", nameof(GetRecordsRetryMaxDelay));
        }

        if (Leases is null || Kinesis is null || TimeProvider is null || Metrics is null || FanOut is null)
        {
            throw new ArgumentException(
                $"{nameof(Leases)}, {nameof(Kinesis)}, {nameof(Metrics)}, {nameof(FanOut)} and {nameof(TimeProvider)} must not be null.",
                Leases is null ? nameof(Leases) : Kinesis is null ? nameof(Kinesis) : Metrics is null ? nameof(Metrics) : FanOut is null ? nameof(FanOut) : nameof(TimeProvider));
        }

        if (PoisonRecords is null)
        {
            throw new ArgumentException($"{nameof(PoisonRecords)} must not be null.", nameof(PoisonRecords));
        }

        FanOut.Validate();
        PoisonRecords.Validate(ErrorMode);

        if (string.IsNullOrWhiteSpace(Kinesis.Region))
        {
            throw new ArgumentException($"{nameof(Kinesis)}.{nameof(KinesisApiClientOptions.Region)} is required (the signing region, also for the lease table unless {nameof(DynamoDbClient)} is set).", $"{nameof(Kinesis)}.{nameof(KinesisApiClientOptions.Region)}");
        }

        if (Kinesis.ServiceUrl is { } kinesisUrl && DynamoDbServiceUrl is null && DynamoDbClient is null
            && (kinesisUrl.IsLoopback || kinesisUrl.Scheme == Uri.UriSchemeHttp))
        {
            // An emulator for Kinesis and the regional endpoint for DynamoDB is nearly always a forgotten option; a VPC
            // endpoint (https, not loopback) legitimately pairs with the regional DynamoDB and passes.
            throw new ArgumentException(
                $"{nameof(Kinesis)}.{nameof(KinesisApiClientOptions.ServiceUrl)} is {kinesisUrl} but {nameof(DynamoDbServiceUrl)} is not set, so the lease table would be in AWS DynamoDB ({Kinesis.Region}); "
                + $"set {nameof(DynamoDbServiceUrl)} (the DynamoDB emulator, or https://dynamodb.{Kinesis.Region}.amazonaws.com to use AWS on purpose) or {nameof(DynamoDbClient)}.",
                nameof(DynamoDbServiceUrl));
        }

        Leases.Validate();
    }

    private void ValidateStream()
    {
        if (MultiStream is null)
        {
            throw new ArgumentException($"{nameof(MultiStream)} must not be null.", nameof(MultiStream));
        }

        if (MultiStream.IsEnabled)
        {
            if (StreamName is not null || StreamArn is not null)
            {
                throw new ArgumentException($"Set either {nameof(MultiStream)} or one of {nameof(StreamName)} and {nameof(StreamArn)}, not both.", StreamName is not null ? nameof(StreamName) : nameof(StreamArn));
            }

            if (FanOut?.ConsumerArn is not null)
            {
                throw new ArgumentException($"{nameof(FanOut)}.{nameof(FanOutOptions.ConsumerArn)} names the consumer of one stream; a multi-stream consumer registers one per stream by {nameof(FanOutOptions.ConsumerName)}.", $"{nameof(FanOut)}.{nameof(FanOutOptions.ConsumerArn)}");
            }

            MultiStream.Validate(Kinesis?.Region);
            return;
        }

        if ((StreamName is null) == (StreamArn is null))
        {
            throw new ArgumentException($"Set exactly one of {nameof(StreamName)} and {nameof(StreamArn)}; {(StreamName is null ? "neither is" : "both are")} set.", StreamName is null ? nameof(StreamName) : nameof(StreamArn));
        }

        if (StreamName is not null && (string.IsNullOrWhiteSpace(StreamName) || StreamName.Length > KinesisLimits.MaxStreamNameLength))
        {
            throw new ArgumentException($"{nameof(StreamName)} must be 1 to {KinesisLimits.MaxStreamNameLength} characters.", nameof(StreamName));
        }

        if (StreamArn is not null)
        {
            StreamAddress.CheckConfiguredArn(StreamArn, Kinesis?.Region, nameof(StreamArn), nameof(StreamArn));
        }
    }

    /// <summary><see cref="ApplicationName"/> of options that passed <see cref="Validate"/> (the consumer's own copy).</summary>
    internal string ValidatedApplicationName => ApplicationName ?? throw NotValidated(nameof(ApplicationName));

    /// <summary>The stream's name (from <see cref="StreamArn"/> when addressed by ARN) of options that passed <see cref="Validate"/>.</summary>
    internal string ValidatedStreamName => ValidatedStream.StreamName;

    /// <summary>How the stream is named in Kinesis calls (<see cref="StreamName"/> or <see cref="StreamArn"/>), of options that passed <see cref="Validate"/>.</summary>
    internal StreamAddress ValidatedStream => StreamArn is not null
        ? StreamAddress.TryParseArn(StreamArn, out var address) ? address : throw NotValidated(nameof(StreamArn))
        : StreamAddress.ForName(StreamName ?? throw NotValidated(nameof(StreamName)));

    /// <summary>The stream of a per-stream copy made by a multi-stream consumer (<see cref="ForStream"/>); <see langword="null"/> in single-stream mode.</summary>
    internal StreamIdentifier? MultiStreamIdentity { get; private set; }

    /// <summary>
    /// A copy for one stream of a multi-stream consumer: that stream's address and initial position, and its identity, so that the
    /// components of one stream (shard sync, readers, shard consumers) work as in single-stream mode.
    /// </summary>
    internal KinesisConsumerOptions ForStream(StreamIdentifier identity, StreamAddress address, InitialPositionInStream? initialPosition, DateTimeOffset? initialPositionTimestamp)
    {
        var copy = (KinesisConsumerOptions)MemberwiseClone();
        copy.StreamName = address.Name;
        copy.StreamArn = address.Arn;
        copy.InitialPosition = initialPosition ?? InitialPosition;
        copy.InitialPositionTimestamp = initialPositionTimestamp ?? InitialPositionTimestamp;
        copy.MultiStreamIdentity = identity;
        return copy;
    }

    /// <summary><see cref="KinesisApiClientOptions.Region"/> of options that passed <see cref="Validate"/>.</summary>
    internal string ValidatedRegion => Kinesis.Region ?? throw NotValidated($"{nameof(Kinesis)}.{nameof(KinesisApiClientOptions.Region)}");

    /// <summary>
    /// A copy for a consumer to keep, so that later changes to the caller's object have no effect: nested settings are copied,
    /// services (credentials, handlers, the DynamoDB client, the clock, the meter factory) are shared.
    /// </summary>
    internal KinesisConsumerOptions Clone()
    {
        var copy = (KinesisConsumerOptions)MemberwiseClone();
        copy.Leases = Leases.Clone();
        copy.FanOut = FanOut.Clone();
        copy.PoisonRecords = PoisonRecords.Clone();
        copy.MultiStream = MultiStream.Clone();
        copy.Kinesis = OptionsCopy.Of(Kinesis);
        copy.Metrics = OptionsCopy.Of(Metrics);
        return copy;
    }

    // Reached only by a bug: the consumer validates its copy in its constructor.
    private static InvalidOperationException NotValidated(string name) =>
        new($"{name} is not set: {nameof(KinesisConsumerOptions)}.{nameof(Validate)} must pass before the consumer reads it.");
}
