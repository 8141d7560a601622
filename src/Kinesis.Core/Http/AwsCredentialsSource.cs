using Amazon.Runtime;
using Amazon.Runtime.Credentials;

namespace Kinesis.Core.Http;

/// <summary>
/// Supplies the credentials to sign with: the ones the caller gave, or the AWS SDK's default chain
/// (environment, profile, SSO, web identity, container and instance metadata), resolved once on first use.
/// </summary>
internal sealed class AwsCredentialsSource
{
    private readonly AWSCredentials? given;
    private readonly SemaphoreSlim resolveLock = new(1, 1);
    private AWSCredentials? resolved;

    public AwsCredentialsSource(AWSCredentials? given) => this.given = given;

    public ValueTask<AWSCredentials> GetAsync(CancellationToken cancellationToken)
    {
        var known = given ?? Volatile.Read(ref resolved);
        return known is not null ? ValueTask.FromResult(known) : new ValueTask<AWSCredentials>(ResolveDefaultAsync(cancellationToken));
    }

    private async Task<AWSCredentials> ResolveDefaultAsync(CancellationToken cancellationToken)
    {
        await resolveLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (resolved is null)
            {
                // The resolver caches and refreshes the credentials it returns; we only keep the handle.
                var resolver = new DefaultAWSCredentialsIdentityResolver();
                var credentials = await resolver.ResolveIdentityAsync(null, cancellationToken).ConfigureAwait(false);
                Volatile.Write(ref resolved, credentials);
            }

            return resolved!;
        }
        finally
        {
            resolveLock.Release();
        }
    }
}
