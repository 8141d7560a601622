using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Google.Protobuf;
using Kinesis.Core.Aggregation;
using Protos = Kinesis.Core.Aggregation.Protos;

namespace Kinesis.Benchmarks.Aggregation;

/// <summary>
/// Encoding and decoding a ~50 KiB aggregate of 100-byte records (checksum included), against MD5 over the
/// same number of bytes, and against the Google.Protobuf generated code.
/// </summary>
[MemoryDiagnoser]
public class AggregatedRecordCodecBenchmarks
{
    private readonly List<DeaggregatedRecord> _records = new(1024);
    private readonly Deaggregator _deaggregator = new();
    private RecordAggregator _aggregator = null!;
    private Protos.AggregatedRecord _generated = null!;
    private byte[] _encoded = [];
    private byte[] _destination = [];

    /// <summary>Whether every record has its own partition key (UUID-like) or all share one.</summary>
    [Params(true, false)]
    public bool DistinctKeys { get; set; }

    /// <summary>Fills an aggregate up to the KPL's default 51,200-byte limit.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(3);
        byte[] data = new byte[100];
        _aggregator = new RecordAggregator();
        _generated = new Protos.AggregatedRecord();
        string shared = "2f1c7a3e-9b1d-4a6e-8c55-0d7f3b9e1a42";
        while (true)
        {
            random.NextBytes(data);
            string key = DistinctKeys ? new Guid(random.NextBytes16()).ToString() : shared;
            if (!_aggregator.TryAdd(key, data))
            {
                break;
            }

            if (_generated.PartitionKeyTable.Count == 0 || DistinctKeys)
            {
                _generated.PartitionKeyTable.Add(key);
            }

            _generated.Records.Add(new Protos.Record { PartitionKeyIndex = (ulong)(_generated.PartitionKeyTable.Count - 1), Data = ByteString.CopyFrom(data) });
        }

        _destination = new byte[_aggregator.EncodedSize];
        _aggregator.Encode(_destination);
        _encoded = (byte[])_destination.Clone();
        Console.WriteLine($"// Aggregate: {_aggregator.Count} records, {_encoded.Length} bytes");
    }

    /// <summary>Returns the aggregator's buffer.</summary>
    [GlobalCleanup]
    public void Cleanup() => _aggregator.Dispose();

    /// <summary>MD5 over as many bytes as the aggregate: the floor for both directions.</summary>
    [Benchmark(Baseline = true)]
    public byte Md5()
    {
        Span<byte> digest = stackalloc byte[16];
        MD5.HashData(_encoded, digest);
        return digest[0];
    }

    /// <summary>The hand-written encoder: key tables, records, MD5, into a caller buffer.</summary>
    [Benchmark]
    public int Encode() => _aggregator.Encode(_destination).Length;

    /// <summary>The Google.Protobuf generated serializer plus framing and MD5.</summary>
    [Benchmark]
    public int EncodeGenerated()
    {
        int size = _generated.CalculateSize();
        _generated.WriteTo(_destination.AsSpan(4, size));
        MD5.HashData(_destination.AsSpan(4, size), _destination.AsSpan(4 + size, 16));
        return size;
    }

    /// <summary>The hand-written decoder: MD5 check, parse, one user record per member (data not copied).</summary>
    [Benchmark]
    public int Decode()
    {
        _records.Clear();
        return _deaggregator.Deaggregate(new KinesisRecordInput(_encoded, "a", "1", default), _records);
    }

    /// <summary>MD5 check plus the Google.Protobuf generated parser (copies every record's data).</summary>
    [Benchmark]
    public int DecodeGenerated()
    {
        Span<byte> digest = stackalloc byte[16];
        MD5.HashData(_encoded.AsSpan(4, _encoded.Length - 20), digest);
        return Protos.AggregatedRecord.Parser.ParseFrom(_encoded.AsSpan(4, _encoded.Length - 20)).Records.Count + digest[0];
    }
}
