namespace Kinesis.Core.Http;

/// <summary>
/// A request body that is written to the connection as it is produced instead of being held whole in memory: its length
/// and SHA-256 (for SigV4) are known before it is sent, and it can be written again (a re-sent request) with the same bytes.
/// </summary>
internal abstract class AwsStreamedBody
{
    /// <summary>The body's length in bytes.</summary>
    public abstract long Length { get; }

    /// <summary>The lowercase hex SHA-256 of the body, as <see cref="AwsRequestSigner.HashPayload"/> gives it.</summary>
    public abstract string PayloadSha256 { get; }

    /// <summary>Writes the body to <paramref name="stream"/>: exactly <see cref="Length"/> bytes that hash to <see cref="PayloadSha256"/>.</summary>
    public abstract Task WriteToAsync(Stream stream, CancellationToken cancellationToken);
}
