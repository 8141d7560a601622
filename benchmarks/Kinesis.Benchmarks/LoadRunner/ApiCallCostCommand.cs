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
    public const string Usage = "usage: api-cost [--calls N] [--pace-ms N] [--per-wake N]";

    public static async Task<int> RunAsync(string[] args)
    {
        var calls = 2000;
        var pace = TimeSpan.FromMilliseconds(20);
        var perWake = 1;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            // Each value is a count above zero (a zero --per-wake would divide by zero on the measuring thread).
            var number = int.TryParse(args[i + 1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : (int?)null;
            switch (args[i])
            {
                case "--calls" when number is not null:
                    calls = number.Value;
                    break;
                case "--per-wake" when number is not null:
                    perWake = number.Value;
                    break;
                case "--pace-ms" when number is not null:
                    pace = TimeSpan.FromMilliseconds(number.Value);
                    break;
                default:
                    Console.Error.WriteLine($"api-cost: {args[i]} {args[i + 1]} is not an option with a whole number above 0.");
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
            await MeasureFloorAsync(kinesis, services.Kinesalite.Endpoint, stream, calls, pace, perWake).ConfigureAwait(false);
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

    /// <summary>
    /// The floor under a paced GetRecords: the same empty-shard call made four ways, each paced by one dedicated thread
    /// that sleeps between calls (the cheapest pacing there is: no timer thread, no thread-pool work item), so that the
    /// rows differ only in how the exchange is made: through <see cref="KinesisApiClient"/> (signed, awaited by the
    /// thread), with a bare <see cref="HttpClient"/> (the same request unsigned; kinesalite checks only the form of the
    /// Authorization header), asynchronously and synchronously, and over a plain socket with no HTTP stack at all.
    /// <paramref name="perWake"/> calls follow each other after each sleep, as idle shards polling on one tick do.
    /// </summary>
    private static async Task MeasureFloorAsync(KinesisApiClient kinesis, Uri endpoint, string stream, int calls, TimeSpan pace, int perWake)
    {
        async Task<string> NewIteratorAsync() =>
            (await kinesis.GetShardIteratorAsync(new GetShardIteratorRequest { StreamName = stream, ShardId = "shardId-000000000000", ShardIteratorType = ShardIteratorType.Latest }).ConfigureAwait(false)).ShardIterator;

        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"The floor: {perWake} call(s) every {pace.TotalMilliseconds} ms, one after the other on a thread that sleeps in between; CPU per call"));
        Console.WriteLine("| Exchange | Paced: CPU ms | Thread-pool work items per call |");
        Console.WriteLine("|---|---:|---:|");

        var pacingOnly = MeasureOnThread(calls, pace, perWake, () => { });
        PrintFloor("The thread's sleep alone", pacingOnly);

        var iterator = await NewIteratorAsync().ConfigureAwait(false);
        PrintFloor("KinesisApiClient.GetRecordsAsync (signed), the thread waits for it", MeasureOnThread(calls, pace, perWake, () =>
        {
            iterator = kinesis.GetRecordsAsync(new GetRecordsRequest { ShardIterator = iterator }).GetAwaiter().GetResult().NextShardIterator!;
        }));

        using var http = new HttpClient();
        iterator = await NewIteratorAsync().ConfigureAwait(false);
        PrintFloor("HttpClient.SendAsync, the same request unsigned, the thread waits for it", MeasureOnThread(calls, pace, perWake, () =>
        {
            using var response = http.SendAsync(UnsignedGetRecords(endpoint, iterator)).GetAwaiter().GetResult();
            iterator = NextIterator(response.Content.ReadAsByteArrayAsync().GetAwaiter().GetResult());
        }));

        iterator = await NewIteratorAsync().ConfigureAwait(false);
        PrintFloor("HttpClient.Send (synchronous), unsigned", MeasureOnThread(calls, pace, perWake, () =>
        {
            using var response = http.Send(UnsignedGetRecords(endpoint, iterator));
            using var body = new MemoryStream();
            response.Content.ReadAsStream().CopyTo(body);
            iterator = NextIterator(body.ToArray());
        }));

        iterator = await NewIteratorAsync().ConfigureAwait(false);
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true };
        socket.Connect(endpoint.Host, endpoint.Port);
        var buffer = new byte[64 * 1024];
        PrintFloor("A socket (synchronous), the same bytes, no HTTP stack", MeasureOnThread(calls, pace, perWake, () =>
        {
            iterator = NextIterator(RawExchange(socket, buffer, endpoint, iterator));
        }));
    }

    private static (double CpuMs, double WorkItems) MeasureOnThread(int calls, TimeSpan pace, int perWake, Action call)
    {
        (double, double) result = default;
        var thread = new Thread(() =>
        {
            for (var i = 0; i < calls / 2; i++)
            {
                call();
            }

            using var process = Process.GetCurrentProcess();
            var cpuBefore = process.TotalProcessorTime;
            var workItemsBefore = ThreadPool.CompletedWorkItemCount;
            var measured = calls / 4 / perWake * perWake;
            for (var i = 0; i < measured; i++)
            {
                if (i % perWake == 0)
                {
                    Thread.Sleep(pace);
                }

                call();
            }

            process.Refresh();
            result = ((process.TotalProcessorTime - cpuBefore).TotalMilliseconds / measured, (ThreadPool.CompletedWorkItemCount - workItemsBefore) / (double)measured);
        });
        thread.Start();
        thread.Join();
        return result;
    }

    private static void PrintFloor(string name, (double CpuMs, double WorkItems) figures) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {figures.CpuMs:F3} | {figures.WorkItems:F1} |"));

    private static string UnsignedGetRecordsBody(string iterator) => $"{{\"ShardIterator\":\"{iterator}\"}}";

    private static string UnsignedAuthorization() =>
        $"AWS4-HMAC-SHA256 Credential={LocalAwsServices.AccessKeyId}/20260101/{LocalAwsServices.Region}/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=00";

    private static HttpRequestMessage UnsignedGetRecords(Uri endpoint, string iterator)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new StringContent(UnsignedGetRecordsBody(iterator)) };
        request.Content.Headers.Remove("Content-Type");
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/x-amz-json-1.1");
        request.Headers.TryAddWithoutValidation("X-Amz-Target", "Kinesis_20131202.GetRecords");
        request.Headers.TryAddWithoutValidation("X-Amz-Date", DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation("Authorization", UnsignedAuthorization());
        return request;
    }

    /// <summary>One HTTP/1.1 exchange written and read by hand on a kept-alive socket: measurement only.</summary>
    private static byte[] RawExchange(System.Net.Sockets.Socket socket, byte[] buffer, Uri endpoint, string iterator)
    {
        var body = UnsignedGetRecordsBody(iterator);
        var request = string.Create(CultureInfo.InvariantCulture, $"POST / HTTP/1.1\r\nHost: {endpoint.Authority}\r\nContent-Type: application/x-amz-json-1.1\r\nX-Amz-Target: Kinesis_20131202.GetRecords\r\nX-Amz-Date: {DateTime.UtcNow:yyyyMMdd'T'HHmmss'Z'}\r\nAuthorization: {UnsignedAuthorization()}\r\nContent-Length: {System.Text.Encoding.UTF8.GetByteCount(body)}\r\n\r\n{body}");
        socket.Send(System.Text.Encoding.UTF8.GetBytes(request));
        var received = 0;
        while (true)
        {
            var read = socket.Receive(buffer, received, buffer.Length - received, System.Net.Sockets.SocketFlags.None);
            if (read == 0)
            {
                throw new IOException("kinesalite closed the connection.");
            }

            received += read;
            var headerEnd = buffer.AsSpan(0, received).IndexOf("\r\n\r\n"u8);
            if (headerEnd < 0)
            {
                continue;
            }

            var headers = System.Text.Encoding.ASCII.GetString(buffer, 0, headerEnd);
            var at = headers.IndexOf("Content-Length:", StringComparison.OrdinalIgnoreCase) + "Content-Length:".Length;
            var end = headers.IndexOf('\r', at);
            var length = int.Parse(end < 0 ? headers[at..] : headers[at..end], CultureInfo.InvariantCulture);
            if (received >= headerEnd + 4 + length)
            {
                return buffer[(headerEnd + 4)..(headerEnd + 4 + length)];
            }
        }
    }

    private static string NextIterator(byte[] body)
    {
        using var document = System.Text.Json.JsonDocument.Parse(body);
        return document.RootElement.GetProperty("NextShardIterator").GetString()!;
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
