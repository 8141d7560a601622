using BenchmarkDotNet.Attributes;
using Kinesis.Core.Api;
using Kinesis.Core.Api.Serialization;
using Kinesis.Core.Http;

namespace Kinesis.Benchmarks.Api;

/// <summary>
/// The PutRecords hot path: a full batch of 500 records written as JSON (base64 straight from the record bytes) into a
/// pooled buffer sized once, as <c>KinesisApiClient.PutRecordsAsync</c> does; and the same plus the SHA-256 payload hash
/// that SigV4 needs. Record data per operation: <see cref="Records"/> × <see cref="RecordSize"/> bytes.
/// </summary>
[MemoryDiagnoser]
public class PutRecordsSerializationBenchmarks
{
    private PutRecordsRequest request = null!;

    /// <summary>Records per batch.</summary>
    [Params(500)]
    public int Records { get; set; }

    /// <summary>Bytes of data per record.</summary>
    [Params(1024, 51_200)]
    public int RecordSize { get; set; }

    /// <summary>Builds the batch.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        var entries = new PutRecordsRequestEntry[Records];
        for (var i = 0; i < entries.Length; i++)
        {
            var data = new byte[RecordSize];
            random.NextBytes(data);
            entries[i] = new PutRecordsRequestEntry { PartitionKey = "partition-key-" + i, Data = data };
        }

        request = new PutRecordsRequest { StreamName = "benchmark-stream", Records = entries };
    }

    /// <summary>JSON body only.</summary>
    [Benchmark(Baseline = true)]
    public int WriteBody()
    {
        using var body = new PooledBufferWriter(KinesisRequestWriter.EstimatePutRecordsSize(request));
        KinesisRequestWriter.Write(body, request, KinesisRequestWriter.PutRecords);
        return body.WrittenCount;
    }

    /// <summary>JSON body plus the payload hash for signing.</summary>
    [Benchmark]
    public string WriteBodyAndHash()
    {
        using var body = new PooledBufferWriter(KinesisRequestWriter.EstimatePutRecordsSize(request));
        KinesisRequestWriter.Write(body, request, KinesisRequestWriter.PutRecords);
        return AwsRequestSigner.HashPayload(body.WrittenSpan);
    }
}
