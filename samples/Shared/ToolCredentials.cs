using Amazon.Runtime;
using Amazon.Runtime.Credentials;

namespace Kinesis.Samples.Shared;

/// <summary>
/// Credentials for a tool: the standard AWS chain; with only loopback endpoints and nothing configured, dummy
/// credentials (emulators accept any), said once on stderr. A missing-credentials error is one line with the fix.
/// </summary>
internal static class ToolCredentials
{
    /// <summary>The fix printed when no credentials are found for a real endpoint.</summary>
    public const string MissingHint =
        "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run where an IAM role is available";

    /// <summary>
    /// Resolves credentials for the given endpoints. Returns null with <paramref name="error"/> set when none are found
    /// and an endpoint is not local.
    /// </summary>
    public static AWSCredentials? Resolve(string tool, TextWriter log, out string? error, params Uri?[] endpoints)
    {
        error = null;
        var allLocal = endpoints.Length > 0 && endpoints.All(e => e is { IsLoopback: true });
        if (allLocal && !AnythingConfigured())
        {
            log.WriteLine($"{tool}: no AWS credentials configured; using dummy credentials for the local endpoint");
            return new BasicAWSCredentials("local", "local");
        }

        try
        {
            return DefaultAWSCredentialsIdentityResolver.GetCredentials();
        }
        catch (Exception ex) when (ex is AmazonClientException or AmazonServiceException)
        {
            if (allLocal)
            {
                log.WriteLine($"{tool}: the configured AWS credentials could not be loaded; using dummy credentials for the local endpoint");
                return new BasicAWSCredentials("local", "local");
            }

            error = MissingHint;
            return null;
        }
    }

    // Without any of these the default chain would only probe the instance metadata service, which takes seconds
    // off EC2; for an emulator that is wasted time.
    private static bool AnythingConfigured()
    {
        foreach (var variable in new[] { "AWS_ACCESS_KEY_ID", "AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI" })
        {
            if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(variable)))
            {
                return true;
            }
        }

        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var files = new[]
        {
            Environment.GetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE") ?? Path.Combine(home, ".aws", "credentials"),
            Environment.GetEnvironmentVariable("AWS_CONFIG_FILE") ?? Path.Combine(home, ".aws", "config"),
        };
        return files.Any(File.Exists);
    }
}
