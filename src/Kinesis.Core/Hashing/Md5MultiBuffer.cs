using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;

namespace Kinesis.Core.Hashing;

/// <summary>
/// MD5 (RFC 1321) of several messages at once: each lane of a SIMD vector carries one message, so 16 messages
/// (AVX-512) or 8 (AVX2) go through the 64 compression steps together. The digests are byte for byte those of
/// <see cref="MD5.HashData(ReadOnlySpan{byte}, Span{byte})"/>.
/// </summary>
/// <remarks>
/// Why it exists: MD5 cannot be parallelized within one message (every step needs the one before), so one message
/// costs about 5 cycles per byte whatever the implementation, and the KPL format needs an MD5 of every aggregate
/// (and of every partition key, to predict its shard). For the producer that was the largest single cost per user
/// record. Messages of many lanes share the vector instructions instead; see <c>Md5MultiBufferBenchmarks</c>. MD5 is
/// used here as the KPL uses it (a checksum and a spread of keys), not for security. Without vector hardware, or
/// for one message, it falls back to <see cref="MD5.HashData(ReadOnlySpan{byte}, Span{byte})"/>.
/// </remarks>
internal static class Md5MultiBuffer
{
    /// <summary>The length of an MD5 digest.</summary>
    public const int DigestLength = 16;

    private const int BlockLength = 64;

    // A message ends in one padding block, or two when fewer than 9 bytes of its last block are free.
    private const int TailLength = 2 * BlockLength;

    private const uint A0 = 0x67452301, B0 = 0xefcdab89, C0 = 0x98badcfe, D0 = 0x10325476;

    /// <summary>How many messages are hashed together: 16 with AVX-512, 8 with 256-bit vectors, 1 without.</summary>
    public static int Lanes { get; } =
        !BitConverter.IsLittleEndian ? 1 : Vector512.IsHardwareAccelerated && Avx512F.IsSupported ? 16 : Avx2.IsSupported ? 8 : 1;

    /// <summary>
    /// Writes the MD5 digest of each of <paramref name="messages"/> into <paramref name="digests"/>, 16 bytes each, in order.
    /// </summary>
    /// <param name="messages">The messages; any lengths, in any arrays.</param>
    /// <param name="digests">At least 16 bytes per message.</param>
    /// <exception cref="ArgumentException"><paramref name="digests"/> is too short.</exception>
    public static void HashData(ReadOnlySpan<ArraySegment<byte>> messages, Span<byte> digests) =>
        HashData(messages, digests, Lanes);

    /// <summary>As <see cref="HashData(ReadOnlySpan{ArraySegment{byte}}, Span{byte})"/>, with a chosen lane count (16, 8 or 1), so tests reach every path.</summary>
    internal static void HashData(ReadOnlySpan<ArraySegment<byte>> messages, Span<byte> digests, int lanes)
    {
        if (digests.Length < messages.Length * DigestLength)
        {
            throw new ArgumentException($"The digests need {messages.Length * DigestLength} bytes (16 per message); got {digests.Length}.", nameof(digests));
        }

        if (lanes == 1 || messages.Length == 1)
        {
            for (int i = 0; i < messages.Length; i++)
            {
                MD5.HashData(messages[i], digests.Slice(i * DigestLength, DigestLength));
            }

            return;
        }

        // Messages of similar length share a group, so few lanes idle while the longest message of the group finishes.
        Span<int> order = messages.Length <= 512 ? stackalloc int[messages.Length] : new int[messages.Length];
        Span<int> lengths = messages.Length <= 512 ? stackalloc int[messages.Length] : new int[messages.Length];
        for (int i = 0; i < messages.Length; i++)
        {
            order[i] = i;
            lengths[i] = messages[i].Count;
        }

        lengths.Sort(order);
        for (int start = 0; start < order.Length; start += lanes)
        {
            ReadOnlySpan<int> group = order.Slice(start, Math.Min(lanes, order.Length - start));
            if (lanes == 16)
            {
                HashGroup512(messages, group, digests);
            }
            else
            {
                HashGroup256(messages, group, digests);
            }
        }
    }

