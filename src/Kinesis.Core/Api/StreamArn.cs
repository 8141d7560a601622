using System.Diagnostics.CodeAnalysis;

namespace Kinesis.Core.Api;

/// <summary>
/// A Kinesis stream ARN, <c>arn:{partition}:kinesis:{region}:{account}:stream/{name}</c>, split into its parts. Where a
/// stream may be named either way (the producer's <c>PutAsync</c>, the tools' <c>--stream</c>), a value that starts with
/// <c>arn:</c> is an ARN and anything else a name.
/// </summary>
/// <remarks>
/// The service's pattern is <c>arn:aws.*:kinesis:.*:\d{12}:stream/\S+</c> (at most 2,048 characters); the name part is
/// also checked as a stream name, so that a consumer ARN (<c>.../consumer/...</c>) is not taken for a stream's.
/// </remarks>
internal sealed class StreamArn
{
    /// <summary>Longest ARN the service accepts.</summary>
    public const int MaxLength = 2048;

    private const string Prefix = "arn:";

    private StreamArn(string value, string partition, string region, string accountId, string streamName)
    {
        Value = value;
        Partition = partition;
        Region = region;
        AccountId = accountId;
        StreamName = streamName;
    }

    /// <summary>The whole ARN, as given.</summary>
    public string Value { get; }

    /// <summary><c>aws</c>, <c>aws-cn</c>, <c>aws-us-gov</c>...</summary>
    public string Partition { get; }

    /// <summary>The stream's region; a client reaches only the streams of its own region.</summary>
    public string Region { get; }

    /// <summary>The 12-digit account that owns the stream (another account's stream is reached through its resource policy).</summary>
    public string AccountId { get; }

    /// <summary>The stream's name.</summary>
    public string StreamName { get; }

    /// <summary>Whether <paramref name="stream"/> names a stream by ARN rather than by name.</summary>
    public static bool IsArn(string? stream) => stream is not null && stream.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>Parses a stream ARN; false (and null) when <paramref name="value"/> is not one.</summary>
    public static bool TryParse(string? value, [NotNullWhen(true)] out StreamArn? arn) => (arn = ParseCore(value, out _)) is not null;

    /// <summary>
    /// Parses a stream ARN, and with <paramref name="expectedRegion"/> checks that the stream is in that region.
    /// </summary>
    /// <exception cref="ArgumentException">Not a stream ARN, or a stream of another region; the message names the form
    /// expected or both regions, and the exception <paramref name="paramName"/>.</exception>
    public static StreamArn Parse(string? value, string? expectedRegion, string paramName)
    {
        var arn = ParseCore(value, out var problem)
            ?? throw new ArgumentException($"'{value}' is not a Kinesis stream ARN (arn:<partition>:kinesis:<region>:<12-digit account>:stream/<name>): {problem}.", paramName);
        if (expectedRegion is not null && !string.Equals(arn.Region, expectedRegion, StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"The stream ARN '{arn.Value}' is in region '{arn.Region}', but the client signs for and sends to region '{expectedRegion}'; a Kinesis client reaches only its own region's streams: use a client of region '{arn.Region}'.",
                paramName);
        }

        return arn;
    }

    private static StreamArn? ParseCore(string? value, out string problem)
    {
        if (value is null || !value.StartsWith(Prefix, StringComparison.Ordinal))
        {
            problem = "it does not start with 'arn:'";
            return null;
        }

        if (value.Length > MaxLength)
        {
            problem = $"it is longer than {MaxLength} characters";
            return null;
        }

        // arn : partition : service : region : account : resource (the resource holds no ':' for a stream).
        var parts = value.Split(':');
        if (parts.Length != 6)
        {
            problem = $"it has {parts.Length} ':'-separated parts instead of 6";
            return null;
        }

        var (partition, service, region, account, resource) = (parts[1], parts[2], parts[3], parts[4], parts[5]);
        if (!partition.StartsWith("aws", StringComparison.Ordinal) || service != "kinesis")
        {
            problem = $"partition '{partition}' and service '{service}' are not aws* and kinesis";
            return null;
        }

        if (!IsRegion(region))
        {
            problem = $"region '{region}' is not lower-case letters, digits and '-'";
            return null;
        }

        if (account.Length != 12 || !account.All(char.IsAsciiDigit))
        {
            problem = $"account '{account}' is not 12 digits";
            return null;
        }

        const string StreamPrefix = "stream/";
        var name = resource.StartsWith(StreamPrefix, StringComparison.Ordinal) ? resource[StreamPrefix.Length..] : null;
        if (name is null || !KinesisLimits.IsStreamName(name))
        {
            problem = $"resource '{resource}' is not stream/<name> with a stream name of 1 to {KinesisLimits.MaxStreamNameLength} characters of [a-zA-Z0-9_.-]";
            return null;
        }

        problem = string.Empty;
        return new StreamArn(value, partition, region, account, name);
    }

    private static bool IsRegion(string region) =>
        region.Length is > 0 and <= Http.AwsServiceEndpoint.MaxRegionLength && region.All(static c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-');

    /// <inheritdoc/>
    public override string ToString() => Value;
}
