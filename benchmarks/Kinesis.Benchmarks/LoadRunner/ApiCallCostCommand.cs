using System.Diagnostics;
using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Kinesis.Client;
using Kinesis.Client.Leases;
using Kinesis.Core.Api;
using Kinesis.LocalServices;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kinesis.Benchmarks.LoadRunner;

/// <summary>
/// The CPU and allocations of the single calls an idle worker makes (docs/worker-cost.md), each measured in a warm
/// process against the local emulators (separate processes, so the figure is the client's alone): a GetRecords on an
/// empty shard (kinesalite) and a lease renewal, a conditional UpdateItem through the AWS SDK (dynalite). Each call is
/// measured back to back and paced (one call per <c>--pace-ms</c>, so the wake-ups of an idle process are in it; the
/// pace's own timer wake-up is measured alone and shown beside). The renewal is also measured with a few client settings
/// that could make the AWS SDK's pipeline cheaper.
/// </summary>
internal static class ApiCallCostCommand
{
    public const string Usage = "usage: api-cost [--calls N] [--pace-ms N]";

    public static async Task<int> RunAsync(string[] args)
    {
        var calls = 2000;
        var pace = TimeSpan.FromMilliseconds(20);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--calls":
                    calls = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
                    break;
                case "--pace-ms":
                    pace = TimeSpan.FromMilliseconds(int.Parse(args[i + 1], CultureInfo.InvariantCulture));
                    break;
                default:
                    Console.Error.WriteLine(Usage);
                    return 2;
            }
        }

        Console.WriteLine("Starting kinesalite and dynalite on 127.0.0.1 ...");
        var services = await LocalAwsServices.StartAsync([LocalServiceKind.Kinesalite, LocalServiceKind.Dynalite], CancellationToken.None).ConfigureAwait(false);
        try
        {
            var credentials = new BasicAWSCredentials(LocalAwsServices.AccessKeyId, LocalAwsServices.SecretAccessKey);
            using var kinesis = new KinesisApiClient(new KinesisApiClientOptions { Region = LocalAwsServices.Region, ServiceUrl = services.Kinesalite.Endpoint, Credentials = credentials });
            var stream = $"cost-{Guid.NewGuid():N}"[..24];
            await kinesis.CreateStreamAsync(new CreateStreamRequest { StreamName = stream, ShardCount = 1 }).ConfigureAwait(false);
            await kinesis.WaitForStreamActiveAsync(stream, TimeSpan.FromSeconds(120)).ConfigureAwait(false);
            var iterator = (await kinesis.GetShardIteratorAsync(new GetShardIteratorRequest { StreamName = stream, ShardId = "shardId-000000000000", ShardIteratorType = ShardIteratorType.Latest }).ConfigureAwait(false)).ShardIterator;

            var config = new AmazonDynamoDBConfig { ServiceURL = services.Dynalite.Endpoint.ToString(), AuthenticationRegion = LocalAwsServices.Region };
            using var dynamoDb = new AmazonDynamoDBClient(credentials, config);
            var refresher = new DynamoDbLeaseRefresher(dynamoDb, $"cost-{Guid.NewGuid():N}"[..24], new LeaseManagementOptions(), TimeProvider.System, NullLogger.Instance);
            await refresher.CreateTableIfNotExistsAsync().ConfigureAwait(false);
            var lease = new Lease { LeaseKey = "shardId-000000000000", LeaseOwner = "worker-1", Checkpoint = ExtendedSequenceNumber.TrimHorizon };
            await refresher.CreateLeaseIfNotExistsAsync(lease).ConfigureAwait(false);

            Console.WriteLine($"{calls} calls each, after {calls / 2} to warm up; paced: one call every {pace.TotalMilliseconds} ms");
            Console.WriteLine("| Call | Back to back: CPU ms | Paced: CPU ms | Allocated KB |");
            Console.WriteLine("|---|---:|---:|---:|");
            await MeasureAsync("await Task.Delay (the pace's wake-up alone)", calls, pace, measureBackToBack: false, () => Task.CompletedTask).ConfigureAwait(false);
            await MeasureAsync("GetRecords, empty shard (KinesisApiClient)", calls, pace, measureBackToBack: true, async () =>
            {
                var response = await kinesis.GetRecordsAsync(new GetRecordsRequest { ShardIterator = iterator! }).ConfigureAwait(false);
                iterator = response.NextShardIterator;
            }).ConfigureAwait(false);
            await MeasureAsync("Lease renewal (UpdateItem, AWS SDK)", calls, pace, measureBackToBack: true, async () =>
            {
                lease = await refresher.TryRenewLeaseAsync(lease).ConfigureAwait(false) ?? throw new InvalidOperationException("The lease was lost.");
            }).ConfigureAwait(false);
            foreach (var (variant, configure) in Variants())
            {
                var variantConfig = new AmazonDynamoDBConfig { ServiceURL = services.Dynalite.Endpoint.ToString(), AuthenticationRegion = LocalAwsServices.Region };
                configure(variantConfig);
                using var variantClient = new AmazonDynamoDBClient(credentials, variantConfig);
                var variantRefresher = new DynamoDbLeaseRefresher(variantClient, refresher.TableName, new LeaseManagementOptions(), TimeProvider.System, NullLogger.Instance);
                lease = (await variantRefresher.GetLeaseAsync(lease.LeaseKey).ConfigureAwait(false))!;
                await MeasureAsync("Lease renewal, " + variant, calls, pace, measureBackToBack: true, async () =>
                {
                    lease = await variantRefresher.TryRenewLeaseAsync(lease).ConfigureAwait(false) ?? throw new InvalidOperationException("The lease was lost.");
                }).ConfigureAwait(false);
            }
            return 0;
        }
        finally
        {
            await services.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static IEnumerable<(string Name, Action<AmazonDynamoDBConfig> Configure)> Variants()
    {
        yield return ("DisableLogging", c => c.DisableLogging = true);
        yield return ("cached endpoint", c => c.EndpointProvider = new CachedEndpoint(new Amazon.DynamoDBv2.Internal.AmazonDynamoDBEndpointProvider()));
        yield return ("checksum when required", c => c.ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED);
        yield return ("account id endpoint disabled", c => c.AccountIdEndpointMode = AccountIdEndpointMode.DISABLED);
        yield return ("default config again (after the variants: tiering done)", _ => { });
    }

    // An experiment only: one endpoint for every request, right for this fixed table and endpoint, not in general.
    private sealed class CachedEndpoint(Amazon.Runtime.Endpoints.IEndpointProvider inner) : Amazon.Runtime.Endpoints.IEndpointProvider
    {
        private Amazon.Runtime.Endpoints.Endpoint? cached;

        public Amazon.Runtime.Endpoints.Endpoint ResolveEndpoint(Amazon.Runtime.Endpoints.EndpointParameters parameters) => cached ??= inner.ResolveEndpoint(parameters);
    }

    private static async Task MeasureAsync(string name, int calls, TimeSpan pace, bool measureBackToBack, Func<Task> call)
    {
        for (var i = 0; i < calls / 2; i++)
        {
            await call().ConfigureAwait(false);
        }

        var backToBack = "";
        if (measureBackToBack)
        {
            var (cpu, _) = await RunAsync(calls, TimeSpan.Zero, call).ConfigureAwait(false);
            backToBack = cpu.ToString("F3", CultureInfo.InvariantCulture);
        }

        var (pacedCpu, allocated) = await RunAsync(calls / 4, pace, call).ConfigureAwait(false);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {backToBack} | {pacedCpu:F3} | {allocated:F1} |"));
    }

    private static async Task<(double CpuMs, double AllocatedKb)> RunAsync(int calls, TimeSpan pace, Func<Task> call)
    {
        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        for (var i = 0; i < calls; i++)
        {
            if (pace > TimeSpan.Zero)
            {
                await Task.Delay(pace).ConfigureAwait(false);
            }

            await call().ConfigureAwait(false);
        }

        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        process.Refresh();
        return ((process.TotalProcessorTime - cpuBefore).TotalMilliseconds / calls, allocated / 1024.0 / calls);
    }
}
