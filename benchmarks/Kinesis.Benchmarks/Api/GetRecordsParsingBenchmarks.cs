using System.Text;
using BenchmarkDotNet.Attributes;
using Kinesis.Core.Api;
using Kinesis.Core.Api.Serialization;

namespace Kinesis.Benchmarks.Api;

/// <summary>
/// Parsing a realistic GetRecords response: <see cref="Records"/> records of <see cref="RecordSize"/> bytes (base64 in
/// the JSON, as the service sends them), with sequence numbers, timestamps and partition keys.
/// </summary>
[MemoryDiagnoser]
public class GetRecordsParsingBenchmarks
{
    private byte[] json = [];

    /// <summary>Records in the response.</summary>
    [Params(1000)]
    public int Records { get; set; }

    /// <summary>Bytes of data per record.</summary>
    [Params(1024)]
    public int RecordSize { get; set; }

    /// <summary>Builds the response body.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(7);
        var text = new StringBuilder("{\"Records\":[");
        var data = new byte[RecordSize];
        for (var i = 0; i < Records; i++)
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
        json = Encoding.UTF8.GetBytes(text.ToString());
        Console.WriteLine($"// GetRecords response: {json.Length} bytes of JSON, {Records * RecordSize} bytes of record data");
    }

    /// <summary>Parses the whole response.</summary>
    [Benchmark]
    public GetRecordsResponse Parse() => KinesisResponseParser.GetRecords(json);
}
