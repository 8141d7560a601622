using System.Diagnostics.Metrics;
using Kinesis.Core.Api;
using Kinesis.Core.Metrics;

namespace Kinesis.Producer;

/// <summary>
/// Settings of a <see cref="KinesisProducer"/>. Defaults follow the Java KPL (see each constant); what the
/// KPL lacks — bounded outstanding records and bytes, strict per-shard ordering — is added here.
/// </summary>
/// <remarks>
/// Setters reject out-of-range values with an <see cref="ArgumentOutOfRangeException"/> naming the option and its range;
/// <see cref="Validate"/> checks required values (the producer's constructor and the hosting registration call it). The
/// producer copies the options when it is created: changing them afterwards has no effect on it.
/// </remarks>
public sealed class KinesisProducerOptions
{
    /// <summary>Default of <see cref="AggregationEnabled"/>.</summary>
    public const bool DefaultAggregationEnabled = true;

    /// <summary>Default of <see cref="AggregationMaxCount"/>: no limit other than size, as in the KPL (4294967295).</summary>
    public const long DefaultAggregationMaxCount = uint.MaxValue;

    /// <summary>Default of <see cref="AggregationMaxSize"/>: 51,200 bytes, as in the KPL.</summary>
    public const int DefaultAggregationMaxSize = 51_200;

    /// <summary>Smallest <see cref="AggregationMaxSize"/>.</summary>
    public const int MinAggregationMaxSize = 64;

    /// <summary>
    /// Largest <see cref="AggregationMaxSize"/>: 10 MiB, the largest Kinesis record of a stream whose maximum record size is
    /// raised. It may not exceed <see cref="MaxRecordSize"/> (1 MiB by default).
    /// </summary>
    public const int MaxAggregationMaxSize = KinesisLimits.MaxLargeRecordSize;

    /// <summary>Default and smallest <see cref="MaxRecordSize"/>: 1 MiB, every stream's maximum record size until it is raised.</summary>
    public const int DefaultMaxRecordSize = KinesisLimits.MaxRecordSize;

    /// <summary>Largest <see cref="MaxRecordSize"/>: 10 MiB, the largest maximum record size a stream can be given.</summary>
    public const int MaxMaxRecordSize = KinesisLimits.MaxLargeRecordSize;

    /// <summary>Default and largest <see cref="CollectionMaxCount"/>: 500 records, the PutRecords limit.</summary>
    public const int DefaultCollectionMaxCount = 500;

    /// <summary>Default and largest <see cref="CollectionMaxSize"/>: 5 MiB, the PutRecords limit.</summary>
    public const int DefaultCollectionMaxSize = 5 * 1024 * 1024;

    /// <summary>Smallest <see cref="CollectionMaxSize"/>, as in the KPL (52,224 bytes).</summary>
    public const int MinCollectionMaxSize = 52_224;

    /// <summary>Default of <see cref="RecordMaxBufferedTime"/>: 100 ms.</summary>
    public static readonly TimeSpan DefaultRecordMaxBufferedTime = TimeSpan.FromMilliseconds(100);

    /// <summary>Default of <see cref="RecordTtl"/>: 30 s.</summary>
    public static readonly TimeSpan DefaultRecordTtl = TimeSpan.FromSeconds(30);

    /// <summary>Smallest <see cref="RecordTtl"/>: 100 ms, as in the KPL.</summary>
    public static readonly TimeSpan MinRecordTtl = TimeSpan.FromMilliseconds(100);

    /// <summary>Default of <see cref="RateLimit"/>: 150 % of a shard's limits.</summary>
    public const int DefaultRateLimit = 150;

    /// <summary>Default of <see cref="RequestTimeout"/>: 6 s.</summary>
    public static readonly TimeSpan DefaultRequestTimeout = TimeSpan.FromSeconds(6);

    /// <summary>Smallest <see cref="RequestTimeout"/>: 100 ms.</summary>
    public static readonly TimeSpan MinRequestTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>Largest <see cref="RequestTimeout"/>: 600 s.</summary>
    public static readonly TimeSpan MaxRequestTimeout = TimeSpan.FromSeconds(600);

