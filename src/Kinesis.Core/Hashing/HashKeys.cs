using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;

namespace Kinesis.Core.Hashing;

/// <summary>
/// Kinesis hash keys: 128-bit unsigned integers that decide which shard receives a record.
/// A record's hash key is its explicit hash key when one is given, otherwise the MD5 digest of
/// the UTF-8 bytes of its partition key read as a big-endian unsigned 128-bit integer, exactly as
/// Kinesis and the Java KPL compute it.
/// </summary>
/// <remarks>All members are thread-safe and allocation-free unless stated otherwise.</remarks>
public static class HashKeys
{
    /// <summary>The largest hash key, 2^128 - 1.</summary>
    public static readonly UInt128 MaxValue = UInt128.MaxValue;

    /// <summary>The number of decimal digits of <see cref="MaxValue"/>, the longest explicit hash key string.</summary>
    public const int MaxDecimalLength = 39;

    private const string RangeText = "[0, 2^128-1]";

    // Keys longer than this are encoded into a rented buffer rather than on the stack.
    private const int MaxStackUtf8Length = 1024;

    /// <summary>Computes the hash key of a partition key: MD5 of its UTF-8 bytes, read big-endian.</summary>
    /// <param name="partitionKey">The partition key. Invalid UTF-16 (a lone surrogate) is encoded as U+FFFD, as <see cref="Encoding.UTF8"/> does.</param>
    /// <returns>The 128-bit hash key.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="partitionKey"/> is <see langword="null"/>.</exception>
    public static UInt128 FromPartitionKey(string partitionKey)
    {
        ArgumentNullException.ThrowIfNull(partitionKey);
        return FromPartitionKey(partitionKey.AsSpan());
    }

    /// <summary>Computes the hash key of a partition key: MD5 of its UTF-8 bytes, read big-endian.</summary>
    /// <param name="partitionKey">The partition key. Invalid UTF-16 (a lone surrogate) is encoded as U+FFFD, as <see cref="Encoding.UTF8"/> does.</param>
    /// <returns>The 128-bit hash key.</returns>
    public static UInt128 FromPartitionKey(ReadOnlySpan<char> partitionKey)
    {
        if (Md5SingleBlock.TryHashUtf8(partitionKey, out UInt128 hashKey))
        {
            return hashKey;
        }

        return FromLongPartitionKey(partitionKey);
    }

    /// <summary>
    /// Computes the hash keys of many partition keys at once, each exactly as <see cref="FromPartitionKey(string)"/>
    /// does. On hardware with 512-bit or 256-bit vectors, 16 or 8 keys of up to 55 UTF-8 bytes share one pass of the MD5
    /// steps, several times faster than one key at a time; longer keys are hashed one by one.
    /// </summary>
    /// <param name="partitionKeys">The partition keys, none null.</param>
    /// <param name="hashKeys">Receives the hash key of each partition key, in order; at least as long as <paramref name="partitionKeys"/>.</param>
    /// <exception cref="ArgumentNullException">A partition key is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="hashKeys"/> is shorter than <paramref name="partitionKeys"/>.</exception>
    public static void FromPartitionKeys(ReadOnlySpan<string> partitionKeys, Span<UInt128> hashKeys) =>
        FromPartitionKeys(partitionKeys, hashKeys, Md5MultiBuffer.Lanes);

