using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Unicode;

namespace Kinesis.Core.Hashing;

/// <summary>
/// MD5 (RFC 1321) of a message that fits one 64-byte block (at most <see cref="MaxMessageLength"/>
/// bytes), returned as the digest read big-endian: the Kinesis hash key of that message.
/// </summary>
/// <remarks>
/// Why it exists: partition keys are short (a UUID is 36 bytes), and for one block the fixed cost of the
/// OS-backed <see cref="System.Security.Cryptography.MD5.HashData(ReadOnlySpan{byte}, Span{byte})"/>
/// (a native call and an incremental-hash context) is several times the cost of the 64 compression
/// steps themselves; see the PartitionKeyHashBenchmarks. MD5 is used here as the KPL uses it, to spread
/// keys over shards, not for security.
/// </remarks>
internal static class Md5SingleBlock
{
    /// <summary>The longest message that fits one block with its padding and 8-byte length.</summary>
    public const int MaxMessageLength = 55;

    private const int BlockLength = 64;

    /// <summary>
    /// Encodes <paramref name="chars"/> as UTF-8 (invalid UTF-16 becomes U+FFFD, as with
    /// <see cref="System.Text.Encoding.UTF8"/>) and hashes it, if the UTF-8 fits one block.
    /// </summary>
    /// <returns><see langword="false"/> when the UTF-8 form is longer than <see cref="MaxMessageLength"/>.</returns>
    public static bool TryHashUtf8(ReadOnlySpan<char> chars, out UInt128 hashKey)
    {
        Span<byte> block = stackalloc byte[BlockLength];
        if (!TryPadUtf8(chars, block))
        {
            hashKey = default;
            return false;
        }

        hashKey = Compress(block);
        return true;
    }

    /// <summary>
    /// Writes the padded block of <paramref name="chars"/> as UTF-8 (its bytes, 0x80, zeros, its bit length) into
    /// <paramref name="block"/>, ready to compress, if the UTF-8 fits one block; <see cref="Md5MultiBuffer"/> compresses
    /// many such blocks at once.
    /// </summary>
    /// <param name="chars">The text; invalid UTF-16 becomes U+FFFD, as with <see cref="System.Text.Encoding.UTF8"/>.</param>
    /// <param name="block">At least 64 bytes.</param>
    /// <returns><see langword="false"/> when the UTF-8 form is longer than <see cref="MaxMessageLength"/>.</returns>
    public static bool TryPadUtf8(ReadOnlySpan<char> chars, Span<byte> block)
    {
        // Every char takes at least one UTF-8 byte, so a longer string cannot fit; a shorter one fits unless
        // it holds enough non-ASCII characters, which the encoder reports as DestinationTooSmall.
        if (chars.Length > MaxMessageLength)
        {
            return false;
        }

        OperationStatus status = Utf8.FromUtf16(chars, block[..MaxMessageLength], out _, out int length);
        if (status != OperationStatus.Done)
        {
            return false;
        }

        Pad(block, length);
        return true;
    }

    /// <summary>Hashes <paramref name="message"/>, which must be at most <see cref="MaxMessageLength"/> bytes.</summary>
    public static UInt128 Hash(ReadOnlySpan<byte> message)
    {
        Span<byte> block = stackalloc byte[BlockLength];
        message.CopyTo(block);
        return HashPadded(block, message.Length);
    }

    /// <summary>Pads the message already in the first <paramref name="length"/> bytes of <paramref name="block"/> and hashes it.</summary>
    private static UInt128 HashPadded(Span<byte> block, int length)
    {
        Pad(block, length);
        return Compress(block);
    }

    private static void Pad(Span<byte> block, int length)
    {
        block[length] = 0x80;
        block.Slice(length + 1, MaxMessageLength - length).Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(block[(MaxMessageLength + 1)..], (ulong)length * 8);
    }