    /// <summary>Default of <see cref="ConnectTimeout"/>: 6 s, as in the KPL.</summary>
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(6);

    /// <summary>Smallest <see cref="ConnectTimeout"/>: 100 ms, as in the KPL.</summary>
    public static readonly TimeSpan MinConnectTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>Largest <see cref="ConnectTimeout"/>: 300 s, as in the KPL.</summary>
    public static readonly TimeSpan MaxConnectTimeout = TimeSpan.FromSeconds(300);

    /// <summary>Default of <see cref="MaxConnections"/>: 24.</summary>
    public const int DefaultMaxConnections = 24;

    /// <summary>Largest <see cref="MaxConnections"/>: 256.</summary>
    public const int MaxMaxConnections = 256;

    /// <summary>Default of <see cref="MaxOutstandingRecords"/>: 1,000,000 user records.</summary>
    public const int DefaultMaxOutstandingRecords = 1_000_000;

    /// <summary>Default of <see cref="MaxOutstandingBytes"/>: 256 MiB of user data.</summary>
    public const long DefaultMaxOutstandingBytes = 256L * 1024 * 1024;

    /// <summary>Default of <see cref="ShutdownTimeout"/>: 30 s.</summary>
    public static readonly TimeSpan DefaultShutdownTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Default of <see cref="ShardMapRefreshInterval"/>: 60 s.</summary>
    public static readonly TimeSpan DefaultShardMapRefreshInterval = TimeSpan.FromSeconds(60);

    /// <summary>Largest <see cref="RecordMaxBufferedTime"/>: 10 minutes.</summary>
    public static readonly TimeSpan MaxRecordMaxBufferedTime = TimeSpan.FromMinutes(10);

    /// <summary>Largest <see cref="RecordTtl"/>: 1 day.</summary>
    public static readonly TimeSpan MaxRecordTtl = TimeSpan.FromDays(1);

    /// <summary>Largest <see cref="RateLimit"/>: 100,000 (percent).</summary>
    public const int MaxRateLimit = 100_000;

    /// <summary>Smallest <see cref="ShardMapRefreshInterval"/>: 1 s.</summary>
    public static readonly TimeSpan MinShardMapRefreshInterval = TimeSpan.FromSeconds(1);

    private long aggregationMaxCount = DefaultAggregationMaxCount;
    private int aggregationMaxSize = DefaultAggregationMaxSize;
    private int maxRecordSize = DefaultMaxRecordSize;
    private int collectionMaxCount = DefaultCollectionMaxCount;
    private int collectionMaxSize = DefaultCollectionMaxSize;
    private TimeSpan recordMaxBufferedTime = DefaultRecordMaxBufferedTime;
    private TimeSpan recordTtl = DefaultRecordTtl;
    private int rateLimit = DefaultRateLimit;
    private TimeSpan requestTimeout = DefaultRequestTimeout;
    private TimeSpan connectTimeout = DefaultConnectTimeout;
    private int maxConnections = DefaultMaxConnections;
    private int maxOutstandingRecords = DefaultMaxOutstandingRecords;
    private long maxOutstandingBytes = DefaultMaxOutstandingBytes;
    private ProducerFullMode fullMode = ProducerFullMode.Wait;
    private ProducerOrdering ordering = ProducerOrdering.Relaxed;
    private TimeSpan shardMapRefreshInterval = DefaultShardMapRefreshInterval;
    private TimeSpan shutdownTimeout = DefaultShutdownTimeout;

    /// <summary>AWS region, for example <c>eu-west-1</c>. Also the signing region when <see cref="ServiceUrl"/> is set.</summary>
    public string? Region { get; set; }

    /// <summary>An explicit Kinesis endpoint (local emulators, VPC endpoints). Plain <c>http://</c> is accepted only for loopback unless <see cref="AllowInsecureHttp"/> is set.</summary>
    public Uri? ServiceUrl { get; set; }

    /// <summary>Allows plain <c>http://</c> to a non-loopback <see cref="ServiceUrl"/>. Default false.</summary>
    public bool AllowInsecureHttp { get; set; }

    /// <summary>Credentials; when null the AWS SDK's default chain resolves them (environment, profile, container, instance).</summary>
    public Amazon.Runtime.AWSCredentials? Credentials { get; set; }

