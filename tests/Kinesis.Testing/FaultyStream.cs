namespace Kinesis.Testing;

/// <summary>A read-only stream over another that ends early, fails, or flips one byte at a given offset.</summary>
internal sealed class FaultyStream(Stream inner, long offset, FaultyStream.Mode mode) : Stream
{
    private long position;

    internal enum Mode
    {
        End,
        Reset,
        Corrupt,
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var allowed = Limit(buffer.Length);
        if (allowed == 0)
        {
            return Stop();
        }

        var read = inner.Read(buffer[..allowed]);
        return After(buffer, read);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var allowed = Limit(buffer.Length);
        if (allowed == 0)
        {
            return Stop();
        }

        var read = await inner.ReadAsync(buffer[..allowed], cancellationToken).ConfigureAwait(false);
        return After(buffer.Span, read);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private int Limit(int wanted) =>
        mode == Mode.Corrupt ? wanted : (int)Math.Min(wanted, Math.Max(0, offset - position));

    private int Stop() => mode == Mode.Reset ? throw new IOException("Injected fault: connection reset by peer.") : 0;

    private int After(Span<byte> buffer, int read)
    {
        if (mode == Mode.Corrupt && offset >= position && offset < position + read)
        {
            buffer[(int)(offset - position)] ^= 0xFF;
        }

        position += read;
        return read;
    }
}
