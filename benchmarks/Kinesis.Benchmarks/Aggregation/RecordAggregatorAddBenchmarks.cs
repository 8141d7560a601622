using BenchmarkDotNet.Attributes;
using Kinesis.Core.Aggregation;
using Kinesis.Core.Hashing;

namespace Kinesis.Benchmarks.Aggregation;

/// <summary>Adding 100-byte user records to an aggregate, with exact size tracking.</summary>
[MemoryDiagnoser]
public class RecordAggregatorAddBenchmarks
{
    private const int RecordsPerAggregate = 300;
    private readonly byte[] _data = new byte[100];
    private string[] _keys = [];
    private RecordAggregator _aggregator = null!;

    /// <summary>Whether every record has its own partition key (UUID-like) or all share one.</summary>
    [Params(true, false)]
    public bool DistinctKeys { get; set; }

    /// <summary>Builds the keys and a warm aggregator.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(2);
        random.NextBytes(_data);
        _keys = new string[RecordsPerAggregate];
        for (int i = 0; i < _keys.Length; i++)
        {
            _keys[i] = DistinctKeys ? new Guid(random.NextBytes16()).ToString() : "2f1c7a3e-9b1d-4a6e-8c55-0d7f3b9e1a42";
        }

        _aggregator = new RecordAggregator(RecordAggregator.MaxMaxSize);
    }

    /// <summary>Returns the aggregator's buffer.</summary>
    [GlobalCleanup]
    public void Cleanup() => _aggregator.Dispose();

    /// <summary>Adds 300 records (about 45 KiB) to an empty aggregate.</summary>
    [Benchmark(OperationsPerInvoke = RecordsPerAggregate)]
    public int Add()
    {
        _aggregator.Reset();
        foreach (string key in _keys)
        {
            _aggregator.TryAdd(key, _data);
        }

        return _aggregator.EncodedSize;
    }

    /// <summary>What the producer does per record: hash the partition key (to pick the shard), then add.</summary>
    [Benchmark(OperationsPerInvoke = RecordsPerAggregate)]
    public UInt128 HashAndAdd()
    {
        _aggregator.Reset();
        UInt128 sum = 0;
        foreach (string key in _keys)
        {
            sum ^= HashKeys.FromPartitionKey(key);
            _aggregator.TryAdd(key, _data);
        }

        return sum;
    }
}

/// <summary>Random helpers for benchmark setup.</summary>
internal static class RandomExtensions
{
    /// <summary>Returns 16 random bytes.</summary>
    public static byte[] NextBytes16(this Random random)
    {
        byte[] bytes = new byte[16];
        random.NextBytes(bytes);
        return bytes;
    }
}
