using System.Buffers;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Kinesis.Core.Hashing;

namespace Kinesis.Benchmarks.Producer;

/// <summary>
/// Stands in for Kinesis after the request body is serialized: answers ListShards with a fixed shard map
/// and PutRecords with success for every record, routed to the shard its hash key belongs to.
/// </summary>
internal sealed class InMemoryKinesisHandler : HttpMessageHandler
{
    private readonly ShardMap map;
    private readonly byte[] listShardsResponse;
    private long sequence;

    public InMemoryKinesisHandler(int shardCount)
    {
        var shards = new List<ShardMapEntry>();
        var json = new StringBuilder("{\"Shards\":[");
        var width = UInt128.MaxValue / (UInt128)shardCount;
        for (var i = 0; i < shardCount; i++)
        {
            var start = width * (UInt128)i;
            var end = i == shardCount - 1 ? UInt128.MaxValue : (width * (UInt128)(i + 1)) - 1;
            var id = $"shardId-{i:D12}";
            shards.Add(new ShardMapEntry(id, null, null, new HashKeyRange(start, end), IsOpen: true));
            json.Append(i == 0 ? "{" : ",{")
                .Append("\"ShardId\":\"").Append(id)
                .Append("\",\"HashKeyRange\":{\"StartingHashKey\":\"").Append(start)
                .Append("\",\"EndingHashKey\":\"").Append(end)
                .Append("\"},\"SequenceNumberRange\":{\"StartingSequenceNumber\":\"0\"}}");
        }

        json.Append("]}");
        map = new ShardMap(shards);
        listShardsResponse = Encoding.UTF8.GetBytes(json.ToString());
    }

    /// <summary>User-visible Kinesis records accepted so far.</summary>
    public long RecordsAccepted;

    /// <summary>When set, PutRecords calls never answer (until cancelled): the producer's send loop stays idle.</summary>
    public bool HangPutRecords { get; init; }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var target = request.Headers.GetValues("X-Amz-Target").First();
        if (target.EndsWith(".ListShards", StringComparison.Ordinal))
        {
            return Json(listShardsResponse);
        }

        if (HangPutRecords)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }

        // Read into a pooled buffer: the sink should not add allocations the real network would not cause.
        var length = (int)request.Content!.Headers.ContentLength!.Value;
        var body = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            // CopyToAsync serializes straight into our buffer, as a socket handler would; ReadAsStreamAsync would copy.
            using var destination = new MemoryStream(body, 0, length, writable: true);
            await request.Content.CopyToAsync(destination, cancellationToken).ConfigureAwait(false);
            return Json(PutRecordsResponse(body.AsSpan(0, length)));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(body);
        }
    }

    private byte[] PutRecordsResponse(ReadOnlySpan<byte> body)
    {
        var output = new MemoryStream();
        using (var writer = new Utf8JsonWriter(output))
        {
            writer.WriteStartObject();
            writer.WriteNumber("FailedRecordCount", 0);
            writer.WriteStartArray("Records");
            var reader = new Utf8JsonReader(body);
            string? partitionKey = null;
            string? explicitHashKey = null;
            var depth = 0;
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        depth++;
                        partitionKey = null;
                        explicitHashKey = null;
                        break;
                    case JsonTokenType.EndObject:
                        if (depth-- == 2)
                        {
                            var hashKey = explicitHashKey is not null ? HashKeys.ParseExplicitHashKey(explicitHashKey) : HashKeys.FromPartitionKey(partitionKey!);
                            map.TryRoute(hashKey, out var shard);
                            writer.WriteStartObject();
                            writer.WriteString("ShardId", shard!.ShardId);
                            writer.WriteString("SequenceNumber", Interlocked.Increment(ref sequence).ToString(System.Globalization.CultureInfo.InvariantCulture));
                            writer.WriteEndObject();
                            Interlocked.Increment(ref RecordsAccepted);
                        }

                        break;
                    case JsonTokenType.PropertyName when depth == 2:
                        if (reader.ValueTextEquals("PartitionKey"u8))
                        {
                            reader.Read();
                            partitionKey = reader.GetString();
                        }
                        else if (reader.ValueTextEquals("ExplicitHashKey"u8))
                        {
                            reader.Read();
                            explicitHashKey = reader.GetString();
                        }
                        else
                        {
                            reader.Skip();
                        }

                        break;
                }
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return output.ToArray();
    }

    private static HttpResponseMessage Json(byte[] body) => new(HttpStatusCode.OK)
    {
        Content = new ByteArrayContent(body) { Headers = { ContentType = new("application/x-amz-json-1.1") } },
    };
}
