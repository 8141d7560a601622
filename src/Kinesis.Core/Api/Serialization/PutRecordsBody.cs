using System.Security.Cryptography;
using System.Text.Json;
using Kinesis.Core.Http;

namespace Kinesis.Core.Api.Serialization;

/// <summary>
/// A large PutRecords body written to the connection record by record, in chunks of about <see cref="ChunkSize"/> bytes,
/// instead of whole into a buffer of up to ~7 MB (base64 of 5 MiB), which lands on the large object heap and is fresh
/// memory the first times. The JSON is written twice: once at construction to learn its length and hash (for SigV4),
/// once while sending; both passes write the same bytes from the same records, which the caller keeps unchanged until
/// the call has ended.
/// </summary>
internal sealed class PutRecordsBody : AwsStreamedBody
{
    /// <summary>About how many bytes are handed on at a time; one record larger than this goes whole.</summary>
    public const int ChunkSize = 64 * 1024;

    private readonly PutRecordsRequest request;
    private readonly long length;
    private readonly string payloadSha256;

    public PutRecordsBody(PutRecordsRequest request)
    {
        this.request = request;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var chunk in Chunks())
        {
            length += chunk.Length;
            hash.AppendData(chunk.Span);
        }

        payloadSha256 = Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
    }

    public override long Length => length;

    public override string PayloadSha256 => payloadSha256;

    public override async Task WriteToAsync(Stream stream, CancellationToken cancellationToken)
    {
        foreach (var chunk in Chunks())
        {
            await stream.WriteAsync(chunk, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The body's JSON in chunks of about <see cref="ChunkSize"/> bytes, written as they are asked for. Both passes (length
    /// and hash, then sending) take their bytes from here, so they cannot differ; a chunk is valid until the next one.
    /// </summary>
    private IEnumerable<ReadOnlyMemory<byte>> Chunks()
    {
        using var chunk = new PooledBufferWriter(ChunkSize * 2);
        using var writer = new Utf8JsonWriter(chunk, KinesisRequestWriter.WriterOptions);
        KinesisRequestWriter.PutRecordsStart(writer, request);
        var records = request.Records;
        for (var i = 0; i < records.Count; i++)
        {
            KinesisRequestWriter.PutRecordsEntry(writer, records[i]);
            if (chunk.WrittenCount + writer.BytesPending >= ChunkSize)
            {
                writer.Flush();
                yield return chunk.WrittenMemory;
                chunk.Clear();
            }
        }

        KinesisRequestWriter.PutRecordsEnd(writer);
        writer.Flush();
        yield return chunk.WrittenMemory;
    }
}
