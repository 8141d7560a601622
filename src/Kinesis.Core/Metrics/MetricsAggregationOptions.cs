namespace Kinesis.Core.Metrics;

/// <summary>
/// Settings shared by the sinks that aggregate our instruments per interval into statistic sets
/// (<see cref="CloudWatchMetricsOptions"/>, <see cref="EmfMetricsOptions"/>). Setters reject out-of-range values with
/// <see cref="ArgumentOutOfRangeException"/> naming the property and the allowed range.
/// </summary>
public abstract class MetricsAggregationOptions
{
    /// <summary>Default <see cref="UploadInterval"/>: 60 s, as the KPL's <c>MetricsUploadDelay</c>.</summary>
    public static readonly TimeSpan DefaultUploadInterval = TimeSpan.FromSeconds(60);

    /// <summary>Smallest <see cref="UploadInterval"/>: 1 s.</summary>
    public static readonly TimeSpan MinUploadInterval = TimeSpan.FromSeconds(1);

    /// <summary>Largest <see cref="UploadInterval"/>: 1 hour.</summary>
    public static readonly TimeSpan MaxUploadInterval = TimeSpan.FromHours(1);

    /// <summary>Default <see cref="Level"/>.</summary>
    public const MetricsLevel DefaultLevel = MetricsLevel.Detailed;

    /// <summary>Default <see cref="Granularity"/>.</summary>
    public const MetricsGranularity DefaultGranularity = MetricsGranularity.Shard;

    /// <summary>Default <see cref="MaxQueuedDatums"/>.</summary>
    public const int DefaultMaxQueuedDatums = 20_000;

    /// <summary>Largest <see cref="MaxQueuedDatums"/>.</summary>
    public const int MaxMaxQueuedDatums = 1_000_000;

    private TimeSpan uploadInterval = DefaultUploadInterval;
    private MetricsLevel level = DefaultLevel;
    private MetricsGranularity granularity = DefaultGranularity;
    private int maxQueuedDatums = DefaultMaxQueuedDatums;

    private protected MetricsAggregationOptions()
    {
    }

    /// <summary>
    /// The namespace metrics are published under. Default <see langword="null"/>: the one the client passes (the
    /// producer passes <see cref="CloudWatchMetricsOptions.DefaultProducerNamespace"/>, the consumer its application
    /// name). 1 to 255 characters, not starting with <c>AWS/</c>.
    /// </summary>
    public string? Namespace { get; set; }

    /// <summary>How often the aggregated statistics are emitted. Default <see cref="DefaultUploadInterval"/>; between <see cref="MinUploadInterval"/> and <see cref="MaxUploadInterval"/>.</summary>
    public TimeSpan UploadInterval
    {
        get => uploadInterval;
        set
        {
            if (value < MinUploadInterval || value > MaxUploadInterval)
            {
                throw new ArgumentOutOfRangeException(nameof(UploadInterval), value, $"{nameof(UploadInterval)} must be between {MinUploadInterval} and {MaxUploadInterval}.");
            }

            uploadInterval = value;
        }
    }

    /// <summary>Which metrics are emitted. Default <see cref="DefaultLevel"/>.</summary>
    public MetricsLevel Level
    {
        get => level;
        set => level = Enum.IsDefined(value) ? value : throw new ArgumentOutOfRangeException(nameof(Level), value, $"{nameof(Level)} must be None, Summary or Detailed.");
    }

    /// <summary>The finest dimension emitted. Default <see cref="DefaultGranularity"/>.</summary>
    public MetricsGranularity Granularity
    {
        get => granularity;
        set => granularity = Enum.IsDefined(value) ? value : throw new ArgumentOutOfRangeException(nameof(Granularity), value, $"{nameof(Granularity)} must be Global, Stream or Shard.");
    }

    /// <summary>
    /// The most series (metric and dimension set, each one datum per interval) held at once. A sample that would
    /// create a series beyond it is dropped, counted and logged; series idle for an interval are released.
    /// Default <see cref="DefaultMaxQueuedDatums"/>; between 1 and <see cref="MaxMaxQueuedDatums"/>.
    /// </summary>
    public int MaxQueuedDatums
    {
        get => maxQueuedDatums;
        set
        {
            if (value < 1 || value > MaxMaxQueuedDatums)
            {
                throw new ArgumentOutOfRangeException(nameof(MaxQueuedDatums), value, $"{nameof(MaxQueuedDatums)} must be between 1 and {MaxMaxQueuedDatums}.");
            }

            maxQueuedDatums = value;
        }
    }

    internal string ResolveNamespace(string clientNamespace)
    {
        var name = Namespace ?? clientNamespace;
        if (string.IsNullOrEmpty(name) || name.Length > 255 || name.StartsWith("AWS/", StringComparison.Ordinal))
        {
            throw new ArgumentException($"A metrics namespace has 1 to 255 characters and does not start with 'AWS/'; got '{name}'.", nameof(Namespace));
        }

        return name;
    }
}
