using System.Buffers;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Kinesis.Core.Hashing;

namespace Kinesis.Core.Aggregation;

/// <summary>
/// Collects user records into one Kinesis record in the KPL aggregated record format, byte-compatible
/// with the Java KPL, and tracks the exact encoded size as records are added.
/// </summary>
/// <remarks>
/// <para>
/// Partition keys and explicit hash keys are deduplicated into the aggregate's key tables. An aggregate
/// with one user record is encoded raw (just its data, sent with its own partition key), as the KPL does;
/// with two or more it is encoded as magic, protobuf and MD5, sent with partition key
/// <see cref="AggregatedRecordFormat.AggregatePartitionKey"/> and the first record's hash key as explicit
/// hash key. All records of one aggregate should therefore map to the same shard.
/// </para>
/// <para>
/// Adding a record is O(1) and, once the internal buffers have grown to the aggregate's size, allocates
/// nothing; <see cref="Reset"/> keeps those buffers for the next aggregate. Not thread-safe: use one
/// aggregator per thread or per shard queue. Dispose it to return its buffer to the shared array pool.
/// </para>
/// </remarks>
public sealed class RecordAggregator : IDisposable
{
    /// <summary>The default <see cref="MaxSize"/>: 51,200 bytes, the Java KPL's <c>AggregationMaxSize</c> default.</summary>
    public const int DefaultMaxSize = 51_200;

    /// <summary>The smallest allowed <see cref="MaxSize"/> (the Java KPL's lower bound).</summary>
    public const int MinMaxSize = 64;

    /// <summary>
    /// The largest allowed <see cref="MaxSize"/>: 10 MiB (<see cref="Api.KinesisLimits.MaxLargeRecordSize"/>), the largest record of a
    /// stream whose maximum record size is raised. A stream at its default takes 1 MiB (<see cref="Api.KinesisLimits.MaxRecordSize"/>)
    /// of aggregate plus partition key: choose <c>maxSize</c> for the stream written to.
    /// </summary>
    public const int MaxMaxSize = Api.KinesisLimits.MaxLargeRecordSize;

    /// <summary>The default <see cref="MaxRecordCount"/>: no practical limit, as in the Java KPL.</summary>
    public const int DefaultMaxRecordCount = int.MaxValue;

    /// <summary>The longest partition key in UTF-16 characters, as Kinesis allows.</summary>
    public const int MaxPartitionKeyLength = 256;

    /// <summary>The largest user record data, 10 MiB (<see cref="Api.KinesisLimits.MaxLargeRecordSize"/>); a stream at its default takes 1 MiB.</summary>
    public const int MaxDataLength = Api.KinesisLimits.MaxLargeRecordSize;

    private const int InitialBufferSize = 4096;

    private readonly KeyTable<string> _partitionKeys = new(StringComparer.Ordinal);
    private readonly KeyTable<UInt128> _explicitHashKeys = new();

    // The encoded Record fields (field 3 of AggregatedRecord), appended as records are added; Encode
    // writes the key tables in front of them.
    private byte[] _records;
    private int _recordsLength;

    // Data added by reference (TryAddReference): where in the records region each goes, in order. Its bytes count in
    // _referencedLength, not in _recordsLength, and are copied straight into the destination by Encode.
    private readonly List<(int Offset, ReadOnlyMemory<byte> Data)> _references = [];
    private int _referencedLength;
    private ReadOnlyMemory<byte>? _firstReference;

    private string? _firstPartitionKey;
    private UInt128? _firstExplicitHashKey;
    private int _firstDataOffset;
    private int _firstDataLength;
    private bool _disposed;