    /// <summary>Writes each lane's padded tail, clears the zero block and returns the most blocks any lane of the group has.</summary>
    private static int PrepareGroup(ReadOnlySpan<ArraySegment<byte>> messages, ReadOnlySpan<int> group, Span<byte> tails, Span<byte> zeros, Span<int> whole, Span<uint> total)
    {
        zeros.Clear();
        whole.Clear();
        total.Clear();
        int maxBlocks = 0;
        for (int l = 0; l < group.Length; l++)
        {
            (int wholeBlocks, int totalBlocks) = PrepareTail(messages[group[l]], tails.Slice(l * TailLength, TailLength));
            whole[l] = wholeBlocks;
            total[l] = (uint)totalBlocks;
            maxBlocks = Math.Max(maxBlocks, totalBlocks);
        }

        return maxBlocks;
    }

    /// <summary>
    /// Compresses padded single-block messages (64 bytes each, as <see cref="Md5SingleBlock.TryPadUtf8"/> writes them,
    /// back to back in <paramref name="blocks"/>) and writes each one's hash key (digest read big-endian).
    /// </summary>
    /// <param name="blocks">64 bytes per hash key.</param>
    /// <param name="hashKeys">The results, one per block.</param>
    /// <param name="lanes">16, 8 or 1 (see <see cref="Lanes"/>).</param>
    internal static void HashSingleBlocks(ReadOnlySpan<byte> blocks, Span<UInt128> hashKeys, int lanes)
    {
        Span<byte> padded = stackalloc byte[16 * BlockLength];
        for (int start = 0; start < hashKeys.Length; start += lanes)
        {
            int count = Math.Min(lanes, hashKeys.Length - start);
            scoped ReadOnlySpan<byte> source = blocks.Slice(start * BlockLength, count * BlockLength);
            if (lanes == 1)
            {
                hashKeys[start] = Md5SingleBlock.Compress(source);
                continue;
            }

            // A short group is padded with zero blocks, whose lanes are computed and ignored.
            if (count < lanes)
            {
                padded.Clear();
                source.CopyTo(padded);
                source = padded[..(lanes * BlockLength)];
            }

            if (lanes == 16)
            {
                HashSingleBlocks512(source, hashKeys.Slice(start, count));
            }
            else
            {
                HashSingleBlocks256(source, hashKeys.Slice(start, count));
            }
        }
    }

    private static void HashSingleBlocks512(ReadOnlySpan<byte> source, Span<UInt128> hashKeys)
    {
        Span<Vector512<uint>> words = stackalloc Vector512<uint>[16];
        for (int l = 0; l < 16; l++)
        {
            words[l] = Vector512.LoadUnsafe(ref MemoryMarshal.GetReference(source), (nuint)(l * BlockLength)).AsUInt32();
        }

        Transpose16x16(words);
        (Vector512<uint> a, Vector512<uint> b, Vector512<uint> c, Vector512<uint> d) =
            Compress512(Vector512.Create(A0), Vector512.Create(B0), Vector512.Create(C0), Vector512.Create(D0), words);
        for (int l = 0; l < hashKeys.Length; l++)
        {
            hashKeys[l] = Md5SingleBlock.ToHashKey(a.GetElement(l), b.GetElement(l), c.GetElement(l), d.GetElement(l));
        }
    }