    /// <summary>As <see cref="FromPartitionKeys(ReadOnlySpan{string}, Span{UInt128})"/>, with a chosen lane count (16, 8 or 1), so tests reach every path.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void FromPartitionKeys(ReadOnlySpan<string> partitionKeys, Span<UInt128> hashKeys, int lanes)
    {
        if (hashKeys.Length < partitionKeys.Length)
        {
            throw new ArgumentException($"The hash keys need room for {partitionKeys.Length} results; got {hashKeys.Length}.", nameof(hashKeys));
        }

        const int GroupSize = 16;
        const int BlockLength = 64;
        Span<byte> blocks = stackalloc byte[GroupSize * BlockLength];
        Span<UInt128> grouped = stackalloc UInt128[GroupSize];
        Span<int> targets = stackalloc int[GroupSize];
        int pending = 0;
        for (int i = 0; i < partitionKeys.Length; i++)
        {
            string key = partitionKeys[i] ?? throw new ArgumentNullException(nameof(partitionKeys), $"Partition key {i} is null.");
            if (lanes == 1 || !Md5SingleBlock.TryPadUtf8(key, blocks.Slice(pending * BlockLength, BlockLength)))
            {
                hashKeys[i] = FromPartitionKey(key.AsSpan());
                continue;
            }

            targets[pending++] = i;
            if (pending == GroupSize)
            {
                Flush(blocks, grouped, targets, pending, hashKeys, lanes);
                pending = 0;
            }
        }

        if (pending > 0)
        {
            Flush(blocks, grouped, targets, pending, hashKeys, lanes);
        }

        static void Flush(Span<byte> blocks, Span<UInt128> grouped, Span<int> targets, int count, Span<UInt128> hashKeys, int lanes)
        {
            Md5MultiBuffer.HashSingleBlocks(blocks[..(count * BlockLength)], grouped[..count], lanes);
            for (int j = 0; j < count; j++)
            {
                hashKeys[targets[j]] = grouped[j];
            }
        }
    }

    /// <summary>Computes the hash key of a partition key already encoded as UTF-8.</summary>
    /// <param name="utf8PartitionKey">The UTF-8 bytes of the partition key.</param>
    /// <returns>The 128-bit hash key.</returns>
    public static UInt128 FromUtf8PartitionKey(ReadOnlySpan<byte> utf8PartitionKey)
    {
        if (utf8PartitionKey.Length <= Md5SingleBlock.MaxMessageLength)
        {
            return Md5SingleBlock.Hash(utf8PartitionKey);
        }

        Span<byte> digest = stackalloc byte[MD5.HashSizeInBytes];
        MD5.HashData(utf8PartitionKey, digest);
        return BinaryPrimitives.ReadUInt128BigEndian(digest);
    }

    /// <summary>
    /// Returns the hash key Kinesis uses for a record: the explicit hash key when given, otherwise the
    /// hash of the partition key.
    /// </summary>
    /// <param name="partitionKey">The partition key.</param>
    /// <param name="explicitHashKey">The explicit hash key in decimal, or <see langword="null"/>.</param>
    /// <returns>The effective hash key.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="partitionKey"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="explicitHashKey"/> is not a decimal integer in [0, 2^128-1].</exception>
    public static UInt128 Effective(string partitionKey, string? explicitHashKey) =>
        explicitHashKey is null ? FromPartitionKey(partitionKey) : ParseExplicitHashKey(explicitHashKey);

    /// <summary>Parses a decimal explicit hash key (digits only, no sign, no white space).</summary>
    /// <param name="explicitHashKey">The decimal text, for example <c>"191415658344158766168031473277922803570"</c>.</param>
    /// <param name="paramName">The argument name reported in an exception; filled in by the compiler.</param>
    /// <returns>The hash key.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="explicitHashKey"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The text is not a decimal integer in the range [0, 2^128-1].</exception>
    public static UInt128 ParseExplicitHashKey(
        string explicitHashKey,
        [CallerArgumentExpression(nameof(explicitHashKey))] string? paramName = null)
    {
        ArgumentNullException.ThrowIfNull(explicitHashKey, paramName);
        if (!TryParseExplicitHashKey(explicitHashKey, out UInt128 value))
        {
            throw new ArgumentException(
                $"An explicit hash key must be a decimal integer in the range {RangeText}; got \"{Truncate(explicitHashKey)}\".",
                paramName);
        }

        return value;
    }

