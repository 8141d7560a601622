using System.CommandLine;
using System.CommandLine.Parsing;

namespace Kinesis.Samples.Shared;

/// <summary>
/// The options every tool shares, with one name each: <c>--stream</c>, <c>--region</c>, <c>--kinesis-endpoint</c>
/// (alias <c>--endpoint</c>), <c>--dynamodb-endpoint</c>. Each call returns a new option, so a tool can add them to
/// several commands.
/// </summary>
internal static class ToolOptions
{
    /// <summary>
    /// <c>--stream NAME</c>, required: 1–128 characters of [a-zA-Z0-9_.-], as Kinesis allows; with <paramref name="allowArn"/>, also
    /// a stream ARN (<c>arn:...</c>), which the library checks.
    /// </summary>
    public static Option<string> Stream(string description = "The stream's name.", bool allowArn = false)
    {
        var option = new Option<string>("--stream", "-s") { Description = description, Required = true, HelpName = "NAME" };
        option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (allowArn && value?.StartsWith("arn:", StringComparison.Ordinal) == true)
            {
                return;
            }

            if (value is null || value.Length is < 1 or > 128 || !value.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-'))
            {
                result.AddError($"--stream must be 1 to 128 characters of letters, digits, '_', '.' or '-', not '{value}'.");
            }
        });
        return option;
    }

    /// <summary><c>--region REGION</c>; default AWS_REGION, then AWS_DEFAULT_REGION, then us-east-1 for a local endpoint.</summary>
    public static Option<string?> Region() => new("--region")
    {
        Description = "The AWS region. Default: AWS_REGION or AWS_DEFAULT_REGION (us-east-1 with a local endpoint).",
        HelpName = "REGION",
    };

    /// <summary><c>--kinesis-endpoint URL</c> (alias <c>--endpoint</c>): a Kinesis endpoint such as an emulator's.</summary>
    public static Option<Uri?> KinesisEndpoint() => Endpoint("--kinesis-endpoint", "The Kinesis endpoint, e.g. http://127.0.0.1:4567 for an emulator. Default: the region's.", "--endpoint");

    /// <summary><c>--dynamodb-endpoint URL</c>: the lease table's DynamoDB endpoint.</summary>
    public static Option<Uri?> DynamoDbEndpoint() => Endpoint("--dynamodb-endpoint", "The DynamoDB endpoint of the lease table, e.g. http://127.0.0.1:4568 for an emulator. Default: the region's.");

    /// <summary>The region from the option or the environment; null if neither names one and the endpoint is not local.</summary>
    public static string? ResolveRegion(string? option, Uri? endpoint) =>
        option
        ?? Environment.GetEnvironmentVariable("AWS_REGION")
        ?? Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION")
        ?? (endpoint is { IsLoopback: true } ? "us-east-1" : null);

    private static Option<Uri?> Endpoint(string name, string description, params string[] aliases) => new(name, aliases)
    {
        Description = description,
        HelpName = "URL",
        CustomParser = result => ParseEndpoint(result, name),
    };

    private static Uri? ParseEndpoint(ArgumentResult result, string name)
    {
        var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : null;
        if (text is not null
            && Uri.TryCreate(text, UriKind.Absolute, out var uri)
            && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            && !string.IsNullOrEmpty(uri.Host))
        {
            return uri;
        }

        result.AddError($"{name} must be an http:// or https:// URL such as http://127.0.0.1:4567, not '{text}'.");
        return null;
    }
}
