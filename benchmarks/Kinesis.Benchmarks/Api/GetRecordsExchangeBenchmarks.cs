using System.Net.Http.Headers;
using System.Text;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Signing;
using BenchmarkDotNet.Attributes;
using Kinesis.Core.Api;
using Kinesis.Core.Http;

namespace Kinesis.Benchmarks.Api;

/// <summary>
/// One GetRecords exchange on an empty shard, the call an idle worker makes per shard per poll: the request written,
/// signed (SigV4, AWSSDK.Core's signer), sent over a kept-alive HTTP/1.1 connection to a loopback server that answers
/// at once, and the response parsed. <see cref="UnsignedPost"/> is the floor: the same exchange through a bare
/// <see cref="HttpMessageInvoker"/> on the same handler settings, unsigned and unparsed. <see cref="Sign"/> is the
/// signing alone as the client does it, <see cref="SdkSigner"/> the SDK's signer alone. The server runs in the process and allocates nothing per request.
/// </summary>
[MemoryDiagnoser]
public class GetRecordsExchangeBenchmarks
{
    private static readonly BasicAWSCredentials Credentials = new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");

    // A real Kinesis shard iterator is about 200-300 characters of base64.
    private static readonly string Iterator = "AAAAAAAAAAH" + new string('x', 260);

    private LoopbackHttpServer? server;
    private KinesisApiClient? client;
    private HttpMessageInvoker? bare;
    private AwsRequestSigner? signer;
    private GetRecordsRequest request = new() { ShardIterator = Iterator };
    private byte[] requestBody = [];
    private string requestBodyHash = "";

    /// <summary>Starts the loopback server and the clients.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var body = Encoding.UTF8.GetBytes($"{{\"Records\":[],\"NextShardIterator\":\"{Iterator}\",\"MillisBehindLatest\":0,\"ChildShards\":[]}}");
        server = new LoopbackHttpServer("application/x-amz-json-1.1", body);
        var credentials = Credentials;
        client = new KinesisApiClient(new KinesisApiClientOptions { Region = "us-east-1", ServiceUrl = server.Endpoint, Credentials = credentials });
        bare = new HttpMessageInvoker(AwsHttpSender.CreateDefaultHandler(8, TimeSpan.FromSeconds(5)));
        signer = new AwsRequestSigner(new AwsCredentialsSource(credentials), "us-east-1", KinesisApiClient.SigningServiceName, TimeProvider.System);
        request = new GetRecordsRequest { ShardIterator = Iterator, Limit = 10000 };
        requestBody = Encoding.UTF8.GetBytes($"{{\"ShardIterator\":\"{Iterator}\",\"Limit\":10000}}");
        requestBodyHash = AwsRequestSigner.HashPayload(requestBody);
    }

    /// <summary>Stops the server and the clients.</summary>
    [GlobalCleanup]
    public async Task Cleanup()
    {
        client?.Dispose();
        bare?.Dispose();
        if (server is not null)
        {
            await server.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The whole call through <see cref="KinesisApiClient"/>.</summary>
    [Benchmark(Baseline = true)]
    public Task<GetRecordsResponse> EmptyGetRecords() => client!.GetRecordsAsync(request);

    /// <summary>The same bytes posted without signing or parsing.</summary>
    [Benchmark]
    public async Task<int> UnsignedPost()
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, server!.Endpoint) { Content = new ByteArrayContent(requestBody) };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-amz-json-1.1");
        message.Headers.TryAddWithoutValidation("X-Amz-Target", "Kinesis_20131202.GetRecords");
        using var response = await bare!.SendAsync(message, CancellationToken.None).ConfigureAwait(false);
        var bytes = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
        return bytes.Length;
    }

    /// <summary>AWSSDK.Core's <see cref="AWSSigV4Signer"/> alone, given the three headers the client signs: the floor of signing.</summary>
    [Benchmark]
    public Task<AWSSigningResult> SdkSigner()
    {
        var signing = new AWSSigningRequest { HttpMethod = HttpMethod.Post, RequestUri = server!.Endpoint };
        signing.Headers["X-Amz-Target"] = "Kinesis_20131202.GetRecords";
        signing.Headers["Content-Type"] = "application/x-amz-json-1.1";
        signing.Headers["x-amz-content-sha256"] = requestBodyHash;
        return AWSSigV4Signer.SignAsync(signing, new AWSSigV4Parameters { Credentials = Credentials, Region = RegionEndpoint.USEast1, Service = KinesisApiClient.SigningServiceName, SignedAt = DateTime.UtcNow });
    }

    /// <summary>Signing a request alone (the request message built as the client builds it).</summary>
    [Benchmark]
    public async Task<HttpRequestMessage> Sign()
    {
        var message = new HttpRequestMessage(HttpMethod.Post, server!.Endpoint) { Content = new ByteArrayContent(requestBody) };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-amz-json-1.1");
        message.Headers.TryAddWithoutValidation("X-Amz-Target", "Kinesis_20131202.GetRecords");
        await signer!.SignAsync(message, requestBodyHash).ConfigureAwait(false);
        return message;
    }
}
