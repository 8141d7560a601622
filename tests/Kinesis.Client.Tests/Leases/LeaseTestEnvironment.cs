using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Kinesis.Client.Leases;
using Kinesis.LocalServices;
using Kinesis.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kinesis.Client.Tests.Leases;

/// <summary>A DynamoDB client on dynalite with a counting/fault-injecting handler, and a unique lease table per test.</summary>
internal sealed class LeaseTestEnvironment : IDisposable
{
    public LeaseTestEnvironment(LocalAwsFixture fixture, LeaseManagementOptions? options = null)
    {
        Handler = new DynamoDbTestHandler();
        var config = new AmazonDynamoDBConfig
        {
            ServiceURL = fixture.DynaliteEndpoint.ToString(),
            AuthenticationRegion = LocalAwsServices.Region,

            // The lease layer's own backoff is under test; the SDK's retries would hide the injected faults.
            MaxErrorRetry = 0,
            HttpClientFactory = new HandlerHttpClientFactory(Handler),
        };
        Client = new AmazonDynamoDBClient(new BasicAWSCredentials(LocalAwsServices.AccessKeyId, LocalAwsServices.SecretAccessKey), config);
        TableName = LocalAwsFixture.UniqueName("leases");
        Options = options ?? CreateOptions();
    }

    public DynamoDbTestHandler Handler { get; }

    public AmazonDynamoDBClient Client { get; }

    public string TableName { get; }

    public LeaseManagementOptions Options { get; }

    /// <summary>Default KCL timings, fast table polling and retries (they run on the real clock).</summary>
    public static LeaseManagementOptions CreateOptions() => new()
    {
        TableActivePollInterval = TimeSpan.FromMilliseconds(20),
        RetryBaseDelay = TimeSpan.FromMilliseconds(5),
        RetryMaxDelay = TimeSpan.FromMilliseconds(50),
    };

    public DynamoDbLeaseRefresher CreateRefresher(ILogger? logger = null) =>
        new(Client, TableName, Options, TimeProvider.System, logger ?? NullLogger.Instance);

    public async Task<DynamoDbLeaseRefresher> CreateTableAsync(CancellationToken cancellationToken = default)
    {
        var refresher = CreateRefresher();
        await refresher.CreateTableIfNotExistsAsync(cancellationToken);
        return refresher;
    }

    /// <summary>Creates <paramref name="count"/> unowned leases shard-000000000000 … at TRIM_HORIZON.</summary>
    public static async Task<IReadOnlyList<string>> CreateLeasesAsync(ILeaseRefresher refresher, int count)
    {
        var keys = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var key = $"shardId-{i:D12}";
            await refresher.CreateLeaseIfNotExistsAsync(Lease.CreateNew(key, ExtendedSequenceNumber.TrimHorizon));
            keys.Add(key);
        }

        return keys;
    }

    public LeaseCoordinator CreateCoordinator(string workerId, TimeProvider clock, int seed, ILoggerFactory? loggerFactory = null) =>
        new(CreateRefresher(), workerId, Options, clock, loggerFactory, new Random(seed));

    public void Dispose() => Client.Dispose();
}
