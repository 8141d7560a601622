using Kinesis.LocalServices;

namespace Kinesis.IntegrationTests;

/// <summary>
/// Environments for <see cref="ChildProcess"/>, as a shell would give them: changes to the test process's environment,
/// where a null value removes a variable. Each call returns a new dictionary, which a test may extend.
/// </summary>
internal static class ChildEnvironment
{
    /// <summary>The emulators' credentials and region, as a script against them would export them (the standard AWS chain).</summary>
    public static Dictionary<string, string?> StaticCredentials() => new()
    {
        ["AWS_ACCESS_KEY_ID"] = LocalAwsServices.AccessKeyId,
        ["AWS_SECRET_ACCESS_KEY"] = LocalAwsServices.SecretAccessKey,
        ["AWS_REGION"] = LocalAwsServices.Region,
    };

    /// <summary>Nothing of AWS configured: no AWS_* variables, no shared credentials or config file, no instance metadata.</summary>
    public static Dictionary<string, string?> NoAws()
    {
        var environment = new Dictionary<string, string?>();
        foreach (var name in Environment.GetEnvironmentVariables().Keys.Cast<string>().Where(n => n.StartsWith("AWS_", StringComparison.OrdinalIgnoreCase)))
        {
            environment[name] = null;
        }

        var nowhere = Path.Combine(Path.GetTempPath(), $"no-aws-{Guid.NewGuid():N}");
        environment["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(nowhere, "credentials");
        environment["AWS_CONFIG_FILE"] = Path.Combine(nowhere, "config");
        environment["AWS_EC2_METADATA_DISABLED"] = "true";
        return environment;
    }
}