    /// <summary>An HTTP handler to send through (proxies, fault injection). The producer does not dispose it.</summary>
    public HttpMessageHandler? HttpMessageHandler { get; set; }

    /// <summary>Packs many user records into one Kinesis record in the KPL aggregated format. Default <see cref="DefaultAggregationEnabled"/>.</summary>
    public bool AggregationEnabled { get; set; } = DefaultAggregationEnabled;

    /// <summary>Most user records in one aggregated Kinesis record, 1 or more. Default <see cref="DefaultAggregationMaxCount"/>.</summary>
    public long AggregationMaxCount
    {
        get => aggregationMaxCount;
        set => aggregationMaxCount = OptionRange.CheckAtLeast(value, 1L, nameof(AggregationMaxCount));
    }

    /// <summary>Most bytes of one aggregated Kinesis record, <see cref="MinAggregationMaxSize"/> to <see cref="MaxAggregationMaxSize"/> and at most <see cref="MaxRecordSize"/> (checked by <see cref="Validate"/>). A user record larger than this is sent alone, unaggregated. Default <see cref="DefaultAggregationMaxSize"/>.</summary>
    public int AggregationMaxSize
    {
        get => aggregationMaxSize;
        set => aggregationMaxSize = OptionRange.Check(value, MinAggregationMaxSize, MaxAggregationMaxSize, nameof(AggregationMaxSize));
    }

    /// <summary>
    /// The largest user record (data plus partition key UTF-8 bytes) <see cref="KinesisProducer.PutAsync"/> accepts, and the
    /// largest Kinesis record the producer sends. <see cref="DefaultMaxRecordSize"/> (1 MiB) to <see cref="MaxMaxRecordSize"/>
    /// (10 MiB). Raise it only when every stream the producer writes to has its maximum record size raised at least as far
    /// (<see cref="KinesisApiClient.UpdateMaxRecordSizeAsync"/>, <c>kinesis-streams max-record-size</c>): a stream refuses a
    /// larger record, and the record fails with <c>InvalidArgumentException</c>. A user record larger than
    /// <see cref="AggregationMaxSize"/> is sent alone, unaggregated, and one larger than <see cref="CollectionMaxSize"/> alone in
    /// its PutRecords call. Default <see cref="DefaultMaxRecordSize"/>.
    /// </summary>
    public int MaxRecordSize
    {
        get => maxRecordSize;
        set => maxRecordSize = OptionRange.Check(value, DefaultMaxRecordSize, MaxMaxRecordSize, nameof(MaxRecordSize));
    }

    /// <summary>Most Kinesis records in one PutRecords call, 1 to <see cref="DefaultCollectionMaxCount"/>. Default <see cref="DefaultCollectionMaxCount"/>.</summary>
    public int CollectionMaxCount
    {
        get => collectionMaxCount;
        set => collectionMaxCount = OptionRange.Check(value, 1, DefaultCollectionMaxCount, nameof(CollectionMaxCount));
    }

    /// <summary>Most bytes in one PutRecords call, counted as the service counts them (partition key plus data of each record), <see cref="MinCollectionMaxSize"/> to <see cref="DefaultCollectionMaxSize"/>. Default <see cref="DefaultCollectionMaxSize"/>.</summary>
    public int CollectionMaxSize
    {
        get => collectionMaxSize;
        set => collectionMaxSize = OptionRange.Check(value, MinCollectionMaxSize, DefaultCollectionMaxSize, nameof(CollectionMaxSize));
    }

    /// <summary>Longest time a user record waits in the producer's buffers before its batch is sent; zero sends at once; 0 to <see cref="MaxRecordMaxBufferedTime"/>. Any two records of a shard are reordered by no more than twice this (without retries). Default <see cref="DefaultRecordMaxBufferedTime"/>.</summary>
    public TimeSpan RecordMaxBufferedTime
    {
        get => recordMaxBufferedTime;
        set => recordMaxBufferedTime = OptionRange.Check(value, TimeSpan.Zero, MaxRecordMaxBufferedTime, nameof(RecordMaxBufferedTime));
    }

