using Kinesis.Producer.Pipeline;

namespace Kinesis.Producer.Tests.Pipeline;

public sealed class WaitingRecordsTests
{
    private const int Records = 20_000;

    [Fact]
    public void Route_BeforeTheFirstShardMap_HoldsTheRecordsInChunksNotADoublingList()
    {
        // A new producer's first burst waits for the shard map: a list that doubles allocates and copies about twice
        // the slots (and keeps the largest array); chunks from the pool allocate each slot once.
        var stream = NewStream(out _);
        var users = NewRecords(stream);

        var before = GC.GetAllocatedBytesForCurrentThread();
        foreach (var user in users)
        {
            stream.Route(user);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var slotBytes = (long)Records * System.Runtime.CompilerServices.Unsafe.SizeOf<UserRecord>();
        Assert.True(allocated < slotBytes * 5 / 4, $"{allocated:N0} bytes allocated to hold {slotBytes:N0} bytes of slots");
    }

    [Fact]
    public void Stop_WhileWaitingForTheMap_GivesBackEveryRecordInOrder_AndTheChunksToThePool()
    {
        var stream = NewStream(out var arrays);
        var users = NewRecords(stream);
        foreach (var user in users)
        {
            stream.Route(user);
        }

        var drained = stream.Stop();

        Assert.Equal(users.Select(u => u.PartitionKey), drained.Select(u => u.PartitionKey));
        var chunk = arrays.Rent(WaitingRecords.ChunkSize);
        Assert.All(chunk, slot => Assert.Null(slot.PartitionKey));
        Assert.Equal(WaitingRecords.ChunkSize, chunk.Length);
    }

    [Fact]
    public void Chunk_SpansTheRecordsInOrder_TheLastOnlyAsFarAsFilled()
    {
        var arrays = new UserRecordArrayPool(100_000);
        var waiting = new WaitingRecords(arrays);
        var count = (2 * WaitingRecords.ChunkSize) + 7;
        for (var i = 0; i < count; i++)
        {
            waiting.Add(new UserRecord(null!, $"key-{i}", null, new byte[1], 2, 100, new FlushTracker().Join()));
        }

        Assert.Equal(count, waiting.Count);
        Assert.Equal(3, waiting.ChunkCount);
        Assert.Equal(7, waiting.Chunk(2).Length);
        var keys = new List<string>();
        for (var c = 0; c < waiting.ChunkCount; c++)
        {
            foreach (var user in waiting.Chunk(c))
            {
                keys.Add(user.PartitionKey);
            }
        }

        Assert.Equal(Enumerable.Range(0, count).Select(i => $"key-{i}"), keys);
        waiting.Clear();
        Assert.Equal(0, waiting.Count);
        Assert.Equal(0, waiting.ChunkCount);
    }

    private static StreamPipeline NewStream(out UserRecordArrayPool arrays)
    {
        var options = new KinesisProducerOptions { Region = "us-east-1" };
        arrays = new UserRecordArrayPool(100_000);
        var completion = new RecordCompletion(new OutstandingGate(Records, 100_000_000), TimeProvider.System, new Kinesis.Core.Metrics.ProducerMetrics(meterFactory: null), arrays, TimeSpan.FromSeconds(30), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        return new StreamPipeline("stream", options, TimeProvider.System, completion, new AggregatorPool(options.AggregationMaxSize, 1000, 1));
    }

    private static UserRecord[] NewRecords(StreamPipeline stream)
    {
        var data = new byte[10];
        var flushes = new FlushTracker();
        return [.. Enumerable.Range(0, Records).Select(i => new UserRecord(stream, $"key-{i}", null, data, 12, long.MaxValue, flushes.Join()))];
    }
}
