using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using Kinesis.Core.Hashing;

namespace Kinesis.Benchmarks.Aggregation;

/// <summary>
/// Partition key to hash key: OS-backed MD5 against the managed single-block MD5 of <see cref="HashKeys.FromPartitionKey(string)"/>,
/// and against <see cref="HashKeys.FromPartitionKeys(ReadOnlySpan{string}, Span{UInt128})"/>, which hashes 16 keys at once
/// (the producer's way).
/// </summary>
[MemoryDiagnoser]
[MinColumn] // The machines are shared: the minimum is the figure least disturbed by other load.
public class PartitionKeyHashBenchmarks
{
    private const int KeyCount = 1024;
    private string[] _keys = [];
    private UInt128[] _hashKeys = [];

    /// <summary>Length of the partition keys in characters (36 is a UUID; 100 takes the multi-block path).</summary>
    [Params(13, 36, 100)]
    public int KeyLength { get; set; }

    /// <summary>Builds distinct keys so the loop does not hash one cached value.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _keys = new string[KeyCount];
        for (int i = 0; i < KeyCount; i++)
        {
            var chars = new char[KeyLength];
            for (int c = 0; c < chars.Length; c++)
            {
                chars[c] = (char)random.Next('a', 'z' + 1);
            }

            _keys[i] = new string(chars);
        }

        _hashKeys = new UInt128[KeyCount];
    }

    /// <summary>UTF-8 encode, then <see cref="MD5.HashData(ReadOnlySpan{byte}, Span{byte})"/>.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = KeyCount)]
    public UInt128 OsMd5()
    {
        UInt128 sum = 0;
        Span<byte> utf8 = stackalloc byte[768];
        Span<byte> digest = stackalloc byte[16];
        foreach (string key in _keys)
        {
            int length = Encoding.UTF8.GetBytes(key, utf8);
            MD5.HashData(utf8[..length], digest);
            sum ^= BinaryPrimitives.ReadUInt128BigEndian(digest);
        }

        return sum;
    }

    /// <summary><see cref="HashKeys.FromPartitionKey(string)"/>: managed MD5 for keys of one block, OS MD5 beyond.</summary>
    [Benchmark(OperationsPerInvoke = KeyCount)]
    public UInt128 HashKeysFromPartitionKey()
    {
        UInt128 sum = 0;
        foreach (string key in _keys)
        {
            sum ^= HashKeys.FromPartitionKey(key);
        }

        return sum;
    }

    /// <summary><see cref="HashKeys.FromPartitionKeys(ReadOnlySpan{string}, Span{UInt128})"/> in groups of 16, as the producer stages them.</summary>
    [Benchmark(OperationsPerInvoke = KeyCount)]
    public UInt128 HashKeysFromPartitionKeysIn16s()
    {
        for (int i = 0; i < KeyCount; i += 16)
        {
            HashKeys.FromPartitionKeys(_keys.AsSpan(i, 16), _hashKeys.AsSpan(i, 16));
        }

        return _hashKeys[KeyCount - 1];
    }
}