    /// <summary>Compresses one padded block from the initial state and returns the hash key.</summary>
    internal static UInt128 Compress(ReadOnlySpan<byte> block)
    {
        uint m0 = Word(block, 0), m1 = Word(block, 1), m2 = Word(block, 2), m3 = Word(block, 3);
        uint m4 = Word(block, 4), m5 = Word(block, 5), m6 = Word(block, 6), m7 = Word(block, 7);
        uint m8 = Word(block, 8), m9 = Word(block, 9), m10 = Word(block, 10), m11 = Word(block, 11);
        uint m12 = Word(block, 12), m13 = Word(block, 13), m14 = Word(block, 14), m15 = Word(block, 15);

        uint a = 0x67452301, b = 0xefcdab89, c = 0x98badcfe, d = 0x10325476;
        a = F(a, b, c, d, m0, 7, 0xd76aa478);
        d = F(d, a, b, c, m1, 12, 0xe8c7b756);
        c = F(c, d, a, b, m2, 17, 0x242070db);
        b = F(b, c, d, a, m3, 22, 0xc1bdceee);
        a = F(a, b, c, d, m4, 7, 0xf57c0faf);
        d = F(d, a, b, c, m5, 12, 0x4787c62a);
        c = F(c, d, a, b, m6, 17, 0xa8304613);
        b = F(b, c, d, a, m7, 22, 0xfd469501);
        a = F(a, b, c, d, m8, 7, 0x698098d8);
        d = F(d, a, b, c, m9, 12, 0x8b44f7af);
        c = F(c, d, a, b, m10, 17, 0xffff5bb1);
        b = F(b, c, d, a, m11, 22, 0x895cd7be);
        a = F(a, b, c, d, m12, 7, 0x6b901122);
        d = F(d, a, b, c, m13, 12, 0xfd987193);
        c = F(c, d, a, b, m14, 17, 0xa679438e);
        b = F(b, c, d, a, m15, 22, 0x49b40821);
        a = G(a, b, c, d, m1, 5, 0xf61e2562);
        d = G(d, a, b, c, m6, 9, 0xc040b340);
        c = G(c, d, a, b, m11, 14, 0x265e5a51);
        b = G(b, c, d, a, m0, 20, 0xe9b6c7aa);
        a = G(a, b, c, d, m5, 5, 0xd62f105d);
        d = G(d, a, b, c, m10, 9, 0x02441453);
        c = G(c, d, a, b, m15, 14, 0xd8a1e681);
        b = G(b, c, d, a, m4, 20, 0xe7d3fbc8);
        a = G(a, b, c, d, m9, 5, 0x21e1cde6);
        d = G(d, a, b, c, m14, 9, 0xc33707d6);
        c = G(c, d, a, b, m3, 14, 0xf4d50d87);
        b = G(b, c, d, a, m8, 20, 0x455a14ed);
        a = G(a, b, c, d, m13, 5, 0xa9e3e905);
        d = G(d, a, b, c, m2, 9, 0xfcefa3f8);
        c = G(c, d, a, b, m7, 14, 0x676f02d9);
        b = G(b, c, d, a, m12, 20, 0x8d2a4c8a);
        a = H(a, b, c, d, m5, 4, 0xfffa3942);
        d = H(d, a, b, c, m8, 11, 0x8771f681);
        c = H(c, d, a, b, m11, 16, 0x6d9d6122);
        b = H(b, c, d, a, m14, 23, 0xfde5380c);
        a = H(a, b, c, d, m1, 4, 0xa4beea44);
        d = H(d, a, b, c, m4, 11, 0x4bdecfa9);
        c = H(c, d, a, b, m7, 16, 0xf6bb4b60);
        b = H(b, c, d, a, m10, 23, 0xbebfbc70);
        a = H(a, b, c, d, m13, 4, 0x289b7ec6);
        d = H(d, a, b, c, m0, 11, 0xeaa127fa);
        c = H(c, d, a, b, m3, 16, 0xd4ef3085);
        b = H(b, c, d, a, m6, 23, 0x04881d05);
        a = H(a, b, c, d, m9, 4, 0xd9d4d039);
        d = H(d, a, b, c, m12, 11, 0xe6db99e5);
        c = H(c, d, a, b, m15, 16, 0x1fa27cf8);
        b = H(b, c, d, a, m2, 23, 0xc4ac5665);
        a = I(a, b, c, d, m0, 6, 0xf4292244);
        d = I(d, a, b, c, m7, 10, 0x432aff97);
        c = I(c, d, a, b, m14, 15, 0xab9423a7);
        b = I(b, c, d, a, m5, 21, 0xfc93a039);
        a = I(a, b, c, d, m12, 6, 0x655b59c3);
        d = I(d, a, b, c, m3, 10, 0x8f0ccc92);
        c = I(c, d, a, b, m10, 15, 0xffeff47d);
        b = I(b, c, d, a, m1, 21, 0x85845dd1);
        a = I(a, b, c, d, m8, 6, 0x6fa87e4f);
        d = I(d, a, b, c, m15, 10, 0xfe2ce6e0);
        c = I(c, d, a, b, m6, 15, 0xa3014314);
        b = I(b, c, d, a, m13, 21, 0x4e0811a1);
        a = I(a, b, c, d, m4, 6, 0xf7537e82);
        d = I(d, a, b, c, m11, 10, 0xbd3af235);
        c = I(c, d, a, b, m2, 15, 0x2ad7d2bb);
        b = I(b, c, d, a, m9, 21, 0xeb86d391);

        a += 0x67452301;
        b += 0xefcdab89;
        c += 0x98badcfe;
        d += 0x10325476;

        return ToHashKey(a, b, c, d);
    }

    /// <summary>The hash key of an MD5 state: the digest is a, b, c, d in little-endian byte order, read big-endian.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static UInt128 ToHashKey(uint a, uint b, uint c, uint d)
    {
        ulong upper = ((ulong)BinaryPrimitives.ReverseEndianness(a) << 32) | BinaryPrimitives.ReverseEndianness(b);
        ulong lower = ((ulong)BinaryPrimitives.ReverseEndianness(c) << 32) | BinaryPrimitives.ReverseEndianness(d);
        return new UInt128(upper, lower);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Word(ReadOnlySpan<byte> block, int index)
    {
        // Callers pass a 64-byte block and indices 0-15; reading without bounds checks keeps the 16 loads cheap.
        uint word = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref MemoryMarshal.GetReference(block), index * 4));
        return BitConverter.IsLittleEndian ? word : BinaryPrimitives.ReverseEndianness(word);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint F(uint a, uint b, uint c, uint d, uint m, int s, uint k) =>
        BitOperations.RotateLeft(a + (d ^ (b & (c ^ d))) + m + k, s) + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint G(uint a, uint b, uint c, uint d, uint m, int s, uint k) =>
        BitOperations.RotateLeft(a + (c ^ (d & (b ^ c))) + m + k, s) + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint H(uint a, uint b, uint c, uint d, uint m, int s, uint k) =>
        BitOperations.RotateLeft(a + (b ^ c ^ d) + m + k, s) + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint I(uint a, uint b, uint c, uint d, uint m, int s, uint k) =>
        BitOperations.RotateLeft(a + (c ^ (b | ~d)) + m + k, s) + b;
}
