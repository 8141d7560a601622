using System.Buffers;
using BenchmarkDotNet.Attributes;
using Kinesis.Client;
using Kinesis.Client.Diagnostics;
using Kinesis.Client.Lifecycle;
using Kinesis.Client.Retrieval;
using Kinesis.Core.Aggregation;
using Kinesis.Core.Api;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kinesis.Benchmarks.Client;

/// <summary>
/// The shard consumer's dispatch path driven from in-memory GetRecords results: deaggregation, checkpoint filtering,
/// conversion to <see cref="KinesisClientRecord"/> and the call to a no-op processor. 10,000 user records of 100 bytes
/// per batch, either raw or packed in KPL aggregates. Times are per user record.
/// </summary>
[MemoryDiagnoser]
public class ShardDispatchBenchmarks
{
    private const int UserRecords = 10_000;
    private RecordsBatch batch = null!;
    private RecordBatchProcessor dispatcher = null!;

    /// <summary>Whether the user records arrive in KPL aggregates (1,000 per aggregate) or as plain records.</summary>
    [Params(false, true)]
    public bool Aggregated { get; set; }

    /// <summary>Builds the batch and the dispatcher.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var data = new byte[100];
        new Random(3).NextBytes(data);
        var records = new List<Record>();
        var arrival = DateTimeOffset.UtcNow;
        if (Aggregated)
        {
            using var aggregator = new RecordAggregator(RecordAggregator.MaxMaxSize);
            for (var a = 0; a < UserRecords / 1000; a++)
            {
                aggregator.Reset();
                for (var i = 0; i < 1000; i++)
                {
                    aggregator.TryAdd($"partition-key-{i}", data);
                }

                var buffer = new ArrayBufferWriter<byte>();
                var info = aggregator.Encode(buffer);
                records.Add(new Record { SequenceNumber = Sequence(a), Data = buffer.WrittenMemory.ToArray(), PartitionKey = info.PartitionKey, ApproximateArrivalTimestamp = arrival });
            }
        }
        else
        {
            for (var i = 0; i < UserRecords; i++)
            {
                records.Add(new Record { SequenceNumber = Sequence(i), Data = data, PartitionKey = $"partition-key-{i}", ApproximateArrivalTimestamp = arrival });
            }
        }

        batch = new RecordsBatch { Records = records, ByteSize = RecordsBatch.SizeOf(records), FetchedAt = arrival };
        var options = new KinesisConsumerOptions();
        var checkpointer = new RecordProcessorCheckpointer("shardId-000000000000", null, Guid.NewGuid(), ExtendedSequenceNumber.TrimHorizon);
        dispatcher = new RecordBatchProcessor(
            "shardId-000000000000",
            new NoOpProcessor(),
            checkpointer,
            new Deaggregator(),
            shardRange: null,
            ExtendedSequenceNumber.TrimHorizon,
            options,
            new ConsumerCounters(),
            NullLogger.Instance);
    }

    /// <summary>Deaggregates and converts one batch without calling the processor (the share of <see cref="DispatchBatch"/> spent before dispatch).</summary>
    [Benchmark(OperationsPerInvoke = UserRecords)]
    public List<KinesisClientRecord> PrepareOnly() => dispatcher.Prepare(batch)!;

    /// <summary>Dispatches one batch of 10,000 user records.</summary>
    [Benchmark(OperationsPerInvoke = UserRecords)]
    public async Task DispatchBatch()
    {
        var records = dispatcher.Prepare(batch)!;
        await dispatcher.DeliverAsync(records, batch, CancellationToken.None, CancellationToken.None).ConfigureAwait(false);
    }

    private static string Sequence(int i) => "4959016478090919043866829076436781541829830582049136" + i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture);

    private sealed class NoOpProcessor : IShardRecordProcessor
    {
        public Task InitializeAsync(InitializationInput input, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task ProcessRecordsAsync(ProcessRecordsInput input, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task LeaseLostAsync(LeaseLostInput input, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task ShardEndedAsync(ShardEndedInput input, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task ShutdownRequestedAsync(ShutdownRequestedInput input, CancellationToken cancellationToken = default) => Task.CompletedTask;
    }
}
