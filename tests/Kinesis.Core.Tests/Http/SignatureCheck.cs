using System.Globalization;
using System.Security.Cryptography;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Signing;

namespace Kinesis.Core.Tests.Http;

/// <summary>
/// Checks a received request's SigV4 signature by signing it again with AWSSDK.Core's signer: the same credentials, the
/// time of its X-Amz-Date and the headers its Authorization names, with their values as they were received. Equal
/// Authorization headers mean the signed values are the ones sent.
/// </summary>
internal static class SignatureCheck
{
    /// <summary>True when the request whose headers <paramref name="header"/> returns (by name, case-insensitive) carries a valid signature over <paramref name="body"/>.</summary>
    public static async Task<bool> IsValidAsync(Uri uri, Func<string, string?> header, byte[] body, AWSCredentials credentials, string region, string service)
    {
        var authorization = header("Authorization");
        var date = header("X-Amz-Date");
        if (authorization is null || date is null || header("x-amz-content-sha256") != Convert.ToHexStringLower(SHA256.HashData(body)))
        {
            return false;
        }

        var signing = new AWSSigningRequest { HttpMethod = HttpMethod.Post, RequestUri = uri };
        foreach (var name in authorization.Split("SignedHeaders=")[1].Split(',')[0].Split(';'))
        {
            if (name != "host")
            {
                signing.Headers[name] = header(name) ?? "";
            }
        }

        var parameters = new AWSSigV4Parameters
        {
            Credentials = credentials,
            Region = RegionEndpoint.GetBySystemName(region),
            Service = service,
            SignedAt = DateTime.ParseExact(date, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal),
        };
        var expected = await AWSSigV4Signer.SignAsync(signing, parameters);
        return expected.Headers.Any(h => h.Key == "Authorization" && h.Value == authorization);
    }
}
