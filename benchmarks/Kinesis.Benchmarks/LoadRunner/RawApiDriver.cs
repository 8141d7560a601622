using System.Diagnostics;
using Kinesis.Core.Api;

namespace Kinesis.Benchmarks.LoadRunner;

/// <summary>
/// The baseline most teams start with: PutRecords in batches of 500 (no aggregation, no retries) and one
/// GetRecords loop per shard with the same poll spacing as the consumer, on the same API client.
/// </summary>
internal sealed class RawApiDriver(KinesisApiClient client, TimeSpan pollInterval, int concurrency) : ILoadDriver
{
    private const int PutRecordsBatch = 500;

    private readonly SemaphoreSlim inFlight = new(concurrency, concurrency);
    private readonly List<Task<int>> sends = [];
    private readonly CancellationTokenSource stop = new();
    private List<PutRecordsRequestEntry> batch = new(PutRecordsBatch);
    private Task[] readers = [];
    private string? currentStream;
    private int written;

    public string Name => "Raw API: PutRecords(500) + GetRecords loop";

    public int KinesisRecordsWritten => written;

    public async Task StartConsumerAsync(string stream, int shards, DeliveryRecorder recorder, CancellationToken cancellationToken)
    {
        var list = await client.ListShardsAsync(new ListShardsRequest { StreamName = stream }, cancellationToken).ConfigureAwait(false);
        var iterators = new List<string>();
        foreach (var shard in list.Shards)
        {
            var iterator = await client.GetShardIteratorAsync(new GetShardIteratorRequest { StreamName = stream, ShardId = shard.ShardId, ShardIteratorType = ShardIteratorType.TrimHorizon }, cancellationToken).ConfigureAwait(false);
            iterators.Add(iterator.ShardIterator);
        }

        readers = iterators.Select(iterator => Task.Run(() => ReadShardAsync(iterator, recorder, stop.Token), CancellationToken.None)).ToArray();
    }

    public async ValueTask PutAsync(string stream, string partitionKey, byte[] payload)
    {
        batch.Add(new PutRecordsRequestEntry { PartitionKey = partitionKey, Data = payload });
        if (batch.Count == PutRecordsBatch)
        {
            await SendAsync(stream).ConfigureAwait(false);
        }
    }

    public async Task<int> CompleteProducerAsync()
    {
        if (batch.Count > 0 && currentStream is not null)
        {
            await SendAsync(currentStream).ConfigureAwait(false);
        }

        var failed = 0;
        foreach (var send in sends)
        {
            failed += await send.ConfigureAwait(false);
        }

        return failed;
    }

    public async Task StopConsumerAsync()
    {
        await stop.CancelAsync().ConfigureAwait(false);
        foreach (var reader in readers)
        {
            try
            {
                await reader.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The expected end of a reader.
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        stop.Dispose();
        inFlight.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task SendAsync(string stream)
    {
        currentStream = stream;
        var entries = batch;
        batch = new List<PutRecordsRequestEntry>(PutRecordsBatch);
        await inFlight.WaitAsync().ConfigureAwait(false);
        sends.Add(SendBatchAsync(stream, entries));
    }

    private async Task<int> SendBatchAsync(string stream, List<PutRecordsRequestEntry> entries)
    {
        try
        {
            var response = await client.PutRecordsAsync(new PutRecordsRequest { StreamName = stream, Records = entries }).ConfigureAwait(false);
            Interlocked.Add(ref written, entries.Count - response.FailedRecordCount);
            return response.FailedRecordCount;
        }
        catch (KinesisApiException)
        {
            return entries.Count;
        }
        finally
        {
            inFlight.Release();
        }
    }

    private async Task ReadShardAsync(string iterator, DeliveryRecorder recorder, CancellationToken cancellationToken)
    {
        string? next = iterator;
        while (next is not null)
        {
            var started = Stopwatch.GetTimestamp();
            var page = await client.GetRecordsAsync(new GetRecordsRequest { ShardIterator = next, Limit = GetRecordsRequest.MaxLimit }, cancellationToken).ConfigureAwait(false);
            var now = Stopwatch.GetTimestamp();
            foreach (var record in page.Records)
            {
                recorder.Record(record.Data.Span, now);
            }

            next = page.NextShardIterator;
            var wait = pollInterval - Stopwatch.GetElapsedTime(started);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
