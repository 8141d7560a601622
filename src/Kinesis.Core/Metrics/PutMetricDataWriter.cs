using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace Kinesis.Core.Metrics;

/// <summary>
/// Writes PutMetricData requests in the query protocol (<c>Action=PutMetricData&amp;Version=2010-08-01</c>), each datum
/// as a statistic set, split to stay within the service limits: at most <see cref="MaxDatumsPerRequest"/> datums and
/// <see cref="MaxRequestBytes"/> bytes of form body per request.
/// </summary>
internal static class PutMetricDataWriter
{
    /// <summary>The service's limit of metric data per request.</summary>
    public const int MaxDatumsPerRequest = 1_000;

    /// <summary>The service's limit of an HTTP POST PutMetricData request (1 MB), applied to the uncompressed body for margin.</summary>
    public const int MaxRequestBytes = 1_000_000;

    /// <summary>Bodies larger than this are gzip-compressed (the service accepts <c>Content-Encoding: gzip</c>).</summary>
    public const int CompressionThresholdBytes = 16 * 1024;

    /// <summary>The content type of a query-protocol body (escaped ASCII, so no charset is needed).</summary>
    public const string ContentType = "application/x-www-form-urlencoded";

    /// <summary>Splits <paramref name="datums"/> into request bodies; datums whose statistics are not finite are skipped and counted in <paramref name="skipped"/>.</summary>
    public static List<PutMetricDataBatch> Write(string metricsNamespace, IReadOnlyList<MetricDatum> datums, out int skipped, int maxDatums = MaxDatumsPerRequest, int maxBytes = MaxRequestBytes)
    {
        var header = "Action=PutMetricData&Version=2010-08-01&Namespace=" + Uri.EscapeDataString(metricsNamespace);
        var batches = new List<PutMetricDataBatch>();
        var body = new StringBuilder(header);
        var count = 0;
        skipped = 0;
        foreach (var datum in datums)
        {
            var s = datum.Statistics;
            if (s.SampleCount <= 0 || !double.IsFinite(s.Sum) || !double.IsFinite(s.Minimum) || !double.IsFinite(s.Maximum))
            {
                skipped++;
                continue;
            }

            var member = Member(datum, count + 1);
            if (count == maxDatums || (count > 0 && body.Length + member.Length > maxBytes))
            {
                batches.Add(Seal(body, count));
                body = new StringBuilder(header);
                count = 0;
                member = Member(datum, 1);
            }

            body.Append(member);
            count++;
        }

        if (count > 0)
        {
            batches.Add(Seal(body, count));
        }

        return batches;
    }

    private static PutMetricDataBatch Seal(StringBuilder body, int count)
    {
        // Escaped form bodies are ASCII, so characters and bytes agree.
        var bytes = Encoding.ASCII.GetBytes(body.ToString());
        if (bytes.Length <= CompressionThresholdBytes)
        {
            return new PutMetricDataBatch(bytes, count, null);
        }

        using var compressed = new MemoryStream(bytes.Length / 4);
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(bytes);
        }

        return new PutMetricDataBatch(compressed.ToArray(), count, "gzip");
    }

    private static string Member(MetricDatum datum, int index)
    {
        var prefix = "&MetricData.member." + index.ToString(CultureInfo.InvariantCulture) + ".";
        var s = datum.Statistics;
        var text = new StringBuilder(256)
            .Append(prefix).Append("MetricName=").Append(Uri.EscapeDataString(datum.Metric.Name))
            .Append(prefix).Append("Unit=").Append(datum.Metric.CloudWatchUnit)
            .Append(prefix).Append("Timestamp=").Append(Uri.EscapeDataString(datum.Timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)))
            .Append(prefix).Append("StatisticValues.SampleCount=").Append(s.SampleCount.ToString(CultureInfo.InvariantCulture))
            .Append(prefix).Append("StatisticValues.Sum=").Append(Number(s.Sum))
            .Append(prefix).Append("StatisticValues.Minimum=").Append(Number(s.Minimum))
            .Append(prefix).Append("StatisticValues.Maximum=").Append(Number(s.Maximum));
        for (var i = 0; i < datum.Dimensions.Count; i++)
        {
            var dimension = datum.Dimensions[i];
            var dimensionPrefix = prefix + "Dimensions.member." + (i + 1).ToString(CultureInfo.InvariantCulture) + ".";
            text.Append(dimensionPrefix).Append("Name=").Append(Uri.EscapeDataString(dimension.Key))
                .Append(dimensionPrefix).Append("Value=").Append(Uri.EscapeDataString(dimension.Value));
        }

        return text.ToString();
    }

    private static string Number(double value) => Uri.EscapeDataString(value.ToString("R", CultureInfo.InvariantCulture));
}