    /// <summary>A user record not acknowledged within this time after <see cref="KinesisProducer.PutAsync"/> fails with error code <c>Expired</c>. <see cref="MinRecordTtl"/> to <see cref="MaxRecordTtl"/>. Default <see cref="DefaultRecordTtl"/>.</summary>
    public TimeSpan RecordTtl
    {
        get => recordTtl;
        set => recordTtl = OptionRange.Check(value, MinRecordTtl, MaxRecordTtl, nameof(RecordTtl));
    }

    /// <summary>Per-shard rate limit as a percentage of the shard's limits (1,000 records/s and 1 MiB/s), charged per Kinesis record; 1 to <see cref="MaxRateLimit"/>. Default <see cref="DefaultRateLimit"/>.</summary>
    public int RateLimit
    {
        get => rateLimit;
        set => rateLimit = OptionRange.Check(value, 1, MaxRateLimit, nameof(RateLimit));
    }

    /// <summary>Timeout of one PutRecords or ListShards call, <see cref="MinRequestTimeout"/> to <see cref="MaxRequestTimeout"/>. A timed-out request may still have succeeded, so its retry can duplicate records. Default <see cref="DefaultRequestTimeout"/>.</summary>
    public TimeSpan RequestTimeout
    {
        get => requestTimeout;
        set => requestTimeout = OptionRange.Check(value, MinRequestTimeout, MaxRequestTimeout, nameof(RequestTimeout));
    }

    /// <summary>
    /// Time allowed to open a connection (TCP connect and TLS handshake), <see cref="MinConnectTimeout"/> to
    /// <see cref="MaxConnectTimeout"/>; an attempt that cannot connect fails with <c>NetworkError</c> and is retried until
    /// <see cref="RecordTtl"/> like any other. A refused connection fails at once whatever this is. Ignored when
    /// <see cref="HttpMessageHandler"/> is given. Default <see cref="DefaultConnectTimeout"/>.
    /// </summary>
    public TimeSpan ConnectTimeout
    {
        get => connectTimeout;
        set => connectTimeout = OptionRange.Check(value, MinConnectTimeout, MaxConnectTimeout, nameof(ConnectTimeout));
    }

    /// <summary>Most concurrent PutRecords calls and HTTP connections, 1 to <see cref="MaxMaxConnections"/>. Default <see cref="DefaultMaxConnections"/>.</summary>
    public int MaxConnections
    {
        get => maxConnections;
        set => maxConnections = OptionRange.Check(value, 1, MaxMaxConnections, nameof(MaxConnections));
    }

    /// <summary>When true, a record refused for throughput (ProvisionedThroughputExceededException) fails at once instead of being retried. Default false.</summary>
    public bool FailIfThrottled { get; set; }

    /// <summary>Most user records submitted and not yet resolved; at the bound <see cref="KinesisProducer.PutAsync"/> waits or throws per <see cref="FullMode"/>. 1 or more. Default <see cref="DefaultMaxOutstandingRecords"/>.</summary>
    public int MaxOutstandingRecords
    {
        get => maxOutstandingRecords;
        set => maxOutstandingRecords = OptionRange.CheckAtLeast(value, 1, nameof(MaxOutstandingRecords));
    }

    /// <summary>Most bytes of user data (partition key plus data) submitted and not yet resolved; see <see cref="MaxOutstandingRecords"/>. At least <see cref="DefaultMaxRecordSize"/>, and at least <see cref="MaxRecordSize"/> (checked by <see cref="Validate"/>), so that any valid record fits. Default <see cref="DefaultMaxOutstandingBytes"/>.</summary>
    public long MaxOutstandingBytes
    {
        get => maxOutstandingBytes;
        set => maxOutstandingBytes = OptionRange.CheckAtLeast(value, (long)DefaultMaxRecordSize, nameof(MaxOutstandingBytes));
    }

    /// <summary>What <see cref="KinesisProducer.PutAsync"/> does when an outstanding bound is reached. Default <see cref="ProducerFullMode.Wait"/>.</summary>
    public ProducerFullMode FullMode
    {
        get => fullMode;
        set => fullMode = OptionRange.CheckDefined(value, nameof(FullMode));
    }

