namespace Kinesis.Agent.Configuration;

/// <summary>
/// The agent's settings, read from a Java Kinesis Agent <c>agent.json</c> by <see cref="AgentConfigurationReader"/>.
/// </summary>
public sealed class AgentConfiguration
{
    /// <summary>Default of <see cref="CheckpointFile"/>, the Java agent's path.</summary>
    public const string DefaultCheckpointFile = "/var/run/aws-kinesis-agent/checkpoints";

    /// <summary>Default of <see cref="CheckpointTimeToLive"/> (<c>checkpointTimeToLiveDays</c>), the Java agent's 7 days.</summary>
    public static readonly TimeSpan DefaultCheckpointTimeToLive = TimeSpan.FromDays(7);

    /// <summary>
    /// <c>checkpointTimeToLiveDays</c>: a checkpoint whose offset has not moved for longer is dropped at start (its file
    /// is then treated as new, subject to <c>initialPosition</c>), as the Java agent purges old checkpoints; default
    /// <see cref="DefaultCheckpointTimeToLive"/>.
    /// </summary>
    public TimeSpan CheckpointTimeToLive { get; init; } = DefaultCheckpointTimeToLive;

    /// <summary><c>kinesis.endpoint</c>: a URL or a host name (then https); null or empty for the region's endpoint.</summary>
    public Uri? KinesisEndpoint { get; init; }

    /// <summary><c>kinesis.region</c>; else taken from a standard endpoint's host name, else the environment.</summary>
    public string? KinesisRegion { get; init; }

    /// <summary><c>awsAccessKeyId</c>; with <see cref="AwsSecretAccessKey"/>, static credentials instead of the default chain.</summary>
    public string? AwsAccessKeyId { get; init; }

    /// <summary><c>awsSecretAccessKey</c>.</summary>
    public string? AwsSecretAccessKey { get; init; }

    /// <summary><c>checkpointFile</c>; default <see cref="DefaultCheckpointFile"/>. This agent writes JSON, not the Java agent's SQLite.</summary>
    public string CheckpointFile { get; init; } = DefaultCheckpointFile;

    /// <summary>Default of <see cref="CloudWatchNamespace"/>, the Java agent's.</summary>
    public const string DefaultCloudWatchNamespace = "AWSKinesisAgent";

    /// <summary>
    /// <c>cloudwatch.emitMetrics</c>: upload the agent's metrics to CloudWatch; default true, as in the Java agent (not
    /// when <see cref="KinesisEndpoint"/> is a loopback address and <see cref="CloudWatchEndpoint"/> is not set).
    /// </summary>
    public bool CloudWatchEmitMetrics { get; init; } = true;

    /// <summary><c>cloudwatch.endpoint</c>: a URL or a host name (then https); null for the region's endpoint.</summary>
    public Uri? CloudWatchEndpoint { get; init; }

    /// <summary><c>cloudwatch.namespace</c>; default <see cref="DefaultCloudWatchNamespace"/>.</summary>
    public string CloudWatchNamespace { get; init; } = DefaultCloudWatchNamespace;

    /// <summary><c>flows</c> with a <c>kinesisStream</c>.</summary>
    public IReadOnlyList<FlowConfiguration> Flows { get; init; } = [];

    /// <summary>Keys that are unknown, or known to the Java agent but without effect here; each said once, never fatal.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}
