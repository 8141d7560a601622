using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Kinesis.Core.Aggregation;
using Kinesis.Core.Hashing;

namespace Kinesis.Benchmarks.Aggregation;

/// <summary>
/// The MD5 checksums of a PutRecords call's worth of aggregates: the OS MD5 one at a time against
/// <see cref="Md5MultiBuffer"/> (16 lanes with AVX-512, 8 with AVX2), and <see cref="RecordAggregator.EncodeAll"/>
/// against encoding each aggregate alone. Per message.
/// </summary>
[MemoryDiagnoser]
[MinColumn] // The machines are shared: the minimum is the figure least disturbed by other load.
public class Md5MultiBufferBenchmarks
{
    private const int Messages = 64;
    private ArraySegment<byte>[] _messages = [];
    private byte[] _digests = [];
    private RecordAggregator[] _aggregators = [];
    private byte[][] _destinations = [];
    private EncodedRecordInfo[] _results = [];

    /// <summary>Message length: a full default aggregate (51,200 B), a small aggregate, a partition key.</summary>
    [Params(51_200, 1_000, 36)]
    public int Length { get; set; }

    /// <summary>Random messages, and aggregators of 100-byte records filled to about <see cref="Length"/>.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _messages = Enumerable.Range(0, Messages).Select(_ =>
        {
            var bytes = new byte[Length];
            random.NextBytes(bytes);
            return new ArraySegment<byte>(bytes);
        }).ToArray();
        _digests = new byte[Messages * Md5MultiBuffer.DigestLength];
        var data = new byte[100];
        random.NextBytes(data);
        _aggregators = Enumerable.Range(0, Messages).Select(a =>
        {
            var aggregator = new RecordAggregator(Math.Max(RecordAggregator.MinMaxSize, Length));
            for (var i = 0; aggregator.TryAddReference($"partition-key-{a:D4}-{i:D6}", data); i++)
            {
            }

            return aggregator;
        }).ToArray();
        _destinations = _aggregators.Select(a => new byte[a.EncodedSize]).ToArray();
        _results = new EncodedRecordInfo[Messages];
    }

    /// <summary><see cref="MD5.HashData(ReadOnlySpan{byte}, Span{byte})"/> per message.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Messages)]
    public void OsMd5OneAtATime()
    {
        for (var i = 0; i < _messages.Length; i++)
        {
            MD5.HashData(_messages[i], _digests.AsSpan(i * Md5MultiBuffer.DigestLength, Md5MultiBuffer.DigestLength));
        }
    }

    /// <summary>All messages in one <see cref="Md5MultiBuffer.HashData(ReadOnlySpan{ArraySegment{byte}}, Span{byte})"/> call.</summary>
    [Benchmark(OperationsPerInvoke = Messages)]
    public void MultiBuffer() => Md5MultiBuffer.HashData(_messages, _digests);

    /// <summary><see cref="RecordAggregator.Encode(Span{byte})"/> per aggregator (protobuf, copy, OS MD5).</summary>
    [Benchmark(OperationsPerInvoke = Messages)]
    public void EncodeEach()
    {
        for (var i = 0; i < _aggregators.Length; i++)
        {
            _results[i] = _aggregators[i].Encode(_destinations[i]);
        }
    }

    /// <summary><see cref="RecordAggregator.EncodeAll"/>: the same, checksums together.</summary>
    [Benchmark(OperationsPerInvoke = Messages)]
    public void EncodeAll() => RecordAggregator.EncodeAll(_aggregators, _destinations, _results);
}
