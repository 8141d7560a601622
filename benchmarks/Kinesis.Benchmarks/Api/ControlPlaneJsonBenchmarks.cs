using System.Text;
using BenchmarkDotNet.Attributes;
using Kinesis.Core.Api;
using Kinesis.Core.Api.Serialization;

namespace Kinesis.Benchmarks.Api;

/// <summary>
/// Control-plane JSON: a ListShards response of 100 shards (a resharded stream: every shard with parents and a closed
/// sequence range), a DescribeStreamSummary response, and a ListShards request with a timestamp filter, as the
/// <c>KinesisApiClient</c> parses and writes them: source-generated (<see cref="ControlPlaneJson"/>) against the
/// hand-written parsers it replaced (<see cref="HandWrittenControlPlaneParser"/>).
/// </summary>
[MemoryDiagnoser]
public class ControlPlaneJsonBenchmarks
{
    private byte[] listShards = null!;
    private byte[] describeStreamSummary = null!;
    private ListShardsRequest listShardsRequest = null!;

    /// <summary>Builds the bodies.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var json = new StringBuilder("{\"Shards\":[");
        for (var i = 0; i < 100; i++)
        {
            json.Append(i == 0 ? string.Empty : ",")
                .Append("{\"ShardId\":\"shardId-").Append(i.ToString("D12", System.Globalization.CultureInfo.InvariantCulture))
                .Append("\",\"ParentShardId\":\"shardId-000000000").Append(100 + i).Append("\",\"AdjacentParentShardId\":\"shardId-000000000").Append(200 + i)
                .Append("\",\"HashKeyRange\":{\"StartingHashKey\":\"").Append((System.Numerics.BigInteger.Pow(2, 128) / 100) * i)
                .Append("\",\"EndingHashKey\":\"").Append(((System.Numerics.BigInteger.Pow(2, 128) / 100) * (i + 1)) - 1)
                .Append("\"},\"SequenceNumberRange\":{\"StartingSequenceNumber\":\"49650000000000000000000000000000000000000000000000000000\",\"EndingSequenceNumber\":\"49650000000000000000000000000000000000000000000000099999\"}}");
        }

        json.Append("],\"NextToken\":\"AAAAAAAAAAGnmsP5TwqI1hUR0OC2+Sf5yp/h6fd0dXh0rFTZyGKpfPgDfgWK4AAAAAAAAAAA\"}");
        listShards = Encoding.UTF8.GetBytes(json.ToString());
        describeStreamSummary = """
            {"StreamDescriptionSummary":{"StreamName":"orders","StreamARN":"arn:aws:kinesis:eu-west-1:123456789012:stream/orders","StreamStatus":"ACTIVE","StreamModeDetails":{"StreamMode":"PROVISIONED"},"RetentionPeriodHours":24,"StreamCreationTimestamp":1.700000000123E9,"EnhancedMonitoring":[{"ShardLevelMetrics":[]}],"EncryptionType":"NONE","OpenShardCount":100,"ConsumerCount":2}}
            """u8.ToArray();
        listShardsRequest = new ListShardsRequest
        {
            StreamName = "orders",
            MaxResults = 1000,
            ShardFilter = new ShardFilter { Type = ShardFilterType.FromTimestamp, Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123) },
        };
    }

    /// <summary>ListShards response, 100 shards, hand-written parser (before).</summary>
    [Benchmark(Baseline = true)]
    public int ParseListShards100HandWritten() => HandWrittenControlPlaneParser.ListShards(listShards).Shards.Count;

    /// <summary>DescribeStreamSummary response, hand-written parser (before).</summary>
    [Benchmark]
    public int ParseDescribeStreamSummaryHandWritten() => HandWrittenControlPlaneParser.DescribeStreamSummary(describeStreamSummary).StreamDescriptionSummary.OpenShardCount;

    /// <summary>ListShards response, 100 shards.</summary>
    [Benchmark]
    public int ParseListShards100() => ControlPlaneJson.ParseListShards(listShards).Shards.Count;

    /// <summary>DescribeStreamSummary response.</summary>
    [Benchmark]
    public int ParseDescribeStreamSummary() => ControlPlaneJson.ParseDescribeStreamSummary(describeStreamSummary).StreamDescriptionSummary.OpenShardCount;

    /// <summary>ListShards request with a shard filter, into a pooled buffer.</summary>
    [Benchmark]
    public int WriteListShardsRequest()
    {
        using var body = new PooledBufferWriter(256);
        KinesisRequestWriter.Write(body, listShardsRequest, ControlPlaneJson.ListShards);
        return body.WrittenCount;
    }
}
