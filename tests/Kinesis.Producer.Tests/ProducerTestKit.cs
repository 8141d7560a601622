using Kinesis.Core.Aggregation;
using Kinesis.LocalServices;
using Kinesis.Testing;

namespace Kinesis.Producer.Tests;

/// <summary>Builds producers against the local emulators and checks what a stream holds.</summary>
internal static class ProducerTestKit
{
    public static KinesisProducerOptions Options(Uri endpoint, HttpMessageHandler? handler = null, Action<KinesisProducerOptions>? configure = null)
    {
        var options = new KinesisProducerOptions
        {
            Region = LocalAwsServices.Region,
            ServiceUrl = endpoint,
            Credentials = LocalKinesis.Credentials,
            HttpMessageHandler = handler,
            RecordMaxBufferedTime = TimeSpan.FromMilliseconds(20),
        };
        configure?.Invoke(options);
        return options;
    }

    public static byte[] Payload(string key, int index, int size = 40)
    {
        var text = $"{key}#{index:D6}#";
        var data = new byte[Math.Max(size, text.Length)];
        System.Text.Encoding.ASCII.GetBytes(text, data);
        return data;
    }

    public static (string Key, int Index) Parse(DeaggregatedRecord record)
    {
        var text = System.Text.Encoding.ASCII.GetString(record.Data.Span).TrimEnd('\0');
        var parts = text.Split('#');
        return (parts[0], int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Asserts every (key, index) below <paramref name="perKey"/> is in the stream exactly once, in order per key.</summary>
    public static void AssertExactlyOnceInOrder(List<(string ShardId, DeaggregatedRecord Record)> read, IReadOnlyList<string> keys, int perKey, bool checkOrder = true)
    {
        var seen = new Dictionary<string, List<(string Seq, long Sub, int Index)>>();
        foreach (var (_, record) in read)
        {
            var (key, index) = Parse(record);
            Assert.Equal(key, record.PartitionKey);
            if (!seen.TryGetValue(key, out var list))
            {
                seen[key] = list = [];
            }

            list.Add((record.SequenceNumber, record.SubSequenceNumber, index));
        }

        foreach (var key in keys)
        {
            Assert.True(seen.TryGetValue(key, out var list), $"no records for key {key}");
            var indexes = list!.Select(e => e.Index).Order().ToArray();
            Assert.Equal(Enumerable.Range(0, perKey), indexes);
            if (checkOrder)
            {
                var byPosition = list!.OrderBy(e => System.Numerics.BigInteger.Parse(e.Seq, System.Globalization.CultureInfo.InvariantCulture)).ThenBy(e => e.Sub).Select(e => e.Index);
                Assert.Equal(Enumerable.Range(0, perKey), byPosition);
            }
        }
    }
}