    /// <summary>Ordering guarantee per shard. Default <see cref="ProducerOrdering.Relaxed"/>, as in the KPL.</summary>
    public ProducerOrdering Ordering
    {
        get => ordering;
        set => ordering = OptionRange.CheckDefined(value, nameof(Ordering));
    }

    /// <summary>How often each stream's shard map is reloaded, besides reloads after a record lands on an unexpected shard; at least <see cref="MinShardMapRefreshInterval"/>. Default <see cref="DefaultShardMapRefreshInterval"/>.</summary>
    public TimeSpan ShardMapRefreshInterval
    {
        get => shardMapRefreshInterval;
        set => shardMapRefreshInterval = OptionRange.CheckAtLeast(value, MinShardMapRefreshInterval, nameof(ShardMapRefreshInterval));
    }

    /// <summary>How long <see cref="KinesisProducer.DisposeAsync"/> flushes before it fails what is left; zero or more. Default <see cref="DefaultShutdownTimeout"/>.</summary>
    public TimeSpan ShutdownTimeout
    {
        get => shutdownTimeout;
        set => shutdownTimeout = OptionRange.CheckAtLeast(value, TimeSpan.Zero, nameof(ShutdownTimeout));
    }

    /// <summary>
    /// Uploading the KPL metric set to CloudWatch (off by default; namespace
    /// <see cref="CloudWatchMetricsOptions.DefaultProducerNamespace"/>; region and credentials default to the
    /// producer's). The instruments on the <see cref="KinesisMeterNames.Producer"/> meter are always there for
    /// OpenTelemetry and dotnet-counters. Uploads never block or slow the record path.
    /// </summary>
    public CloudWatchMetricsOptions Metrics { get; set; } = new();

    /// <summary>Creates the producer's meter (hosting passes the container's); null uses a meter of its own.</summary>
    public IMeterFactory? MeterFactory { get; set; }

    /// <summary>
    /// Checks what the setters cannot: that <see cref="Metrics"/> is set, that <see cref="Region"/> or <see cref="ServiceUrl"/>
    /// is, and that <see cref="AggregationMaxSize"/> and <see cref="MaxOutstandingBytes"/> agree with <see cref="MaxRecordSize"/>.
    /// The producer's constructor and the hosting registration (at start-up) call it.
    /// </summary>
    /// <exception cref="ArgumentException">A required value is missing; the message names the option.</exception>
    public void Validate()
    {
        if (Metrics is null)
        {
            throw new ArgumentNullException(nameof(Metrics), $"{nameof(Metrics)} must not be null; leave it at its default to keep CloudWatch uploads off.");
        }

        if (ServiceUrl is null && string.IsNullOrWhiteSpace(Region))
        {
            throw new ArgumentException($"Set {nameof(Region)} or {nameof(ServiceUrl)}.", nameof(Region));
        }

        if (AggregationMaxSize > MaxRecordSize)
        {
            throw new ArgumentOutOfRangeException(
                nameof(AggregationMaxSize),
                AggregationMaxSize,
                $"{nameof(AggregationMaxSize)} ({AggregationMaxSize}) may not exceed {nameof(MaxRecordSize)} ({MaxRecordSize}): an aggregate is one Kinesis record. Raise {nameof(MaxRecordSize)} (up to {MaxMaxRecordSize}) only for streams whose maximum record size is raised.");
        }

        if (MaxOutstandingBytes < MaxRecordSize)
        {
            throw new ArgumentOutOfRangeException(
                nameof(MaxOutstandingBytes),
                MaxOutstandingBytes,
                $"{nameof(MaxOutstandingBytes)} ({MaxOutstandingBytes}) must be at least {nameof(MaxRecordSize)} ({MaxRecordSize}), so that any valid record fits.");
        }
    }

    /// <summary>A copy the producer keeps, so that later changes to the caller's object have no effect; <see cref="Metrics"/> is copied too.</summary>
    internal KinesisProducerOptions Clone()
    {
        var copy = (KinesisProducerOptions)MemberwiseClone();
        copy.Metrics = OptionsCopy.Of(Metrics);
        return copy;
    }
}