    /// <summary>Tries to parse a decimal explicit hash key (digits only, no sign, no white space).</summary>
    /// <param name="explicitHashKey">The decimal text.</param>
    /// <param name="value">The hash key when the text is valid; otherwise zero.</param>
    /// <returns><see langword="true"/> when the text is a decimal integer in the range [0, 2^128-1].</returns>
    public static bool TryParseExplicitHashKey(ReadOnlySpan<char> explicitHashKey, out UInt128 value)
    {
        // NumberStyles.None admits digits only; UInt128 parsing fails on overflow, which is the upper bound.
        if (explicitHashKey.IsEmpty)
        {
            value = default;
            return false;
        }

        return UInt128.TryParse(explicitHashKey, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>Tries to parse a decimal explicit hash key given as UTF-8 (digits only).</summary>
    /// <param name="utf8ExplicitHashKey">The decimal text in UTF-8.</param>
    /// <param name="value">The hash key when the text is valid; otherwise zero.</param>
    /// <returns><see langword="true"/> when the text is a decimal integer in the range [0, 2^128-1].</returns>
    public static bool TryParseExplicitHashKey(ReadOnlySpan<byte> utf8ExplicitHashKey, out UInt128 value)
    {
        if (utf8ExplicitHashKey.IsEmpty)
        {
            value = default;
            return false;
        }

        return UInt128.TryParse(utf8ExplicitHashKey, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>Formats a hash key as the decimal text Kinesis expects in <c>ExplicitHashKey</c>, <c>StartingHashKey</c> and <c>EndingHashKey</c>.</summary>
    /// <param name="hashKey">The hash key.</param>
    /// <returns>The decimal text (allocates a string).</returns>
    public static string Format(UInt128 hashKey) => hashKey.ToString(CultureInfo.InvariantCulture);

    /// <summary>Writes a hash key as decimal UTF-8 text.</summary>
    /// <param name="hashKey">The hash key.</param>
    /// <param name="destination">Where to write; <see cref="MaxDecimalLength"/> bytes always suffice.</param>
    /// <param name="bytesWritten">The number of bytes written.</param>
    /// <returns><see langword="false"/> when <paramref name="destination"/> is too short.</returns>
    public static bool TryFormat(UInt128 hashKey, Span<byte> destination, out int bytesWritten) =>
        hashKey.TryFormat(destination, out bytesWritten, default, CultureInfo.InvariantCulture);

    /// <summary>Returns the number of decimal digits of <paramref name="hashKey"/> (1 to <see cref="MaxDecimalLength"/>).</summary>
    /// <param name="hashKey">The hash key.</param>
    /// <returns>The length of its decimal text.</returns>
    public static int DecimalLength(UInt128 hashKey)
    {
        int digits = 1;
        if (hashKey >= 10_000_000_000_000_000_000UL)
        {
            // Skip 19 digits at a time so the common 38- and 39-digit keys need few 128-bit divisions.
            hashKey /= 10_000_000_000_000_000_000UL;
            digits += 19;
            if (hashKey >= 10_000_000_000_000_000_000UL)
            {
                hashKey /= 10_000_000_000_000_000_000UL;
                digits += 19;
            }
        }

        ulong rest = (ulong)hashKey;
        while (rest >= 10)
        {
            rest /= 10;
            digits++;
        }

        return digits;
    }

    private static UInt128 FromLongPartitionKey(ReadOnlySpan<char> partitionKey)
    {
        int length = Encoding.UTF8.GetByteCount(partitionKey);
        byte[]? rented = null;
        Span<byte> utf8 = length <= MaxStackUtf8Length
            ? stackalloc byte[length]
            : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            int written = Encoding.UTF8.GetBytes(partitionKey, utf8);
            Span<byte> digest = stackalloc byte[MD5.HashSizeInBytes];
            MD5.HashData(utf8[..written], digest);
            return BinaryPrimitives.ReadUInt128BigEndian(digest);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static string Truncate(string text) => text.Length <= 64 ? text : string.Concat(text.AsSpan(0, 64), "...");
}
