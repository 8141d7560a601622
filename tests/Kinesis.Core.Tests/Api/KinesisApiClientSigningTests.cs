using Amazon.Runtime;
using Kinesis.Core.Api;
using Kinesis.Core.Tests.Http;
using Kinesis.LocalServices;
using Kinesis.Testing;

namespace Kinesis.Core.Tests.Api;

/// <summary>
/// What the client puts on the wire for each operation, checked against kinesalite: the operation's own X-Amz-Target, the
/// Content-Type sent as text, and a signature that AWSSDK.Core's signer reproduces from the headers as they were sent
/// (the client feeds the signer from its own request description instead of reading the message back, and keeps one
/// X-Amz-Target header per operation for all requests).
/// </summary>
[Collection(LocalAwsCollection.Name)]
public sealed class KinesisApiClientSigningTests(LocalAwsFixture fixture)
{
    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task Requests_AlternatingOperations_EachSendsItsOwnTargetAndAVerifiableSignature()
    {
        var capture = new CapturingHandler();
        using var client = ApiTestClients.Create(fixture.KinesaliteEndpoint, capture);
        var stream = $"signing-{Guid.NewGuid():N}"[..20];
        await ApiTestClients.CreateActiveStreamAsync(client, stream, 1);

        var iterator = (await client.GetShardIteratorAsync(new GetShardIteratorRequest { StreamName = stream, ShardId = "shardId-000000000000", ShardIteratorType = ShardIteratorType.TrimHorizon })).ShardIterator!;
        var records = await client.GetRecordsAsync(new GetRecordsRequest { ShardIterator = iterator });
        await client.ListShardsAsync(new ListShardsRequest { StreamName = stream });
        await client.GetRecordsAsync(new GetRecordsRequest { ShardIterator = records.NextShardIterator! });

        var sent = capture.Sent.Skip(capture.Sent.Count - 4).ToList();
        Assert.Equal(
            ["Kinesis_20131202.GetShardIterator", "Kinesis_20131202.GetRecords", "Kinesis_20131202.ListShards", "Kinesis_20131202.GetRecords"],
            sent.Select(r => r.Headers["X-Amz-Target"]));
        foreach (var request in sent)
        {
            Assert.Equal("application/x-amz-json-1.1", request.Headers["Content-Type"]);
            var credentials = new BasicAWSCredentials(LocalAwsServices.AccessKeyId, LocalAwsServices.SecretAccessKey);
            Assert.True(
                await SignatureCheck.IsValidAsync(request.Uri, name => request.Headers.GetValueOrDefault(name), request.Body, credentials, LocalAwsServices.Region, KinesisApiClient.SigningServiceName),
                $"The signature of {request.Headers["X-Amz-Target"]} does not verify.");
        }
    }

    private sealed record SentRequest(Uri Uri, Dictionary<string, string> Headers, byte[] Body);

    /// <summary>Records each request's headers (as text, the way they are written) and body, then sends it on.</summary>
    private sealed class CapturingHandler() : DelegatingHandler(new SocketsHttpHandler())
    {
        public List<SentRequest> Sent { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var header in request.Headers.NonValidated)
            {
                headers[header.Key] = header.Value.ToString();
            }

            foreach (var header in request.Content!.Headers.NonValidated)
            {
                headers[header.Key] = header.Value.ToString();
            }

            var body = await request.Content.ReadAsByteArrayAsync(cancellationToken);
            lock (Sent)
            {
                Sent.Add(new SentRequest(request.RequestUri!, headers, body));
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }
}
