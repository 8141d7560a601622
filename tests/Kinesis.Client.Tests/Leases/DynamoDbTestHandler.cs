using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Amazon.Runtime;

namespace Kinesis.Client.Tests.Leases;

/// <summary>
/// Sits in the DynamoDB client's HTTP pipeline: counts requests per operation and injects faults (throttling,
/// 5xx) in front of the real dynalite, so the SDK's real (de)serialization runs.
/// </summary>
internal sealed class DynamoDbTestHandler : DelegatingHandler
{
    private readonly ConcurrentDictionary<string, int> counts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> pendingFaults = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> pendingLostResponses = new(StringComparer.Ordinal);
    private volatile bool failEverything;

    public DynamoDbTestHandler()
        : base(new SocketsHttpHandler())
    {
    }

    /// <summary>The error code of injected faults.</summary>
    public string FaultType { get; set; } = "ProvisionedThroughputExceededException";

    /// <summary>Fails every request with a 500 while set.</summary>
    public bool FailEverything
    {
        get => failEverything;
        set => failEverything = value;
    }

    /// <summary>While set, UpdateItem requests wait for this task (or for their cancellation) before going out.</summary>
    public Task? HoldUpdates { get; set; }

    public int Count(string operation) => counts.GetValueOrDefault(operation);

    public int Total => counts.Values.Sum();

    public void ResetCounts() => counts.Clear();

    /// <summary>The next <paramref name="times"/> requests of <paramref name="operation"/> (e.g. "UpdateItem") fail with <see cref="FaultType"/>.</summary>
    public void InjectFaults(string operation, int times) => pendingFaults[operation] = times;

    /// <summary>The next <paramref name="times"/> requests of <paramref name="operation"/> reach dynalite, but their responses are replaced by a 500.</summary>
    public void InjectLostResponses(string operation, int times) => pendingLostResponses[operation] = times;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var target = request.Headers.TryGetValues("X-Amz-Target", out var values) ? values.First() : string.Empty;
        var operation = target[(target.IndexOf('.', StringComparison.Ordinal) + 1)..];
        counts.AddOrUpdate(operation, 1, (_, n) => n + 1);
        if (failEverything)
        {
            return Error(HttpStatusCode.InternalServerError, "InternalServerError");
        }

        if (operation == "UpdateItem" && HoldUpdates is { } hold)
        {
            await hold.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        while (pendingFaults.TryGetValue(operation, out var left) && left > 0)
        {
            if (pendingFaults.TryUpdate(operation, left - 1, left))
            {
                return Error(HttpStatusCode.BadRequest, FaultType);
            }
        }

        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        while (pendingLostResponses.TryGetValue(operation, out var left) && left > 0)
        {
            if (pendingLostResponses.TryUpdate(operation, left - 1, left))
            {
                response.Dispose();
                return Error(HttpStatusCode.InternalServerError, "InternalServerError");
            }
        }

        return response;
    }

    private static HttpResponseMessage Error(HttpStatusCode status, string type) => new(status)
    {
        Content = new StringContent(
            $$"""{"__type":"com.amazonaws.dynamodb.v20120810#{{type}}","message":"injected by the test"}""",
            Encoding.UTF8,
            "application/x-amz-json-1.0"),
    };
}

/// <summary>Makes the AWS SDK send through a given handler.</summary>
internal sealed class HandlerHttpClientFactory(HttpMessageHandler handler) : HttpClientFactory
{
    public override HttpClient CreateHttpClient(IClientConfig clientConfig) => new(handler, disposeHandler: false);

    public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => true;

    public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;

    public override string GetConfigUniqueString(IClientConfig clientConfig) => $"test-handler-{handler.GetHashCode()}";
}
