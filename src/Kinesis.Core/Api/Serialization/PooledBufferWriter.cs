using System.Buffers;

namespace Kinesis.Core.Api.Serialization;

/// <summary>
/// An <see cref="IBufferWriter{T}"/> over arrays rented from <see cref="ArrayPool{T}.Shared"/>; returns them on
/// <see cref="Dispose"/>. An owner that passes on what was written now and then empties it with <see cref="Clear"/> and
/// reuses the room. Not thread-safe.
/// </summary>
internal sealed class PooledBufferWriter : IBufferWriter<byte>, IDisposable
{
    private const int MinimumGrowth = 4096;
    private byte[] buffer;
    private int written;

    public PooledBufferWriter(int initialCapacity = 16 * 1024) => buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);

    public int WrittenCount => written;

    public ReadOnlySpan<byte> WrittenSpan => buffer.AsSpan(0, written);

    public ReadOnlyMemory<byte> WrittenMemory => buffer.AsMemory(0, written);

    public void Advance(int count)
    {
        if (count < 0 || written + count > buffer.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(count));
        }

        written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return buffer.AsMemory(written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return buffer.AsSpan(written);
    }

    /// <summary>Forgets what was written; the room is reused.</summary>
    public void Clear() => written = 0;

    public void Dispose()
    {
        var toReturn = buffer;
        buffer = [];
        written = 0;
        if (toReturn.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(toReturn);
        }
    }

    private void Ensure(int sizeHint)
    {
        var needed = Math.Max(sizeHint, 1);
        if (buffer.Length - written >= needed)
        {
            return;
        }

        var newSize = Math.Max(checked(written + Math.Max(needed, MinimumGrowth)), buffer.Length * 2);
        var larger = ArrayPool<byte>.Shared.Rent(newSize);
        buffer.AsSpan(0, written).CopyTo(larger);
        var old = buffer;
        buffer = larger;
        if (old.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(old);
        }
    }
}
