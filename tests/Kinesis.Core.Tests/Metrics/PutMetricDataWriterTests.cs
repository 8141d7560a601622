using System.IO.Compression;
using System.Text;
using Kinesis.Core.Metrics;

namespace Kinesis.Core.Tests.Metrics;

public sealed class PutMetricDataWriterTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 4, 5, 6, 7, TimeSpan.Zero);
    private static readonly MetricDefinition Metric = new("UserRecordsPut", MetricsLevel.Summary, "Count", true);

    [Fact]
    public void Write_OneDatum_QueryProtocolFormWithStatisticSetUnitTimestampAndDimensions()
    {
        var datum = new MetricDatum(Metric, [new("StreamName", "my stream"), new("ShardId", "shardId-000000000001")], new StatisticSet(4, 2.5, 0, 1), Now);

        var batch = Assert.Single(PutMetricDataWriter.Write("My/Namespace", [datum], out var skipped));

        Assert.Equal(0, skipped);
        Assert.Null(batch.ContentEncoding);
        Assert.Equal(
            "Action=PutMetricData&Version=2010-08-01&Namespace=My%2FNamespace"
            + "&MetricData.member.1.MetricName=UserRecordsPut&MetricData.member.1.Unit=Count"
            + "&MetricData.member.1.Timestamp=2026-03-04T05%3A06%3A07Z"
            + "&MetricData.member.1.StatisticValues.SampleCount=4&MetricData.member.1.StatisticValues.Sum=2.5"
            + "&MetricData.member.1.StatisticValues.Minimum=0&MetricData.member.1.StatisticValues.Maximum=1"
            + "&MetricData.member.1.Dimensions.member.1.Name=StreamName&MetricData.member.1.Dimensions.member.1.Value=my%20stream"
            + "&MetricData.member.1.Dimensions.member.2.Name=ShardId&MetricData.member.1.Dimensions.member.2.Value=shardId-000000000001",
            Encoding.ASCII.GetString(batch.Body));
    }

    [Fact]
    public void Write_NonFiniteOrEmptyStatistics_SkippedAndCounted()
    {
        MetricDatum[] datums =
        [
            new(Metric, [], new StatisticSet(1, double.PositiveInfinity, 1, 1), Now),
            new(Metric, [], new StatisticSet(0, 0, 0, 0), Now),
            new(Metric, [], new StatisticSet(1, 1, 1, 1), Now),
        ];

        var batch = Assert.Single(PutMetricDataWriter.Write("ns", datums, out var skipped));

        Assert.Equal(2, skipped);
        Assert.Equal(1, batch.DatumCount);
        Assert.DoesNotContain("Infinity", Encoding.ASCII.GetString(batch.Body), StringComparison.Ordinal);
    }

    [Fact]
    public void Write_MoreThanThousandDatums_SplitsAtThousandAndRenumbersFromOne()
    {
        var datums = Enumerable.Range(0, 2_500).Select(i => new MetricDatum(Metric, [new("ShardId", "shardId-" + i.ToString("D12", System.Globalization.CultureInfo.InvariantCulture))], new StatisticSet(1, 1, 1, 1), Now)).ToList();

        var batches = PutMetricDataWriter.Write("ns", datums, out _);

        Assert.Equal([1000, 1000, 500], batches.Select(b => b.DatumCount));
        var third = Decode(batches[2]);
        Assert.Contains("&MetricData.member.1.MetricName=", third, StringComparison.Ordinal);
        Assert.Contains("&MetricData.member.500.MetricName=", third, StringComparison.Ordinal);
        Assert.DoesNotContain("&MetricData.member.501.", third, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_BodiesOverByteLimit_SplitBeforeTheLimit()
    {
        var longValue = new string('v', 1000);
        var datums = Enumerable.Range(0, 300).Select(i => new MetricDatum(Metric, [new("StreamName", longValue + i)], new StatisticSet(1, 1, 1, 1), Now)).ToList();

        var batches = PutMetricDataWriter.Write("ns", datums, out _, maxBytes: 100_000);

        Assert.True(batches.Count > 2);
        Assert.Equal(300, batches.Sum(b => b.DatumCount));
        Assert.All(batches, b => Assert.InRange(Decode(b).Length, 1, 100_000));
    }

    [Fact]
    public void Write_LargeBody_GzipCompressedAndRoundTrips()
    {
        var datums = Enumerable.Range(0, 200).Select(i => new MetricDatum(Metric, [new("StreamName", "s" + i)], new StatisticSet(1, i, i, i), Now)).ToList();

        var batch = Assert.Single(PutMetricDataWriter.Write("ns", datums, out _));

        Assert.Equal("gzip", batch.ContentEncoding);
        var text = Decode(batch);
        Assert.True(text.Length > PutMetricDataWriter.CompressionThresholdBytes);
        Assert.True(batch.Body.Length < text.Length);
        Assert.Contains("&MetricData.member.200.StatisticValues.Sum=199", text, StringComparison.Ordinal);
    }

    private static string Decode(PutMetricDataBatch batch)
    {
        if (batch.ContentEncoding != "gzip")
        {
            return Encoding.ASCII.GetString(batch.Body);
        }

        using var gzip = new GZipStream(new MemoryStream(batch.Body), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.ASCII);
        return reader.ReadToEnd();
    }
}
