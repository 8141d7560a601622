using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Kinesis.Core.Api;
using Kinesis.Core.Api.Serialization;

namespace Kinesis.Benchmarks.Api;

/// <summary>
/// Why the data plane stays hand-written: the GetRecords response of <see cref="GetRecordsParsingBenchmarks"/> and the
/// PutRecords batch of <see cref="PutRecordsSerializationBenchmarks"/> (500 × 1 KiB), each through the hand-written
/// code and through System.Text.Json source generation straight into/out of the public types (a lower bound for it:
/// no wire models, no checks).
/// </summary>
[MemoryDiagnoser]
public class SourceGeneratedDataPlaneBenchmarks
{
    private byte[] getRecords = [];
    private PutRecordsRequest putRecords = null!;

    /// <summary>Builds the bodies.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(7);
        var text = new StringBuilder("{\"Records\":[");
        var data = new byte[1024];
        for (var i = 0; i < 1000; i++)
        {
            random.NextBytes(data);
            text.Append(i == 0 ? "" : ",")
                .Append("{\"SequenceNumber\":\"4959016478090919043866829076436781541829830582049136")
                .Append(i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture))
                .Append("\",\"ApproximateArrivalTimestamp\":1.700000000123E9,\"Data\":\"")
                .Append(Convert.ToBase64String(data))
                .Append("\",\"PartitionKey\":\"partition-key-").Append(i).Append("\",\"EncryptionType\":\"NONE\"}");
        }

        text.Append("],\"NextShardIterator\":\"AAAAAAAAAAH").Append('x', 200).Append("\",\"MillisBehindLatest\":0,\"ChildShards\":[]}");
        getRecords = Encoding.UTF8.GetBytes(text.ToString());
        var entries = new PutRecordsRequestEntry[500];
        for (var i = 0; i < entries.Length; i++)
        {
            var bytes = new byte[1024];
            random.NextBytes(bytes);
            entries[i] = new PutRecordsRequestEntry { PartitionKey = "partition-key-" + i, Data = bytes };
        }

        putRecords = new PutRecordsRequest { StreamName = "benchmark-stream", Records = entries };
    }

    /// <summary>GetRecords, hand-written parser.</summary>
    [Benchmark(Baseline = true)]
    public int GetRecordsHandWritten() => KinesisResponseParser.GetRecords(getRecords).Records.Count;

    /// <summary>GetRecords, source-generated.</summary>
    [Benchmark]
    public int GetRecordsSourceGenerated() => JsonSerializer.Deserialize(getRecords, DataPlaneJsonContext.Default.GetRecordsResponse)!.Records.Count;

    /// <summary>PutRecords body, hand-written writer.</summary>
    [Benchmark]
    public int PutRecordsHandWritten()
    {
        using var body = new PooledBufferWriter(KinesisRequestWriter.EstimatePutRecordsSize(putRecords));
        KinesisRequestWriter.Write(body, putRecords, KinesisRequestWriter.PutRecords);
        return body.WrittenCount;
    }

    /// <summary>PutRecords body, source-generated.</summary>
    [Benchmark]
    public int PutRecordsSourceGenerated()
    {
        using var body = new PooledBufferWriter(KinesisRequestWriter.EstimatePutRecordsSize(putRecords));
        KinesisRequestWriter.Write(body, putRecords, static (writer, request) => JsonSerializer.Serialize(writer, request, DataPlaneJsonContext.Default.PutRecordsRequest));
        return body.WrittenCount;
    }
}
