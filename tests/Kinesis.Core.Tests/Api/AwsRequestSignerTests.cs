using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime;
using Kinesis.Core.Http;
using Kinesis.Testing;

namespace Kinesis.Core.Tests.Api;

/// <summary>
/// The signer wrapper against AWS's published SigV4 examples. AWSSigV4Signer always signs x-amz-content-sha256, so the
/// header-less aws-sig-v4-test-suite vectors (get-vanilla, post-vanilla) are checked through an independent reference
/// implementation that must first reproduce them, and the wrapper must then agree with that reference.
/// </summary>
public sealed class AwsRequestSignerTests
{
    private const string SuiteAccessKey = "AKIDEXAMPLE";
    private const string SuiteSecretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private static readonly DateTime SuiteTime = new(2015, 8, 30, 12, 36, 0, DateTimeKind.Utc);
    private static readonly string EmptyHash = AwsRequestSigner.HashPayload([]);

    [Theory]
    [InlineData("GET", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")]
    [InlineData("POST", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b")]
    public void ReferenceSigner_TestSuiteVanillaVectors_ReproducesPublishedSignatures(string method, string expected)
    {
        var signature = ReferenceSignature(method, "example.amazonaws.com", "/", [("x-amz-date", "20150830T123600Z")], EmptyHash, SuiteSecretKey, SuiteTime, "us-east-1", "service");

        Assert.Equal(expected, signature);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task SignAsync_S3GetObjectDocumentedExample_ReproducesPublishedSignature()
    {
        // The "GET Object" example of the S3 SigV4 documentation: it signs x-amz-content-sha256 as our signer always does.
        var signer = new AwsRequestSigner(new AwsCredentialsSource(new BasicAWSCredentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")), "us-east-1", "s3", TimeProvider.System);
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://examplebucket.s3.amazonaws.com/test.txt");
        request.Headers.TryAddWithoutValidation("Range", "bytes=0-9");

        await signer.SignAsync(request, EmptyHash, new DateTime(2013, 5, 24, 0, 0, 0, DateTimeKind.Utc));

        var authorization = string.Join(",", request.Headers.GetValues("Authorization"));
        Assert.Contains("Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request", authorization, StringComparison.Ordinal);
        Assert.Contains("SignedHeaders=host;range;x-amz-content-sha256;x-amz-date", authorization, StringComparison.Ordinal);
        Assert.EndsWith("Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41", authorization, StringComparison.Ordinal);
        Assert.Equal("20130524T000000Z", request.Headers.GetValues("X-Amz-Date").Single());
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task SignAsync_KinesisJsonPost_AgreesWithReferenceImplementation()
    {
        var signer = new AwsRequestSigner(new AwsCredentialsSource(new BasicAWSCredentials(SuiteAccessKey, SuiteSecretKey)), "eu-west-1", "kinesis", TimeProvider.System);
        var body = Encoding.UTF8.GetBytes("""{"StreamName":"orders"}""");
        var hash = AwsRequestSigner.HashPayload(body);
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://kinesis.eu-west-1.amazonaws.com/") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-amz-json-1.1");
        request.Headers.TryAddWithoutValidation("X-Amz-Target", "Kinesis_20131202.DescribeStreamSummary");

        await signer.SignAsync(request, hash, SuiteTime);

        var expected = ReferenceSignature(
            "POST",
            "kinesis.eu-west-1.amazonaws.com",
            "/",
            [("content-type", "application/x-amz-json-1.1"), ("x-amz-content-sha256", hash), ("x-amz-date", "20150830T123600Z"), ("x-amz-target", "Kinesis_20131202.DescribeStreamSummary")],
            hash,
            SuiteSecretKey,
            SuiteTime,
            "eu-west-1",
            "kinesis");
        var authorization = string.Join(",", request.Headers.GetValues("Authorization"));
        Assert.Contains("SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-target", authorization, StringComparison.Ordinal);
        Assert.EndsWith("Signature=" + expected, authorization, StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task SignAsync_SessionCredentials_SendsAndSignsSecurityToken()
    {
        var signer = new AwsRequestSigner(new AwsCredentialsSource(new SessionAWSCredentials(SuiteAccessKey, SuiteSecretKey, "session-token-value")), "us-east-1", "kinesis", TimeProvider.System);
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://kinesis.us-east-1.amazonaws.com/");

        await signer.SignAsync(request, EmptyHash, SuiteTime);

        Assert.Equal("session-token-value", request.Headers.GetValues("X-Amz-Security-Token").Single());
        Assert.Contains("x-amz-security-token", string.Join(",", request.Headers.GetValues("Authorization")), StringComparison.Ordinal);
    }

    [Fact]
    public void TryCorrectClock_ServerDateFarAhead_LearnsOffsetOnce()
    {
        var time = new FixedTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var signer = new AwsRequestSigner(new AwsCredentialsSource(new BasicAWSCredentials("a", "b")), "us-east-1", "kinesis", time);
        using var response = new HttpResponseMessage();
        response.Headers.Date = time.GetUtcNow().AddMinutes(20);

        Assert.True(signer.TryCorrectClock(response.Headers));
        Assert.Equal(TimeSpan.FromMinutes(20), signer.ClockOffset);
        Assert.False(signer.TryCorrectClock(response.Headers));
    }

    /// <summary>A from-the-specification SigV4 implementation, independent of AWSSDK.Core.</summary>
    internal static string ReferenceSignature(string method, string host, string path, (string Name, string Value)[] headers, string payloadHash, string secret, DateTime at, string region, string service)
    {
        var all = headers.Append(("host", host)).OrderBy(h => h.Item1, StringComparer.Ordinal).ToArray();
        var canonicalHeaders = string.Concat(all.Select(h => $"{h.Item1}:{h.Item2.Trim()}\n"));
        var signedHeaders = string.Join(';', all.Select(h => h.Item1));
        var canonicalRequest = $"{method}\n{path}\n\n{canonicalHeaders}\n{signedHeaders}\n{payloadHash}";
        var date = at.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture);
        var scope = $"{date}/{region}/{service}/aws4_request";
        var stringToSign = $"AWS4-HMAC-SHA256\n{at:yyyyMMdd'T'HHmmss'Z'}\n{scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)))}";
        var key = Hmac(Encoding.UTF8.GetBytes("AWS4" + secret), date);
        key = Hmac(key, region);
        key = Hmac(key, service);
        key = Hmac(key, "aws4_request");
        return Hex(Hmac(key, stringToSign));
    }

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));

    private static string Hex(byte[] bytes) => Convert.ToHexString(bytes).ToLowerInvariant();

    private sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
