using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Kinesis.Core.Api;
using Kinesis.LocalServices;
using Kinesis.Testing;

namespace Kinesis.Core.Tests.Api;

/// <summary>An endpoint that cannot be reached fails a call within the connect timeout, not the request timeout.</summary>
public sealed class KinesisApiClientConnectTests
{
    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task ListShards_EndpointAcceptsButNeverCompletesTheHandshake_FailsWithinTheConnectTimeout()
    {
        // The kernel completes the TCP handshake into the listener's backlog; nobody answers the TLS client hello.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var endpoint = new Uri($"https://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}/");
        using var client = new KinesisApiClient(new KinesisApiClientOptions
        {
            Region = LocalAwsServices.Region,
            ServiceUrl = endpoint,
            Credentials = new BasicAWSCredentials(LocalAwsServices.AccessKeyId, LocalAwsServices.SecretAccessKey),
            ConnectTimeout = TimeSpan.FromMilliseconds(500),
            RequestTimeout = KinesisApiClientOptions.MaxRequestTimeout,
        });

        // Far below the request timeout: only the connect timeout can end the call before the deadline.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var ex = await Assert.ThrowsAsync<KinesisApiException>(() => client.ListShardsAsync(new ListShardsRequest { StreamName = "s" }, deadline.Token));

        Assert.Equal(KinesisErrorKind.Network, ex.Kind);
        Assert.True(ex.IsRetryable);
        Assert.Contains("ConnectTimeout", ex.Message, StringComparison.Ordinal);
    }
}
