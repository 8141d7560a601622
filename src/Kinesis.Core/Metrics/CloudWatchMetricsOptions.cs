using Amazon.Runtime;
using Kinesis.Core.Resilience;

namespace Kinesis.Core.Metrics;

/// <summary>
/// Settings of a <see cref="CloudWatchMetricsPublisher"/>: where PutMetricData goes, how often, and which metrics at
/// which granularity (as the KPL's <c>Metrics*</c> settings). Read once when the publisher is created.
/// </summary>
public sealed class CloudWatchMetricsOptions : MetricsAggregationOptions
{
    /// <summary>The namespace the producer publishes under unless <see cref="MetricsAggregationOptions.Namespace"/> is set, as the KPL.</summary>
    public const string DefaultProducerNamespace = "KinesisProducerLibrary";

    /// <summary>The SigV4 service name and endpoint prefix of CloudWatch.</summary>
    public const string ServiceName = "monitoring";

    /// <summary>Default <see cref="RequestTimeout"/>: 10 s.</summary>
    public static readonly TimeSpan DefaultRequestTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Default <see cref="ShutdownTimeout"/>: 10 s.</summary>
    public static readonly TimeSpan DefaultShutdownTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Default of <see cref="RetryBackoffOptions.MaxRetryAttempts"/> in <see cref="Retry"/>.</summary>
    public const int DefaultMaxRetryAttempts = 3;

    private TimeSpan requestTimeout = DefaultRequestTimeout;
    private TimeSpan shutdownTimeout = DefaultShutdownTimeout;

    /// <summary>Whether the client creates a publisher at all. Default <see langword="false"/>: CloudWatch upload is opt-in.</summary>
    public bool Enabled { get; set; }

    /// <summary>The region of the CloudWatch endpoint and the signing region. Default <see langword="null"/>: the client's own region.</summary>
    public string? Region { get; set; }

    /// <summary>An explicit endpoint (VPC endpoint, test server). Default <see langword="null"/>: <c>https://monitoring.{region}.amazonaws.com/</c>. Plain <c>http://</c> is accepted only for loopback addresses.</summary>
    public Uri? ServiceUrl { get; set; }

    /// <summary>The credentials to sign with. Default <see langword="null"/>: the AWS SDK's default chain.</summary>
    public AWSCredentials? Credentials { get; set; }

    /// <summary>The HTTP handler requests go through (proxies, fault injection). Default <see langword="null"/>: a small pooled handler the publisher owns; a given handler is not disposed.</summary>
    public HttpMessageHandler? HttpHandler { get; set; }

    /// <summary>Backoff between attempts of one PutMetricData request (retried on throttling, 5xx, network faults and timeouts; then dropped and logged). Default: <see cref="DefaultMaxRetryAttempts"/> retries, <see cref="RetryBackoffOptions"/> delays.</summary>
    public RetryBackoffOptions Retry { get; set; } = new() { MaxRetryAttempts = DefaultMaxRetryAttempts };

    /// <summary>Time allowed for one PutMetricData attempt. Default <see cref="DefaultRequestTimeout"/>; between 100 ms and 5 minutes.</summary>
    public TimeSpan RequestTimeout
    {
        get => requestTimeout;
        set => requestTimeout = CheckRange(value, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5), nameof(RequestTimeout));
    }

    /// <summary>Time <see cref="CloudWatchMetricsPublisher.DisposeAsync"/> spends uploading what is left. Default <see cref="DefaultShutdownTimeout"/>; between 0 and 5 minutes.</summary>
    public TimeSpan ShutdownTimeout
    {
        get => shutdownTimeout;
        set => shutdownTimeout = CheckRange(value, TimeSpan.Zero, TimeSpan.FromMinutes(5), nameof(ShutdownTimeout));
    }

    private static TimeSpan CheckRange(TimeSpan value, TimeSpan min, TimeSpan max, string name)
    {
        if (value < min || value > max)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be between {min} and {max}.");
        }

        return value;
    }
}