    private static void HashSingleBlocks256(ReadOnlySpan<byte> source, Span<UInt128> hashKeys)
    {
        Span<Vector256<uint>> words = stackalloc Vector256<uint>[16];
        for (int l = 0; l < 8; l++)
        {
            words[l] = Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(source), (nuint)(l * BlockLength)).AsUInt32();
            words[8 + l] = Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(source), (nuint)((l * BlockLength) + 32)).AsUInt32();
        }

        Transpose8x8(words[..8]);
        Transpose8x8(words[8..]);
        (Vector256<uint> a, Vector256<uint> b, Vector256<uint> c, Vector256<uint> d) =
            Compress256(Vector256.Create(A0), Vector256.Create(B0), Vector256.Create(C0), Vector256.Create(D0), words);
        for (int l = 0; l < hashKeys.Length; l++)
        {
            hashKeys[l] = Md5SingleBlock.ToHashKey(a.GetElement(l), b.GetElement(l), c.GetElement(l), d.GetElement(l));
        }
    }

    /// <summary>Writes the padded tail of <paramref name="message"/> (its last partial block, 0x80, zeros, bit length) and returns its block counts.</summary>
    private static (int WholeBlocks, int TotalBlocks) PrepareTail(ArraySegment<byte> message, Span<byte> tail)
    {
        int length = message.Count;
        int wholeBlocks = length / BlockLength;
        int rest = length - (wholeBlocks * BlockLength);
        int tailBlocks = rest < BlockLength - 8 ? 1 : 2;
        tail.Clear();
        message.AsSpan(wholeBlocks * BlockLength, rest).CopyTo(tail);
        tail[rest] = 0x80;
        BinaryPrimitives.WriteUInt64LittleEndian(tail.Slice((tailBlocks * BlockLength) - 8, 8), (ulong)length * 8);
        return (wholeBlocks, wholeBlocks + tailBlocks);
    }

    /// <summary>The 64 bytes a lane hashes as block <paramref name="block"/>: in the message, in its tail, or zeros once it is done.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref byte BlockOf(ArraySegment<byte> message, int wholeBlocks, int totalBlocks, Span<byte> tail, Span<byte> zeros, int block)
    {
        if (block < wholeBlocks)
        {
            return ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(message.Array!), message.Offset + (block * BlockLength));
        }

        return ref block < totalBlocks ? ref tail[(block - wholeBlocks) * BlockLength] : ref zeros[0];
    }

    private static void WriteDigest(Span<byte> digests, int index, uint a, uint b, uint c, uint d)
    {
        Span<byte> digest = digests.Slice(index * DigestLength, DigestLength);
        BinaryPrimitives.WriteUInt32LittleEndian(digest, a);
        BinaryPrimitives.WriteUInt32LittleEndian(digest[4..], b);
        BinaryPrimitives.WriteUInt32LittleEndian(digest[8..], c);
        BinaryPrimitives.WriteUInt32LittleEndian(digest[12..], d);
    }

    private static void HashGroup512(ReadOnlySpan<ArraySegment<byte>> messages, ReadOnlySpan<int> group, Span<byte> digests)
    {
        const int Width = 16;
        Span<byte> tails = stackalloc byte[Width * TailLength];
        Span<byte> zeros = stackalloc byte[BlockLength];
        Span<int> whole = stackalloc int[Width];
        Span<uint> total = stackalloc uint[Width];
        int maxBlocks = PrepareGroup(messages, group, tails, zeros, whole, total);
        Vector512<uint> totals = Vector512.Create((ReadOnlySpan<uint>)total);
        Vector512<uint> a = Vector512.Create(A0), b = Vector512.Create(B0), c = Vector512.Create(C0), d = Vector512.Create(D0);
        Span<Vector512<uint>> words = stackalloc Vector512<uint>[16];
        for (int block = 0; block < maxBlocks; block++)
        {
            for (int l = 0; l < Width; l++)
            {
                ArraySegment<byte> message = l < group.Length ? messages[group[l]] : default;
                words[l] = Vector512.LoadUnsafe(ref BlockOf(message, whole[l], (int)total[l], tails.Slice(l * TailLength, TailLength), zeros, block)).AsUInt32();
            }

            Transpose16x16(words);
            (Vector512<uint> na, Vector512<uint> nb, Vector512<uint> nc, Vector512<uint> nd) = Compress512(a, b, c, d, words);
            Vector512<uint> active = Vector512.GreaterThan(totals, Vector512.Create((uint)block));
            a = Vector512.ConditionalSelect(active, na, a);
            b = Vector512.ConditionalSelect(active, nb, b);
            c = Vector512.ConditionalSelect(active, nc, c);
            d = Vector512.ConditionalSelect(active, nd, d);
        }

        for (int l = 0; l < group.Length; l++)
        {
            WriteDigest(digests, group[l], a.GetElement(l), b.GetElement(l), c.GetElement(l), d.GetElement(l));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (Vector512<uint>, Vector512<uint>, Vector512<uint>, Vector512<uint>) Compress512(
        Vector512<uint> a, Vector512<uint> b, Vector512<uint> c, Vector512<uint> d, ReadOnlySpan<Vector512<uint>> m)
    {
        Vector512<uint> m0 = m[0], m1 = m[1], m2 = m[2], m3 = m[3], m4 = m[4], m5 = m[5], m6 = m[6], m7 = m[7];
        Vector512<uint> m8 = m[8], m9 = m[9], m10 = m[10], m11 = m[11], m12 = m[12], m13 = m[13], m14 = m[14], m15 = m[15];
        Vector512<uint> a0 = a, b0 = b, c0 = c, d0 = d;
        a = F512(a, b, c, d, m0, 7, 0xd76aa478);
        d = F512(d, a, b, c, m1, 12, 0xe8c7b756);
        c = F512(c, d, a, b, m2, 17, 0x242070db);
        b = F512(b, c, d, a, m3, 22, 0xc1bdceee);
        a = F512(a, b, c, d, m4, 7, 0xf57c0faf);
        d = F512(d, a, b, c, m5, 12, 0x4787c62a);
        c = F512(c, d, a, b, m6, 17, 0xa8304613);
        b = F512(b, c, d, a, m7, 22, 0xfd469501);
        a = F512(a, b, c, d, m8, 7, 0x698098d8);
        d = F512(d, a, b, c, m9, 12, 0x8b44f7af);
        c = F512(c, d, a, b, m10, 17, 0xffff5bb1);
        b = F512(b, c, d, a, m11, 22, 0x895cd7be);
        a = F512(a, b, c, d, m12, 7, 0x6b901122);
        d = F512(d, a, b, c, m13, 12, 0xfd987193);
        c = F512(c, d, a, b, m14, 17, 0xa679438e);
        b = F512(b, c, d, a, m15, 22, 0x49b40821);
        a = G512(a, b, c, d, m1, 5, 0xf61e2562);
        d = G512(d, a, b, c, m6, 9, 0xc040b340);
        c = G512(c, d, a, b, m11, 14, 0x265e5a51);
        b = G512(b, c, d, a, m0, 20, 0xe9b6c7aa);
        a = G512(a, b, c, d, m5, 5, 0xd62f105d);
        d = G512(d, a, b, c, m10, 9, 0x02441453);
        c = G512(c, d, a, b, m15, 14, 0xd8a1e681);
        b = G512(b, c, d, a, m4, 20, 0xe7d3fbc8);
        a = G512(a, b, c, d, m9, 5, 0x21e1cde6);
        d = G512(d, a, b, c, m14, 9, 0xc33707d6);
        c = G512(c, d, a, b, m3, 14, 0xf4d50d87);
        b = G512(b, c, d, a, m8, 20, 0x455a14ed);
        a = G512(a, b, c, d, m13, 5, 0xa9e3e905);
        d = G512(d, a, b, c, m2, 9, 0xfcefa3f8);
        c = G512(c, d, a, b, m7, 14, 0x676f02d9);
        b = G512(b, c, d, a, m12, 20, 0x8d2a4c8a);
        a = H512(a, b, c, d, m5, 4, 0xfffa3942);
        d = H512(d, a, b, c, m8, 11, 0x8771f681);
        c = H512(c, d, a, b, m11, 16, 0x6d9d6122);
        b = H512(b, c, d, a, m14, 23, 0xfde5380c);
        a = H512(a, b, c, d, m1, 4, 0xa4beea44);
        d = H512(d, a, b, c, m4, 11, 0x4bdecfa9);
        c = H512(c, d, a, b, m7, 16, 0xf6bb4b60);
        b = H512(b, c, d, a, m10, 23, 0xbebfbc70);
        a = H512(a, b, c, d, m13, 4, 0x289b7ec6);
        d = H512(d, a, b, c, m0, 11, 0xeaa127fa);
        c = H512(c, d, a, b, m3, 16, 0xd4ef3085);
        b = H512(b, c, d, a, m6, 23, 0x04881d05);
        a = H512(a, b, c, d, m9, 4, 0xd9d4d039);
        d = H512(d, a, b, c, m12, 11, 0xe6db99e5);
        c = H512(c, d, a, b, m15, 16, 0x1fa27cf8);
        b = H512(b, c, d, a, m2, 23, 0xc4ac5665);
        a = I512(a, b, c, d, m0, 6, 0xf4292244);
        d = I512(d, a, b, c, m7, 10, 0x432aff97);
        c = I512(c, d, a, b, m14, 15, 0xab9423a7);
        b = I512(b, c, d, a, m5, 21, 0xfc93a039);
        a = I512(a, b, c, d, m12, 6, 0x655b59c3);
        d = I512(d, a, b, c, m3, 10, 0x8f0ccc92);
        c = I512(c, d, a, b, m10, 15, 0xffeff47d);
        b = I512(b, c, d, a, m1, 21, 0x85845dd1);
        a = I512(a, b, c, d, m8, 6, 0x6fa87e4f);
        d = I512(d, a, b, c, m15, 10, 0xfe2ce6e0);
        c = I512(c, d, a, b, m6, 15, 0xa3014314);
        b = I512(b, c, d, a, m13, 21, 0x4e0811a1);
        a = I512(a, b, c, d, m4, 6, 0xf7537e82);
        d = I512(d, a, b, c, m11, 10, 0xbd3af235);
        c = I512(c, d, a, b, m2, 15, 0x2ad7d2bb);
        b = I512(b, c, d, a, m9, 21, 0xeb86d391);
        return (a + a0, b + b0, c + c0, d + d0);
    }

    private static void HashGroup256(ReadOnlySpan<ArraySegment<byte>> messages, ReadOnlySpan<int> group, Span<byte> digests)
    {
        const int Width = 8;
        Span<byte> tails = stackalloc byte[Width * TailLength];
        Span<byte> zeros = stackalloc byte[BlockLength];
        Span<int> whole = stackalloc int[Width];
        Span<uint> total = stackalloc uint[Width];
        int maxBlocks = PrepareGroup(messages, group, tails, zeros, whole, total);
        Vector256<uint> totals = Vector256.Create((ReadOnlySpan<uint>)total);
        Vector256<uint> a = Vector256.Create(A0), b = Vector256.Create(B0), c = Vector256.Create(C0), d = Vector256.Create(D0);
        Span<Vector256<uint>> words = stackalloc Vector256<uint>[16];
        for (int block = 0; block < maxBlocks; block++)
        {
            for (int l = 0; l < Width; l++)
            {
                ArraySegment<byte> message = l < group.Length ? messages[group[l]] : default;
                ref byte source = ref BlockOf(message, whole[l], (int)total[l], tails.Slice(l * TailLength, TailLength), zeros, block);
                words[l] = Vector256.LoadUnsafe(ref source).AsUInt32();
                words[Width + l] = Vector256.LoadUnsafe(ref source, 32).AsUInt32();
            }

            Transpose8x8(words[..Width]);
            Transpose8x8(words[Width..]);
            (Vector256<uint> na, Vector256<uint> nb, Vector256<uint> nc, Vector256<uint> nd) = Compress256(a, b, c, d, words);
            Vector256<uint> active = Vector256.GreaterThan(totals, Vector256.Create((uint)block));
            a = Vector256.ConditionalSelect(active, na, a);
            b = Vector256.ConditionalSelect(active, nb, b);
            c = Vector256.ConditionalSelect(active, nc, c);
            d = Vector256.ConditionalSelect(active, nd, d);
        }

        for (int l = 0; l < group.Length; l++)
        {
            WriteDigest(digests, group[l], a.GetElement(l), b.GetElement(l), c.GetElement(l), d.GetElement(l));
        }
    }

    private static (Vector256<uint>, Vector256<uint>, Vector256<uint>, Vector256<uint>) Compress256(
        Vector256<uint> a, Vector256<uint> b, Vector256<uint> c, Vector256<uint> d, ReadOnlySpan<Vector256<uint>> m)
    {
        Vector256<uint> m0 = m[0], m1 = m[1], m2 = m[2], m3 = m[3], m4 = m[4], m5 = m[5], m6 = m[6], m7 = m[7];
        Vector256<uint> m8 = m[8], m9 = m[9], m10 = m[10], m11 = m[11], m12 = m[12], m13 = m[13], m14 = m[14], m15 = m[15];
        Vector256<uint> a0 = a, b0 = b, c0 = c, d0 = d;
        a = F256(a, b, c, d, m0, 7, 0xd76aa478);
        d = F256(d, a, b, c, m1, 12, 0xe8c7b756);
        c = F256(c, d, a, b, m2, 17, 0x242070db);
        b = F256(b, c, d, a, m3, 22, 0xc1bdceee);
        a = F256(a, b, c, d, m4, 7, 0xf57c0faf);
        d = F256(d, a, b, c, m5, 12, 0x4787c62a);
        c = F256(c, d, a, b, m6, 17, 0xa8304613);
        b = F256(b, c, d, a, m7, 22, 0xfd469501);
        a = F256(a, b, c, d, m8, 7, 0x698098d8);
        d = F256(d, a, b, c, m9, 12, 0x8b44f7af);
        c = F256(c, d, a, b, m10, 17, 0xffff5bb1);
        b = F256(b, c, d, a, m11, 22, 0x895cd7be);
        a = F256(a, b, c, d, m12, 7, 0x6b901122);
        d = F256(d, a, b, c, m13, 12, 0xfd987193);
        c = F256(c, d, a, b, m14, 17, 0xa679438e);
        b = F256(b, c, d, a, m15, 22, 0x49b40821);
        a = G256(a, b, c, d, m1, 5, 0xf61e2562);
        d = G256(d, a, b, c, m6, 9, 0xc040b340);
        c = G256(c, d, a, b, m11, 14, 0x265e5a51);
        b = G256(b, c, d, a, m0, 20, 0xe9b6c7aa);
        a = G256(a, b, c, d, m5, 5, 0xd62f105d);
        d = G256(d, a, b, c, m10, 9, 0x02441453);
        c = G256(c, d, a, b, m15, 14, 0xd8a1e681);
        b = G256(b, c, d, a, m4, 20, 0xe7d3fbc8);
        a = G256(a, b, c, d, m9, 5, 0x21e1cde6);
        d = G256(d, a, b, c, m14, 9, 0xc33707d6);
        c = G256(c, d, a, b, m3, 14, 0xf4d50d87);
        b = G256(b, c, d, a, m8, 20, 0x455a14ed);
        a = G256(a, b, c, d, m13, 5, 0xa9e3e905);
        d = G256(d, a, b, c, m2, 9, 0xfcefa3f8);
        c = G256(c, d, a, b, m7, 14, 0x676f02d9);
        b = G256(b, c, d, a, m12, 20, 0x8d2a4c8a);
        a = H256(a, b, c, d, m5, 4, 0xfffa3942);
        d = H256(d, a, b, c, m8, 11, 0x8771f681);
        c = H256(c, d, a, b, m11, 16, 0x6d9d6122);
        b = H256(b, c, d, a, m14, 23, 0xfde5380c);
        a = H256(a, b, c, d, m1, 4, 0xa4beea44);
        d = H256(d, a, b, c, m4, 11, 0x4bdecfa9);
        c = H256(c, d, a, b, m7, 16, 0xf6bb4b60);
        b = H256(b, c, d, a, m10, 23, 0xbebfbc70);
        a = H256(a, b, c, d, m13, 4, 0x289b7ec6);
        d = H256(d, a, b, c, m0, 11, 0xeaa127fa);
        c = H256(c, d, a, b, m3, 16, 0xd4ef3085);
        b = H256(b, c, d, a, m6, 23, 0x04881d05);
        a = H256(a, b, c, d, m9, 4, 0xd9d4d039);
        d = H256(d, a, b, c, m12, 11, 0xe6db99e5);
        c = H256(c, d, a, b, m15, 16, 0x1fa27cf8);
        b = H256(b, c, d, a, m2, 23, 0xc4ac5665);
        a = I256(a, b, c, d, m0, 6, 0xf4292244);
        d = I256(d, a, b, c, m7, 10, 0x432aff97);
        c = I256(c, d, a, b, m14, 15, 0xab9423a7);
        b = I256(b, c, d, a, m5, 21, 0xfc93a039);
        a = I256(a, b, c, d, m12, 6, 0x655b59c3);
        d = I256(d, a, b, c, m3, 10, 0x8f0ccc92);
        c = I256(c, d, a, b, m10, 15, 0xffeff47d);
        b = I256(b, c, d, a, m1, 21, 0x85845dd1);
        a = I256(a, b, c, d, m8, 6, 0x6fa87e4f);
        d = I256(d, a, b, c, m15, 10, 0xfe2ce6e0);
        c = I256(c, d, a, b, m6, 15, 0xa3014314);
        b = I256(b, c, d, a, m13, 21, 0x4e0811a1);
        a = I256(a, b, c, d, m4, 6, 0xf7537e82);
        d = I256(d, a, b, c, m11, 10, 0xbd3af235);
        c = I256(c, d, a, b, m2, 15, 0x2ad7d2bb);
        b = I256(b, c, d, a, m9, 21, 0xeb86d391);
        return (a + a0, b + b0, c + c0, d + d0);
    }

    /// <summary>
    /// Turns 16 rows (lane l's block, 16 words) into 16 columns (word w of every lane), the layout the steps read:
    /// 32-bit and 64-bit interleaves within 128-bit chunks, then two rounds of 128-bit chunk shuffles.
    /// </summary>
    private static void Transpose16x16(Span<Vector512<uint>> rows)
    {
        Span<Vector512<uint>> t = stackalloc Vector512<uint>[16];
        for (int i = 0; i < 16; i += 2)
        {
            t[i] = Avx512F.UnpackLow(rows[i], rows[i + 1]);
            t[i + 1] = Avx512F.UnpackHigh(rows[i], rows[i + 1]);
        }

        // u[4g + j], chunk k, holds word 4k + j of rows 4g to 4g + 3.
        Span<Vector512<uint>> u = stackalloc Vector512<uint>[16];
        for (int g = 0; g < 16; g += 4)
        {
            u[g] = Avx512F.UnpackLow(t[g].AsUInt64(), t[g + 2].AsUInt64()).AsUInt32();
            u[g + 1] = Avx512F.UnpackHigh(t[g].AsUInt64(), t[g + 2].AsUInt64()).AsUInt32();
            u[g + 2] = Avx512F.UnpackLow(t[g + 1].AsUInt64(), t[g + 3].AsUInt64()).AsUInt32();
            u[g + 3] = Avx512F.UnpackHigh(t[g + 1].AsUInt64(), t[g + 3].AsUInt64()).AsUInt32();
        }

        for (int j = 0; j < 4; j++)
        {
            Vector512<uint> v0 = Avx512F.Shuffle4x128(u[j], u[4 + j], 0x44);
            Vector512<uint> v1 = Avx512F.Shuffle4x128(u[j], u[4 + j], 0xEE);
            Vector512<uint> v2 = Avx512F.Shuffle4x128(u[8 + j], u[12 + j], 0x44);
            Vector512<uint> v3 = Avx512F.Shuffle4x128(u[8 + j], u[12 + j], 0xEE);
            rows[j] = Avx512F.Shuffle4x128(v0, v2, 0x88);
            rows[4 + j] = Avx512F.Shuffle4x128(v0, v2, 0xDD);
            rows[8 + j] = Avx512F.Shuffle4x128(v1, v3, 0x88);
            rows[12 + j] = Avx512F.Shuffle4x128(v1, v3, 0xDD);
        }
    }

    /// <summary>Turns 8 rows of 8 words into 8 columns, as <see cref="Transpose16x16"/> does with 256-bit vectors.</summary>
    private static void Transpose8x8(Span<Vector256<uint>> rows)
    {
        Span<Vector256<uint>> t = stackalloc Vector256<uint>[8];
        for (int i = 0; i < 8; i += 2)
        {
            t[i] = Avx2.UnpackLow(rows[i], rows[i + 1]);
            t[i + 1] = Avx2.UnpackHigh(rows[i], rows[i + 1]);
        }

        Span<Vector256<uint>> u = stackalloc Vector256<uint>[8];
        for (int g = 0; g < 8; g += 4)
        {
            u[g] = Avx2.UnpackLow(t[g].AsUInt64(), t[g + 2].AsUInt64()).AsUInt32();
            u[g + 1] = Avx2.UnpackHigh(t[g].AsUInt64(), t[g + 2].AsUInt64()).AsUInt32();
            u[g + 2] = Avx2.UnpackLow(t[g + 1].AsUInt64(), t[g + 3].AsUInt64()).AsUInt32();
            u[g + 3] = Avx2.UnpackHigh(t[g + 1].AsUInt64(), t[g + 3].AsUInt64()).AsUInt32();
        }

        for (int j = 0; j < 4; j++)
        {
            rows[j] = Avx2.Permute2x128(u[j], u[4 + j], 0x20);
            rows[4 + j] = Avx2.Permute2x128(u[j], u[4 + j], 0x31);
        }
    }

    // One step of each round: a = b + ((a + f(b, c, d) + m + k) <<< s). AVX-512 has a three-input logic instruction and a
    // rotate; without it (256-bit lanes on AVX2) the functions take two or three instructions and the rotate three.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> F512(Vector512<uint> a, Vector512<uint> b, Vector512<uint> c, Vector512<uint> d, Vector512<uint> m, [ConstantExpected] byte s, uint k) =>
        b + Avx512F.RotateLeft(a + Avx512F.TernaryLogic(b, c, d, 0xCA) + (m + Vector512.Create(k)), s);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> G512(Vector512<uint> a, Vector512<uint> b, Vector512<uint> c, Vector512<uint> d, Vector512<uint> m, [ConstantExpected] byte s, uint k) =>
        b + Avx512F.RotateLeft(a + Avx512F.TernaryLogic(d, b, c, 0xCA) + (m + Vector512.Create(k)), s);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> H512(Vector512<uint> a, Vector512<uint> b, Vector512<uint> c, Vector512<uint> d, Vector512<uint> m, [ConstantExpected] byte s, uint k) =>
        b + Avx512F.RotateLeft(a + Avx512F.TernaryLogic(b, c, d, 0x96) + (m + Vector512.Create(k)), s);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> I512(Vector512<uint> a, Vector512<uint> b, Vector512<uint> c, Vector512<uint> d, Vector512<uint> m, [ConstantExpected] byte s, uint k) =>
        b + Avx512F.RotateLeft(a + Avx512F.TernaryLogic(b, c, d, 0x39) + (m + Vector512.Create(k)), s);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> F256(Vector256<uint> a, Vector256<uint> b, Vector256<uint> c, Vector256<uint> d, Vector256<uint> m, [ConstantExpected] byte s, uint k) =>
        b + Rotate256(a + (d ^ (b & (c ^ d))) + (m + Vector256.Create(k)), s);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> G256(Vector256<uint> a, Vector256<uint> b, Vector256<uint> c, Vector256<uint> d, Vector256<uint> m, [ConstantExpected] byte s, uint k) =>
        b + Rotate256(a + (c ^ (d & (b ^ c))) + (m + Vector256.Create(k)), s);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> H256(Vector256<uint> a, Vector256<uint> b, Vector256<uint> c, Vector256<uint> d, Vector256<uint> m, [ConstantExpected] byte s, uint k) =>
        b + Rotate256(a + (b ^ c ^ d) + (m + Vector256.Create(k)), s);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> I256(Vector256<uint> a, Vector256<uint> b, Vector256<uint> c, Vector256<uint> d, Vector256<uint> m, [ConstantExpected] byte s, uint k) =>
        b + Rotate256(a + (c ^ (b | ~d)) + (m + Vector256.Create(k)), s);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Rotate256(Vector256<uint> value, [ConstantExpected] byte s) =>
        Avx512F.VL.IsSupported ? Avx512F.VL.RotateLeft(value, s) : Vector256.ShiftLeft(value, s) | Vector256.ShiftRightLogical(value, 32 - s);
}
