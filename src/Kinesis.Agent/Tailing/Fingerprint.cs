using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace Kinesis.Agent.Tailing;

/// <summary>
/// A hash of a file's first bytes (up to <see cref="MaxLength"/>): with the file identity it tells a rotated or copied
/// file from a new one. A file shorter than <see cref="MaxLength"/> has a fingerprint over what it holds, extended as it grows.
/// </summary>
internal readonly record struct Fingerprint(int Length, string Hash)
{
    /// <summary>Bytes hashed at most.</summary>
    public const int MaxLength = 1024;

    /// <summary>The fingerprint of an empty file; it matches nothing.</summary>
    public static readonly Fingerprint Empty = new(0, string.Empty);

    /// <summary>Whether this fingerprint covers all the bytes it ever will.</summary>
    public bool IsComplete => Length == MaxLength;

    /// <summary>Hashes the first <paramref name="length"/> bytes of <paramref name="data"/>.</summary>
    public static Fingerprint Of(ReadOnlySpan<byte> data, int length)
    {
        if (length <= 0)
        {
            return Empty;
        }

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(data[..length], hash);
        return new Fingerprint(length, Convert.ToHexString(hash[..16]));
    }

    /// <summary>Reads and hashes the first <paramref name="length"/> bytes of the open file, or null if it is shorter now.</summary>
    public static Fingerprint? Read(SafeFileHandle handle, int length)
    {
        length = Math.Min(length, MaxLength);
        if (length <= 0)
        {
            return Empty;
        }

        Span<byte> buffer = stackalloc byte[MaxLength];
        var total = 0;
        while (total < length)
        {
            var read = RandomAccess.Read(handle, buffer[total..length], total);
            if (read == 0)
            {
                return null;
            }

            total += read;
        }

        return Of(buffer, length);
    }
}
