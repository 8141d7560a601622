using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Kinesis.Benchmarks.AgentThroughput;

/// <summary>
/// Stands in for Kinesis behind the producer's HTTP pipeline: <c>shards</c> shards splitting the hash key range evenly,
/// and every PutRecords record accepted at once on the shard its hash key falls in. The request is still serialized
/// and read, so the agent and the producer pay what they pay against a real endpoint; only the network and the service
/// are left out. (One shard would cap the run at the producer's per-shard rate limit, about 1.5 MB/s.)
/// </summary>
internal sealed class AcknowledgingKinesisHandler : HttpMessageHandler
{
    private readonly UInt128 width;
    private readonly byte[] listShards;

    public AcknowledgingKinesisHandler(int shards)
    {
        width = UInt128.MaxValue / (UInt128)shards;
        var json = new StringBuilder("{\"Shards\":[");
        for (var i = 0; i < shards; i++)
        {
            var start = width * (UInt128)i;
            var end = i == shards - 1 ? UInt128.MaxValue : (width * (UInt128)(i + 1)) - 1;
            json.Append(i == 0 ? "{" : ",{")
                .Append(CultureInfo.InvariantCulture, $"\"ShardId\":\"{ShardId(i)}\",\"HashKeyRange\":{{\"StartingHashKey\":\"{start}\",\"EndingHashKey\":\"{end}\"}},")
                .Append("\"SequenceNumberRange\":{\"StartingSequenceNumber\":\"0\"}}");
        }

        listShards = Encoding.UTF8.GetBytes(json.Append("]}").ToString());
        Shards = shards;
    }

    public int Shards { get; }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var target = request.Headers.GetValues("X-Amz-Target").First();
        if (target.EndsWith(".ListShards", StringComparison.Ordinal))
        {
            return Json(listShards);
        }

        var body = await request.Content!.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        using var output = new MemoryStream();
        output.Write("{\"FailedRecordCount\":0,\"Records\":["u8);
        var first = true;
        foreach (var hashKey in HashKeys(body))
        {
            output.Write(first ? "{"u8 : ",{"u8);
            first = false;
            output.Write(Encoding.UTF8.GetBytes($"\"SequenceNumber\":\"49590338271490256608559692538361571095921575989136588898\",\"ShardId\":\"{ShardId((int)UInt128.Min(hashKey / width, (UInt128)(Shards - 1)))}\"}}"));
        }

        output.Write("]}"u8);
        return Json(output.ToArray());
    }

    private static string ShardId(int index) => $"shardId-{index:D12}";

    // Each record's hash key: its ExplicitHashKey, else the MD5 of its partition key (big-endian), as Kinesis routes.
    private static List<UInt128> HashKeys(byte[] body)
    {
        var keys = new List<UInt128>();
        var reader = new Utf8JsonReader(body);
        string? partitionKey = null, explicitHashKey = null;
        var inRecords = false;
        while (reader.Read())
        {
            if (!inRecords)
            {
                if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals("Records"u8))
                {
                    inRecords = true;
                    reader.Read();
                }

                continue;
            }

            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    partitionKey = explicitHashKey = null;
                    break;
                case JsonTokenType.PropertyName when reader.ValueTextEquals("PartitionKey"u8):
                    reader.Read();
                    partitionKey = reader.GetString();
                    break;
                case JsonTokenType.PropertyName when reader.ValueTextEquals("ExplicitHashKey"u8):
                    reader.Read();
                    explicitHashKey = reader.GetString();
                    break;
                case JsonTokenType.PropertyName:
                    reader.Read();
                    reader.Skip();
                    break;
                case JsonTokenType.EndObject:
                    keys.Add(explicitHashKey is not null
                        ? UInt128.Parse(explicitHashKey, CultureInfo.InvariantCulture)
                        : BinaryPrimitives.ReadUInt128BigEndian(MD5.HashData(Encoding.UTF8.GetBytes(partitionKey ?? string.Empty))));
                    break;
                case JsonTokenType.EndArray:
                    return keys;
            }
        }

        return keys;
    }

    private static HttpResponseMessage Json(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-amz-json-1.1");
        return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
    }
}
