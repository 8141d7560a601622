using Amazon.Runtime;
using Kinesis.Core.Api;
using Kinesis.LocalServices;

namespace Kinesis.Core.Tests.Api;

/// <summary>Builds clients for the emulators of the shared fixture.</summary>
internal static class ApiTestClients
{
    public static readonly TimeSpan ActiveTimeout = TimeSpan.FromSeconds(60);

    public static KinesisApiClient Create(Uri endpoint, HttpMessageHandler? handler = null, TimeSpan? requestTimeout = null, bool http2 = false, TimeProvider? time = null) =>
        new(new KinesisApiClientOptions
        {
            Region = LocalAwsServices.Region,
            ServiceUrl = endpoint,
            Credentials = new BasicAWSCredentials(LocalAwsServices.AccessKeyId, LocalAwsServices.SecretAccessKey),
            HttpHandler = handler,
            RequestTimeout = requestTimeout ?? KinesisApiClientOptions.DefaultRequestTimeout,
            UseHttp2ForRequests = http2,
            TimeProvider = time ?? TimeProvider.System,
        });

    /// <summary>Creates a provisioned stream and waits until it is ACTIVE.</summary>
    public static async Task<StreamDescriptionSummary> CreateActiveStreamAsync(KinesisApiClient client, string name, int shards)
    {
        await client.CreateStreamAsync(new CreateStreamRequest { StreamName = name, ShardCount = shards });
        return await client.WaitForStreamActiveAsync(name, ActiveTimeout);
    }

    public static byte[] Bytes(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }
}
