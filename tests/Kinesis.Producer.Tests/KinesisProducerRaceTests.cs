using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Kinesis.Core.Api;
using Kinesis.Testing;
using Xunit.Abstractions;

namespace Kinesis.Producer.Tests;

/// <summary>
/// The producer under everything at once, as a busy service sees it: many threads putting, throttles, 5xx, connection
/// resets, partial PutRecords failures, records acknowledged on another shard than predicted, an HTTP handler that throws,
/// cancelled waits for room, flushes while retries run, a short time-to-live and a dispose mid-flight. Each record's task
/// must complete exactly once, and nothing may reach the process's unhandled or unobserved exception events.
/// </summary>
[Collection(LocalAwsCollection.Name)]
public sealed class KinesisProducerRaceTests(LocalAwsFixture fixture, ITestOutputHelper output)
{
    // Chaos lasts at least the first, until enough faults fired (a loaded machine sends little), at most the second.
    private static readonly TimeSpan MinChaos = TimeSpan.FromSeconds(4);
    private static readonly TimeSpan MaxChaos = TimeSpan.FromSeconds(30);

    [Theory(Timeout = TestTimeouts.Integration)]
    [InlineData(ProducerOrdering.Relaxed)]
    [InlineData(ProducerOrdering.StrictPerShard)]
    public async Task PutAsync_ManyThreadsUnderFaultsFlushesAndDisposeMidFlight_EveryTaskCompletesOnceAndNothingEscapes(ProducerOrdering ordering)
    {
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        var stream = LocalAwsFixture.UniqueName("producer-race");
        await LocalKinesis.CreateStreamAsync(client, stream, shardCount: 8);
        var shardIds = (await client.ListShardsAsync(new ListShardsRequest { StreamName = stream })).Shards.Select(s => s.ShardId).ToArray();

        var escaped = new ConcurrentQueue<Exception>();
        UnhandledExceptionEventHandler onUnhandled = (_, e) => escaped.Enqueue((Exception)e.ExceptionObject);
        EventHandler<UnobservedTaskExceptionEventArgs> onUnobserved = (_, e) =>
        {
            // Other tests of the assembly run alongside: only what the producer itself left unobserved counts (this test
            // observes every record task it gets).
            if (e.Exception.InnerExceptions.Any(inner => inner is not UserRecordFailedException and not OperationCanceledException))
            {
                escaped.Enqueue(e.Exception);
            }
        };
        AppDomain.CurrentDomain.UnhandledException += onUnhandled;
        TaskScheduler.UnobservedTaskException += onUnobserved;
        try
        {
            var partial = new PutRecordsFaultHandler
            {
                RecordFault = (_, _) => Roll(0.15) ? (Roll(0.5) ? "ProvisionedThroughputExceededException" : "InternalFailure") : null,
            };
            var chaos = new ChaosHandler(partial, shardIds);
            using var faults = new FaultInjectionHandler(chaos)
                .When(r => IsPutRecords(r) && Roll(0.08), Fault.AwsError(HttpStatusCode.BadRequest, "ProvisionedThroughputExceededException"), int.MaxValue)
                .When(r => IsPutRecords(r) && Roll(0.08), Fault.AwsError(HttpStatusCode.InternalServerError, "InternalFailure"), int.MaxValue)
                .When(_ => Roll(0.04), Fault.Reset(), int.MaxValue);

            var producer = new KinesisProducer(ProducerTestKit.Options(fixture.KinesisLocalEndpoint, faults, o =>
            {
                o.Ordering = ordering;
                o.RecordTtl = TimeSpan.FromSeconds(2);
                o.RecordMaxBufferedTime = TimeSpan.FromMilliseconds(10);
                o.AggregationMaxSize = 2048;
                o.CollectionMaxCount = 25;
                o.MaxConnections = 4;
                o.MaxOutstandingRecords = 2000;
                o.FullMode = ProducerFullMode.Wait;
                o.RequestTimeout = TimeSpan.FromSeconds(2);
                o.ShardMapRefreshInterval = TimeSpan.FromSeconds(1);
                o.ShutdownTimeout = TimeSpan.FromMilliseconds(300);
            }));

            var puts = new ConcurrentQueue<Task<UserRecordResult>>();
            var flushes = new ConcurrentQueue<Task>();
            var tokens = new ConcurrentQueue<CancellationTokenSource>();
            using var stop = new CancellationTokenSource();
            var putters = Enumerable.Range(0, 6).Select(thread => Task.Run(async () =>
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    var token = CancellationToken.None;
                    if (Roll(0.1))
                    {
                        // A caller that gives up waiting for room after a few milliseconds.
                        var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(Random.Shared.Next(0, 5)));
                        tokens.Enqueue(cancel);
                        token = cancel.Token;
                    }

                    try
                    {
                        puts.Enqueue(producer.PutAsync(stream, $"key-{thread}-{i % 40}", ProducerTestKit.Payload("k", i), cancellationToken: token));
                    }
                    catch (ObjectDisposedException)
                    {
                        return;
                    }
                    catch (OperationCanceledException)
                    {
                        // Cancelled before it was queued for room: no task to wait for.
                    }

                    if (i % 20 == 0)
                    {
                        // Bursts with pauses: busy enough to race, not so busy that the producer gets no CPU to send.
                        await Task.Delay(Random.Shared.Next(1, 10));
                    }
                }
            })).ToArray();

            var flusher = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 200)));
                    tokens.Enqueue(cancel);
                    var flush = producer.FlushAsync(Roll(0.5) ? cancel.Token : CancellationToken.None);
                    flushes.Enqueue(flush);
                    await Task.WhenAny(flush, Task.Delay(Random.Shared.Next(5, 100)));
                }
            });

            await Task.Delay(MinChaos);
            var chaosEnds = DateTime.UtcNow + MaxChaos - MinChaos;
            while (DateTime.UtcNow < chaosEnds && (chaos.Thrown < 2 || chaos.Rewritten < 5 || partial.PutRecordsCalls < 20))
            {
                await Task.Delay(100);
            }

            // Disposed while the threads still put, requests are in flight and records wait out backoffs.
            await producer.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            await stop.CancelAsync();
            await Task.WhenAll(putters).WaitAsync(TimeSpan.FromSeconds(10));
            await flusher.WaitAsync(TimeSpan.FromSeconds(10));

            // Every task completes (nothing stranded), with a result, a failure naming its cause, or a cancellation.
            var all = puts.ToArray();
            var completed = await Task.WhenAll(all.Select(ObserveAsync)).WaitAsync(TimeSpan.FromSeconds(20));
            var byOutcome = completed.GroupBy(outcome => outcome).ToDictionary(g => g.Key, g => g.Count());
            output.WriteLine($"{ordering}: {all.Length} records ({string.Join(", ", byOutcome.Select(o => $"{o.Key} {o.Value}"))}), {flushes.Count} flushes, {faults.RequestCount} requests, {partial.PutRecordsCalls} PutRecords answered, handler threw {chaos.Thrown} times, {chaos.Rewritten} records reported on another shard");
            Assert.True(byOutcome.GetValueOrDefault("put") > 0, $"nothing was put: {string.Join(", ", byOutcome)}");
            Assert.True(byOutcome.Keys.Any(k => k != "put"), $"no fault reached a record: {string.Join(", ", byOutcome)}");
            Assert.DoesNotContain(completed, outcome => outcome.StartsWith("unexpected", StringComparison.Ordinal));

            // Flushes complete: those not cancelled succeed once the records before them are resolved.
            await Task.WhenAll(flushes.Select(f => f.ContinueWith(_ => { }, TaskScheduler.Default))).WaitAsync(TimeSpan.FromSeconds(10));
            Assert.All(flushes, f => Assert.True(f.IsCompletedSuccessfully || f.IsCanceled, $"flush ended {f.Status}: {f.Exception}"));

            // Exactly once: no second completion was attempted, and every record's room came back exactly once.
            Assert.Equal(0, producer.DuplicateCompletions);
            Assert.Equal(0, producer.OutstandingRecords);
            Assert.Equal(0, producer.OutstandingBytes);

            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            GC.WaitForPendingFinalizers();
            Assert.True(escaped.IsEmpty, string.Join(Environment.NewLine, escaped));

            // The faults did reach the paths under test.
            Assert.True(chaos.Thrown > 0 && chaos.Rewritten > 0, $"the chaos handler threw {chaos.Thrown} times and moved {chaos.Rewritten} records");

            while (tokens.TryDequeue(out var token))
            {
                token.Dispose();
            }
        }
        finally
        {
            AppDomain.CurrentDomain.UnhandledException -= onUnhandled;
            TaskScheduler.UnobservedTaskException -= onUnobserved;
        }
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task PutAsync_HttpHandlerThrowsOnEveryListShards_RecordsAreSentWithoutShardPrediction()
    {
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        var stream = LocalAwsFixture.UniqueName("producer-map-throws");
        await LocalKinesis.CreateStreamAsync(client, stream, shardCount: 2);
        using var handler = new ListShardsThrowingHandler();

        // A map load that threw anything but an API error used to leave the records waiting for a map forever.
        await using var producer = new KinesisProducer(ProducerTestKit.Options(fixture.KinesisLocalEndpoint, handler));
        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => producer.PutAsync(stream, $"k{i}", ProducerTestKit.Payload("k", i))))
            .WaitAsync(TimeSpan.FromSeconds(30));

        Assert.All(results, r => Assert.True(r.IsSuccessful));
        Assert.True(handler.Thrown > 0);
    }

    private static async Task<string> ObserveAsync(Task<UserRecordResult> put)
    {
        try
        {
            var result = await put.ConfigureAwait(false);
            return result.IsSuccessful ? "put" : "unexpected: unsuccessful result";
        }
        catch (UserRecordFailedException ex)
        {
            return ex.ErrorCode ?? "unexpected: a failure without an error code";
        }
        catch (OperationCanceledException)
        {
            return "cancelled";
        }
        catch (Exception ex)
        {
            return $"unexpected: {ex}";
        }
    }

    private static bool Roll(double probability) => Random.Shared.NextDouble() < probability;

    private static bool IsPutRecords(HttpRequestMessage request) =>
        request.Headers.TryGetValues("X-Amz-Target", out var values) && values.First().EndsWith(".PutRecords", StringComparison.Ordinal);

    /// <summary>
    /// What a user's own HTTP handler or a confused service might do: throws a plain exception (not an HTTP one) on every
    /// third ListShards call and on some PutRecords calls, and reports some put records on another shard than the one
    /// that took them.
    /// </summary>
    private sealed class ChaosHandler(HttpMessageHandler inner, string[] shardIds) : DelegatingHandler(inner)
    {
        private int thrown;
        private int rewritten;
        private int listShardsCalls;

        public int Thrown => Volatile.Read(ref thrown);

        public int Rewritten => Volatile.Read(ref rewritten);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var target = request.Headers.TryGetValues("X-Amz-Target", out var values) ? values.First() : string.Empty;
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var throwNow = target.EndsWith(".ListShards", StringComparison.Ordinal)
                ? Interlocked.Increment(ref listShardsCalls) % 3 == 0
                : Roll(0.03);
            if (throwNow)
            {
                // After the round trip, so the failure lands while the rest of the pipeline has moved on.
                response.Dispose();
                Interlocked.Increment(ref thrown);
                throw new InvalidOperationException("Injected: a user's HTTP handler threw.");
            }

            if (!target.EndsWith(".PutRecords", StringComparison.Ordinal) || response.StatusCode != HttpStatusCode.OK)
            {
                return response;
            }

            var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false))!;
            foreach (var record in body["Records"]!.AsArray())
            {
                if (record?["ShardId"] is { } shard && Roll(0.1))
                {
                    var index = Array.IndexOf(shardIds, shard.GetValue<string>());
                    record["ShardId"] = shardIds[(index + 1) % shardIds.Length];
                    Interlocked.Increment(ref rewritten);
                }
            }

            response.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/x-amz-json-1.1");
            return response;
        }
    }

    private sealed class ListShardsThrowingHandler() : DelegatingHandler(new SocketsHttpHandler())
    {
        private int thrown;

        public int Thrown => Volatile.Read(ref thrown);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Headers.TryGetValues("X-Amz-Target", out var values) && values.First().EndsWith(".ListShards", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref thrown);
                throw new InvalidOperationException("Injected: a user's HTTP handler threw.");
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