    /// <summary>Creates an empty aggregator.</summary>
    /// <param name="maxSize">The largest encoded aggregate in bytes, magic and checksum included; from <see cref="MinMaxSize"/> to <see cref="MaxMaxSize"/>, default <see cref="DefaultMaxSize"/>.</param>
    /// <param name="maxRecordCount">The most user records per aggregate; at least 1, default <see cref="DefaultMaxRecordCount"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A limit is out of its range.</exception>
    public RecordAggregator(int maxSize = DefaultMaxSize, int maxRecordCount = DefaultMaxRecordCount)
    {
        if (maxSize is < MinMaxSize or > MaxMaxSize)
        {
            throw new ArgumentOutOfRangeException(nameof(maxSize), maxSize, $"The maximum aggregate size must be in the range [{MinMaxSize}, {MaxMaxSize}] bytes.");
        }

        if (maxRecordCount < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxRecordCount), maxRecordCount, $"The maximum record count must be in the range [1, {int.MaxValue}].");
        }

        MaxSize = maxSize;
        MaxRecordCount = maxRecordCount;
        _records = ArrayPool<byte>.Shared.Rent(Math.Min(InitialBufferSize, maxSize));
    }

    /// <summary>The largest encoded aggregate in bytes (magic and checksum included).</summary>
    public int MaxSize { get; }

    /// <summary>The most user records per aggregate.</summary>
    public int MaxRecordCount { get; }

    /// <summary>The number of user records added since creation or the last <see cref="Reset"/>.</summary>
    public int Count { get; private set; }

    /// <summary>
    /// The exact number of bytes <see cref="Encode(Span{byte})"/> will write: 0 when empty, the data length
    /// for one record (sent raw), otherwise magic + protobuf + 16-byte MD5. Maintained in O(1) per add.
    /// </summary>
    public int EncodedSize => Count switch
    {
        0 => 0,
        1 => _firstDataLength,
        _ => AggregatedSize(_partitionKeys.EncodedSize, _explicitHashKeys.EncodedSize, _recordsLength + _referencedLength),
    };

    /// <summary>
    /// Adds a user record unless that would take the aggregate past <see cref="MaxSize"/> or
    /// <see cref="MaxRecordCount"/>. The first record is always accepted, whatever its size, because a
    /// lone record is sent raw; an aggregate holding it accepts nothing more if it is already too big.
    /// </summary>
    /// <param name="partitionKey">The partition key: 1 to <see cref="MaxPartitionKeyLength"/> characters.</param>
    /// <param name="data">The data, copied into the aggregate; at most <see cref="MaxDataLength"/> bytes.</param>
    /// <param name="explicitHashKey">The explicit hash key, or <see langword="null"/> to route by partition key (see <see cref="HashKeys.ParseExplicitHashKey"/>).</param>
    /// <returns><see langword="true"/> when added; <see langword="false"/> when the aggregate is full (encode and reset it, then add again).</returns>
    /// <exception cref="ArgumentException">The partition key is null, empty or too long, or the data is too long.</exception>
    /// <exception cref="ObjectDisposedException">The aggregator was disposed.</exception>
    public bool TryAdd(string partitionKey, ReadOnlySpan<byte> data, UInt128? explicitHashKey = null) =>
        TryAdd(partitionKey, data, default, byReference: false, explicitHashKey);

    /// <summary>
    /// Adds a user record like <see cref="TryAdd(string, ReadOnlySpan{byte}, UInt128?)"/>, but keeps a reference to
    /// <paramref name="data"/> instead of copying it: the bytes are copied once, by <see cref="Encode(Span{byte})"/>, so
    /// they must stay unchanged until then (or until <see cref="Reset"/>). Records added either way can be mixed.
    /// </summary>
    /// <param name="partitionKey">The partition key: 1 to <see cref="MaxPartitionKeyLength"/> characters.</param>
    /// <param name="data">The data, referenced until the aggregate is encoded; at most <see cref="MaxDataLength"/> bytes.</param>
    /// <param name="explicitHashKey">The explicit hash key, or <see langword="null"/> to route by partition key.</param>
    /// <returns><see langword="true"/> when added; <see langword="false"/> when the aggregate is full.</returns>
    /// <exception cref="ArgumentException">The partition key is null, empty or too long, or the data is too long.</exception>
    /// <exception cref="ObjectDisposedException">The aggregator was disposed.</exception>
    public bool TryAddReference(string partitionKey, ReadOnlyMemory<byte> data, UInt128? explicitHashKey = null) =>
        TryAdd(partitionKey, data.Span, data, byReference: true, explicitHashKey);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool TryAdd(string partitionKey, ReadOnlySpan<byte> data, ReadOnlyMemory<byte> reference, bool byReference, UInt128? explicitHashKey)
    {
        ValidatePartitionKey(partitionKey);
        if (data.Length > MaxDataLength)
        {
            throw new ArgumentException($"User record data must be at most {MaxDataLength} bytes; got {data.Length}.", nameof(data));
        }

        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Count >= MaxRecordCount)
        {
            return false;
        }

        // Work out the size change before anything else changes, so a refused add leaves nothing behind: a new partition
        // key is only reserved (one hash of the key for the lookup and the insert) and dropped again if refused.
        int partitionKeyLength = -1;
        if (!_partitionKeys.FindOrReserve(partitionKey, out int partitionKeyIndex))
        {
            partitionKeyLength = Encoding.UTF8.GetByteCount(partitionKey);
        }

        int explicitHashKeyIndex = -1;
        int explicitHashKeyLength = -1;
        if (explicitHashKey is UInt128 hashKey && !_explicitHashKeys.TryGetIndex(hashKey, out explicitHashKeyIndex))
        {
            explicitHashKeyIndex = _explicitHashKeys.Count;
            explicitHashKeyLength = HashKeys.DecimalLength(hashKey);
        }

        int innerLength = 1 + ProtobufWire.VarintLength((ulong)partitionKeyIndex)
            + (explicitHashKeyIndex >= 0 ? 1 + ProtobufWire.VarintLength((ulong)explicitHashKeyIndex) : 0)
            + ProtobufWire.LengthDelimitedFieldLength(data.Length);
        int recordFieldLength = ProtobufWire.LengthDelimitedFieldLength(innerLength);

        if (Count > 0)
        {
            long sizeAfter = (long)AggregatedSize(_partitionKeys.EncodedSize, _explicitHashKeys.EncodedSize, _recordsLength + _referencedLength)
                + (partitionKeyLength >= 0 ? ProtobufWire.LengthDelimitedFieldLength(partitionKeyLength) : 0)
                + (explicitHashKeyLength >= 0 ? ProtobufWire.LengthDelimitedFieldLength(explicitHashKeyLength) : 0)
                + recordFieldLength;
            if (sizeAfter > MaxSize)
            {
                if (partitionKeyLength >= 0)
                {
                    _partitionKeys.CancelReserved(partitionKey);
                }

                return false;
            }
        }

        if (partitionKeyLength >= 0)
        {
            _partitionKeys.AddReserved(partitionKey, partitionKeyLength);
        }

        if (explicitHashKeyLength >= 0)
        {
            _explicitHashKeys.Add(explicitHashKey!.Value, explicitHashKeyLength);
        }

        // By reference, only the field's header goes into the buffer; the data is written by Encode.
        int bufferedLength = byReference ? recordFieldLength - data.Length : recordFieldLength;
        EnsureRecordsCapacity(_recordsLength + bufferedLength);
        Span<byte> destination = _records.AsSpan(_recordsLength, bufferedLength);
        int position = 0;
        destination[position++] = ProtobufWire.RecordTag;
        position += ProtobufWire.WriteVarint(destination[position..], (ulong)innerLength);
        destination[position++] = ProtobufWire.PartitionKeyIndexTag;
        position += ProtobufWire.WriteVarint(destination[position..], (ulong)partitionKeyIndex);
        if (explicitHashKeyIndex >= 0)
        {
            destination[position++] = ProtobufWire.ExplicitHashKeyIndexTag;
            position += ProtobufWire.WriteVarint(destination[position..], (ulong)explicitHashKeyIndex);
        }

        destination[position++] = ProtobufWire.DataTag;
        position += ProtobufWire.WriteVarint(destination[position..], (ulong)data.Length);
        if (byReference)
        {
            _references.Add((_recordsLength + position, reference));
            _referencedLength += data.Length;
        }
        else
        {
            data.CopyTo(destination[position..]);
        }

        if (Count == 0)
        {
            _firstPartitionKey = partitionKey;
            _firstExplicitHashKey = explicitHashKey;
            _firstDataOffset = _recordsLength + position;
            _firstDataLength = data.Length;
            // Not "byReference ? reference : null": null would become an empty ReadOnlyMemory through byte[].
            _firstReference = byReference ? reference : default(ReadOnlyMemory<byte>?);
        }

        _recordsLength += bufferedLength;
        Count++;
        return true;
    }

    /// <summary>
    /// Writes the Kinesis record into <paramref name="destination"/> (exactly <see cref="EncodedSize"/>
    /// bytes, no allocation) and returns the keys to send it with. The aggregator keeps its records;
    /// call <see cref="Reset"/> to start the next aggregate.
    /// </summary>
    /// <param name="destination">The buffer writer to append to.</param>
    /// <returns>The keys and length of the Kinesis record.</returns>
    /// <exception cref="InvalidOperationException">The aggregator is empty.</exception>
    public EncodedRecordInfo Encode(IBufferWriter<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ObjectDisposedException.ThrowIf(_disposed, this);
        int size = EncodedSize;
        EncodedRecordInfo info = Encode(destination.GetSpan(size));
        destination.Advance(size);
        return info;
    }

    /// <summary>
    /// Writes the Kinesis record into the start of <paramref name="destination"/> (exactly
    /// <see cref="EncodedSize"/> bytes, no allocation) and returns the keys to send it with.
    /// </summary>
    /// <param name="destination">At least <see cref="EncodedSize"/> bytes.</param>
    /// <returns>The keys and length of the Kinesis record.</returns>
    /// <exception cref="InvalidOperationException">The aggregator is empty.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <see cref="EncodedSize"/>.</exception>
    public EncodedRecordInfo Encode(Span<byte> destination) => EncodeCore(destination, writeChecksum: true);

    /// <summary>
    /// Encodes each of <paramref name="aggregators"/> into the start of its own destination, exactly as
    /// <see cref="Encode(Span{byte})"/> would, and computes the MD5 checksums of the aggregated ones together: on
    /// hardware with 256-bit or 512-bit vectors 8 or 16 checksums share the instructions, several times faster than
    /// one at a time (MD5 cannot be split within one message). Allocates nothing for up to 512 aggregators.
    /// </summary>
    /// <param name="aggregators">The aggregators, none empty. They keep their records, as with <see cref="Encode(Span{byte})"/>.</param>
    /// <param name="destinations">One buffer per aggregator, each at least its <see cref="EncodedSize"/>.</param>
    /// <param name="results">Receives what was written for each aggregator, in order.</param>
    /// <exception cref="ArgumentException">The three spans differ in length, or a destination is too short.</exception>
    /// <exception cref="InvalidOperationException">An aggregator is empty.</exception>
    public static void EncodeAll(ReadOnlySpan<RecordAggregator> aggregators, ReadOnlySpan<byte[]> destinations, Span<EncodedRecordInfo> results)
    {
        if (destinations.Length != aggregators.Length || results.Length != aggregators.Length)
        {
            throw new ArgumentException($"Every aggregator needs one destination and one result; got {aggregators.Length} aggregators, {destinations.Length} destinations and {results.Length} results.", nameof(destinations));
        }

        ArraySegment<byte>[] messages = ArrayPool<ArraySegment<byte>>.Shared.Rent(aggregators.Length);
        byte[] digests = ArrayPool<byte>.Shared.Rent(aggregators.Length * Md5MultiBuffer.DigestLength);
        try
        {
            int count = 0;
            for (int i = 0; i < aggregators.Length; i++)
            {
                ArgumentNullException.ThrowIfNull(destinations[i], nameof(destinations));
                results[i] = aggregators[i].EncodeCore(destinations[i], writeChecksum: false);
                if (results[i].IsAggregated)
                {
                    messages[count++] = new ArraySegment<byte>(destinations[i], AggregatedRecordFormat.MagicLength, results[i].Length - AggregatedRecordFormat.FixedOverhead);
                }
            }

            Md5MultiBuffer.HashData(messages.AsSpan(0, count), digests);
            for (int i = 0; i < count; i++)
            {
                digests.AsSpan(i * Md5MultiBuffer.DigestLength, Md5MultiBuffer.DigestLength).CopyTo(messages[i].Array.AsSpan(messages[i].Offset + messages[i].Count, Md5MultiBuffer.DigestLength));
            }
        }
        finally
        {
            messages.AsSpan(0, aggregators.Length).Clear();
            ArrayPool<ArraySegment<byte>>.Shared.Return(messages);
            ArrayPool<byte>.Shared.Return(digests);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private EncodedRecordInfo EncodeCore(Span<byte> destination, bool writeChecksum)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Count == 0)
        {
            throw new InvalidOperationException("An empty aggregator has nothing to encode.");
        }

        int size = EncodedSize;
        if (destination.Length < size)
        {
            throw new ArgumentException($"The destination must hold at least {size} bytes (EncodedSize); got {destination.Length}.", nameof(destination));
        }

        UInt128 hashKey = _firstExplicitHashKey ?? HashKeys.FromPartitionKey(_firstPartitionKey!);
        if (Count == 1)
        {
            ReadOnlySpan<byte> first = _firstReference is { } referenced ? referenced.Span : _records.AsSpan(_firstDataOffset, _firstDataLength);
            first.CopyTo(destination);
            return new EncodedRecordInfo(_firstPartitionKey!, hashKey, size, 1, IsAggregated: false);
        }

        AggregatedRecordFormat.Magic.CopyTo(destination);
        Span<byte> message = destination.Slice(AggregatedRecordFormat.MagicLength, size - AggregatedRecordFormat.FixedOverhead);
        int position = 0;
        for (int i = 0; i < _partitionKeys.Count; i++)
        {
            message[position++] = ProtobufWire.PartitionKeyTableTag;
            position += ProtobufWire.WriteVarint(message[position..], (ulong)_partitionKeys.EncodedLengthAt(i));
            position += Encoding.UTF8.GetBytes(_partitionKeys[i], message[position..]);
        }

        for (int i = 0; i < _explicitHashKeys.Count; i++)
        {
            message[position++] = ProtobufWire.ExplicitHashKeyTableTag;
            position += ProtobufWire.WriteVarint(message[position..], (ulong)_explicitHashKeys.EncodedLengthAt(i));
            HashKeys.TryFormat(_explicitHashKeys[i], message[position..], out int written);
            position += written;
        }

        WriteRecords(message[position..]);
        if (writeChecksum)
        {
            MD5.HashData(message, destination.Slice(AggregatedRecordFormat.MagicLength + message.Length, AggregatedRecordFormat.ChecksumLength));
        }

        return new EncodedRecordInfo(AggregatedRecordFormat.AggregatePartitionKey, hashKey, size, Count, IsAggregated: true);
    }

    /// <summary>Removes all records, keeping the buffers for the next aggregate.</summary>
    public void Reset()
    {
        _partitionKeys.Clear();
        _explicitHashKeys.Clear();
        _recordsLength = 0;
        _references.Clear();
        _referencedLength = 0;
        _firstReference = null;
        _firstPartitionKey = null;
        _firstExplicitHashKey = null;
        _firstDataOffset = 0;
        _firstDataLength = 0;
        Count = 0;
    }

    /// <summary>Returns the buffer to the shared array pool. Idempotent.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Reset();
        ArrayPool<byte>.Shared.Return(_records);
        _records = [];
    }

    /// <summary>The records region: the buffered bytes with the referenced data spliced in at their offsets.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void WriteRecords(Span<byte> destination)
    {
        int buffered = 0;
        int written = 0;
        foreach (var (offset, data) in _references)
        {
            _records.AsSpan(buffered, offset - buffered).CopyTo(destination[written..]);
            written += offset - buffered;
            buffered = offset;
            data.Span.CopyTo(destination[written..]);
            written += data.Length;
        }

        _records.AsSpan(buffered, _recordsLength - buffered).CopyTo(destination[written..]);
    }

    private static int AggregatedSize(int partitionKeyTableSize, int explicitHashKeyTableSize, int recordsSize) =>
        AggregatedRecordFormat.FixedOverhead + partitionKeyTableSize + explicitHashKeyTableSize + recordsSize;

    private static void ValidatePartitionKey(string partitionKey)
    {
        ArgumentNullException.ThrowIfNull(partitionKey);
        if (partitionKey.Length is 0 or > MaxPartitionKeyLength)
        {
            throw new ArgumentException(
                $"A partition key must be 1 to {MaxPartitionKeyLength} characters long; got {partitionKey.Length}.",
                nameof(partitionKey));
        }
    }

    private void EnsureRecordsCapacity(int required)
    {
        if (required <= _records.Length)
        {
            return;
        }

        byte[] larger = ArrayPool<byte>.Shared.Rent(Math.Max(required, _records.Length * 2));
        _records.AsSpan(0, _recordsLength).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_records);
        _records = larger;
    }
}
