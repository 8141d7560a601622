using System.Net.Http.Headers;
using System.Security.Cryptography;
using Amazon;
using Amazon.Runtime.Signing;

namespace Kinesis.Core.Http;

/// <summary>
/// Signs an <see cref="HttpRequestMessage"/> with AWS Signature Version 4 through AWSSDK.Core's
/// <see cref="AWSSigV4Signer"/>, for one service in one signing region. Keeps a clock offset learned from
/// the service so a machine with a skewed clock can re-sign. Thread-safe.
/// </summary>
/// <remarks>Neither credentials nor signatures are ever written to a log or an exception message.</remarks>
internal sealed class AwsRequestSigner
{
    /// <summary>Smallest difference between our clock and the service's that is worth correcting.</summary>
    internal static readonly TimeSpan MinimumCorrectedSkew = TimeSpan.FromSeconds(5);

    private readonly AwsCredentialsSource credentials;
    private readonly RegionEndpoint region;
    private readonly string service;
    private readonly TimeProvider time;
    private long clockOffsetTicks;

    public AwsRequestSigner(AwsCredentialsSource credentials, string region, string service, TimeProvider time)
    {
        this.credentials = credentials;
        this.region = RegionEndpoint.GetBySystemName(region);
        this.service = service;
        this.time = time;
    }

    /// <summary>The correction added to the local clock when signing.</summary>
    public TimeSpan ClockOffset => TimeSpan.FromTicks(Interlocked.Read(ref clockOffsetTicks));

    /// <summary>Lower-case hex SHA-256 of a request body, as the <c>x-amz-content-sha256</c> header carries it.</summary>
    public static string HashPayload(ReadOnlySpan<byte> body)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(body, hash);
        Span<char> hex = stackalloc char[SHA256.HashSizeInBytes * 2];
        for (var i = 0; i < hash.Length; i++)
        {
            hex[i * 2] = "0123456789abcdef"[hash[i] >> 4];
            hex[(i * 2) + 1] = "0123456789abcdef"[hash[i] & 0xF];
        }

        return new string(hex);
    }

    /// <summary>
    /// Signs <paramref name="request"/>: every header already on it (and its content's Content-Type) is signed,
    /// and the signature headers (Authorization, X-Amz-Date, X-Amz-Content-Sha256, X-Amz-Security-Token) are added.
    /// </summary>
    /// <param name="request">The request, with its final URI and headers.</param>
    /// <param name="payloadSha256">The body's hash from <see cref="HashPayload"/>.</param>
    /// <param name="signedAt">A fixed signing time (test vectors); by default the corrected current time.</param>
    /// <param name="cancellationToken">Cancels credential resolution.</param>
    public Task SignAsync(HttpRequestMessage request, string payloadSha256, DateTime? signedAt = null, CancellationToken cancellationToken = default)
    {
        var signingRequest = new AWSSigningRequest
        {
            HttpMethod = request.Method,
            RequestUri = request.RequestUri ?? throw new ArgumentException("The request has no URI.", nameof(request)),
        };
        foreach (var header in request.Headers)
        {
            signingRequest.Headers[header.Key] = string.Join(',', header.Value);
        }

        if (request.Content?.Headers.ContentType is { } contentType)
        {
            signingRequest.Headers["Content-Type"] = contentType.ToString();
        }

        signingRequest.Headers["x-amz-content-sha256"] = payloadSha256;
        return SignAsync(request, signingRequest, signedAt, cancellationToken);
    }

    /// <summary>
    /// Signs <paramref name="message"/>, which was built from <paramref name="request"/>: its Content-Type and extra
    /// headers are signed as <paramref name="request"/> holds them, without reading them back from the message.
    /// </summary>
    internal Task SignAsync(HttpRequestMessage message, AwsHttpRequest request, CancellationToken cancellationToken)
    {
        var signingRequest = new AWSSigningRequest
        {
            HttpMethod = message.Method,
            RequestUri = message.RequestUri ?? throw new ArgumentException("The request has no URI.", nameof(message)),
        };
        var headers = request.Headers;
        for (var i = 0; i < headers.Count; i++)
        {
            signingRequest.Headers[headers[i].Key] = headers[i].Value;
        }

        signingRequest.Headers["Content-Type"] = request.ContentType;
        signingRequest.Headers["x-amz-content-sha256"] = request.PayloadSha256;
        return SignAsync(message, signingRequest, signedAt: null, cancellationToken);
    }

    private async Task SignAsync(HttpRequestMessage request, AWSSigningRequest signingRequest, DateTime? signedAt, CancellationToken cancellationToken)
    {
        var identity = await credentials.GetAsync(cancellationToken).ConfigureAwait(false);
        var parameters = new AWSSigV4Parameters
        {
            Credentials = identity,
            Region = region,
            Service = service,
            SignedAt = signedAt ?? time.GetUtcNow().UtcDateTime + ClockOffset,
        };
        var result = await AWSSigV4Signer.SignAsync(signingRequest, parameters, cancellationToken).ConfigureAwait(false);
        foreach (var header in result.Headers)
        {
            request.Headers.Remove(header.Key);
            request.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }
    }

    /// <summary>
    /// Learns the clock offset from a response's Date header after the service refused a request as expired or
    /// not yet valid. Returns true when the offset changed enough that re-signing can help.
    /// </summary>
    public bool TryCorrectClock(HttpResponseHeaders responseHeaders)
    {
        if (responseHeaders.Date is not { } serverNow)
        {
            return false;
        }

        var newOffset = serverNow - time.GetUtcNow();
        var oldOffset = ClockOffset;
        if ((newOffset - oldOffset).Duration() < MinimumCorrectedSkew)
        {
            return false;
        }

        Interlocked.Exchange(ref clockOffsetTicks, newOffset.Ticks);
        return true;
    }
}
