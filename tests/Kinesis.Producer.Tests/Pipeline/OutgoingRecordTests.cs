using Kinesis.Core.Aggregation;
using Kinesis.Core.Hashing;
using Kinesis.Producer.Pipeline;

namespace Kinesis.Producer.Tests.Pipeline;

public sealed class OutgoingRecordTests
{
    private const int MaxSize = KinesisProducerOptions.DefaultAggregationMaxSize;

    [Fact]
    public void EnsureEncoded_BuildsEachAggregateFromItsRecords_ByteForByteAsOneAggregatorTakingThem()
    {
        var (buffer, pool) = NewShard();
        var users = new List<UserRecord>();
        for (var i = 0; i < 12_000; i++)
        {
            // Repeated and new partition keys, explicit hash keys (one not in canonical form), data of varying length.
            var explicitHashKey = i % 7 == 0 ? $"00{i * 1_000_003L}" : i % 11 == 0 ? "340282366920938463463374607431768211455" : null;
            var data = new byte[20 + (i % 150)];
            Random.Shared.NextBytes(data);
            var user = NewRecord($"key-{i % 400}", explicitHashKey, data);
            users.Add(user);
            buffer.Add(user, explicitHashKey is null ? HashKeys.FromPartitionKey(user.PartitionKey) : HashKeys.ParseExplicitHashKey(explicitHashKey), now: 0, bufferedTicks: 1_000);
        }

        buffer.SealOpen();
        var records = Drain(buffer);
        Assert.True(records.Count(r => r.IsAggregated) > 16, "more aggregates than one encoding chunk");

        OutgoingRecord.EnsureEncoded([.. records]);

        var next = 0;
        foreach (var record in records)
        {
            using var expected = new RecordAggregator(MaxSize);
            foreach (var user in users.Skip(next).Take(record.UserCount))
            {
                Assert.True(expected.TryAdd(user.PartitionKey, user.Data.Span, user.ExplicitHashKey is { } key ? HashKeys.ParseExplicitHashKey(key) : null));
            }

            next += record.UserCount;
            var bytes = new byte[expected.EncodedSize];
            var info = expected.Encode(bytes);
            Assert.Equal(bytes, record.Data.ToArray());
            Assert.Equal(info.PartitionKey, record.PartitionKey);
            Assert.Equal(info.IsAggregated ? HashKeys.Format(info.ExplicitHashKey) : users[next - 1].ExplicitHashKey, record.ExplicitHashKey);
            Assert.Equal(info.PartitionKey.Length + info.Length, record.CollectionSize);
        }

        Assert.Equal(users.Count, next);

        // The full-size buffers come back to the pool once the records are done with them (the last, smaller aggregate's
        // went to the shared pool).
        var fullSize = records.Count(r => r.IsAggregated && r.Data.Length > MaxSize / 2);
        foreach (var record in records)
        {
            record.Release();
        }

        Assert.Equal(fullSize, pool.BufferCount);
    }

    [Fact]
    public void EnsureEncoded_ABurstOfSealedAggregates_NeedsOnlyOneChunkOfAggregators()
    {
        // A burst seals many aggregates before any is sent. Each used to keep an aggregator (its key tables and data
        // references, allocated anew) until encoded; now a sealed aggregate is only its records, and the sender builds
        // it with a pooled aggregator, a chunk of them at a time.
        var (buffer, pool) = NewShard();
        var data = new byte[100];
        for (var i = 0; i < 50 * 400; i++)
        {
            var user = NewRecord($"key-{i}", explicitHashKey: null, data);
            buffer.Add(user, HashKeys.FromPartitionKey(user.PartitionKey), now: 0, bufferedTicks: 1_000);
        }

        buffer.SealOpen();
        var records = Drain(buffer);
        Assert.True(records.Count >= 40, $"40 or more aggregates sealed, got {records.Count}");

        OutgoingRecord.EnsureEncoded([.. records]);

        Assert.All(records, r => Assert.True(r.Data.Length > 0));
        Assert.InRange(pool.Count, 1, 16);
    }

    private static (ShardBuffer Buffer, AggregatorPool Pool) NewShard()
    {
        var options = new KinesisProducerOptions { Region = "us-east-1" };
        var pool = new AggregatorPool(MaxSize, int.MaxValue, maxPooled: 4096);
        var buffer = new ShardBuffer("shardId-000000000000", options, TimeProvider.System, pool, new QueueTotals(), new UserRecordArrayPool(100_000));
        return (buffer, pool);
    }

    private static List<OutgoingRecord> Drain(ShardBuffer buffer)
    {
        var records = new List<OutgoingRecord>();
        while (buffer.PeekQueued() is { } record)
        {
            records.Add(record);
            buffer.RemoveFirstQueued();
        }

        return records;
    }

    private static UserRecord NewRecord(string key, string? explicitHashKey, byte[] data) =>
        new(null!, key, explicitHashKey, data, data.Length + key.Length, long.MaxValue, new FlushTracker().Join());
}
