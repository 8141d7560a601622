namespace Kinesis.Samples.ConsoleProducer;

/// <summary>
/// Reads lines as raw bytes (the data of a record is the line's bytes as read, so nothing is re-encoded), ending at
/// '\n' with one '\r' before it removed. Memory stays bounded: a line longer than the limit is not kept but copied to
/// an overflow stream (the rejects file) while it is read, and reported with its length.
/// </summary>
internal sealed class LineReader(Stream input, int maxLineBytes)
{
    private const int ChunkSize = 64 * 1024;
    private byte[] buffer = new byte[ChunkSize];
    private int start;
    private int end;
    private bool endOfInput;

    /// <summary>
    /// The next line, or null at the end of the input. Its <see cref="Line.Bytes"/> are valid until the next call;
    /// a line longer than the limit comes back with empty bytes and its length, its bytes copied to
    /// <paramref name="overflow"/> (with a '\n') when given.
    /// </summary>
    /// <param name="stopping">Ends the wait for more input with <see cref="OperationCanceledException"/>.</param>
    public async ValueTask<Line?> ReadAsync(Stream? overflow, CancellationToken stopping)
    {
        long overflowed = 0;
        var searchFrom = start;
        while (true)
        {
            var newline = Array.IndexOf(buffer, (byte)'\n', searchFrom, end - searchFrom);

            // The input may end without a line break, also right after the part of a long line passed on.
            if (newline >= 0 || (endOfInput && (end > start || overflowed > 0)))
            {
                var lineEnd = newline >= 0 ? newline : end;
                var line = buffer.AsMemory(start, lineEnd - start);
                start = newline >= 0 ? newline + 1 : end;
                if (line.Length > 0 && line.Span[^1] == (byte)'\r')
                {
                    line = line[..^1];
                }

                if (overflowed == 0 && line.Length <= maxLineBytes)
                {
                    return new Line(line, line.Length);
                }

                await WriteOverflowAsync(overflow, line, endLine: true).ConfigureAwait(false);
                return new Line(ReadOnlyMemory<byte>.Empty, overflowed + line.Length);
            }

            if (endOfInput)
            {
                return null;
            }

            if (end - start > maxLineBytes)
            {
                // Too long to be a record: pass what was read on and keep only its length.
                var part = buffer.AsMemory(start, end - start);
                await WriteOverflowAsync(overflow, part, endLine: false).ConfigureAwait(false);
                overflowed += part.Length;
                start = end;
            }

            MakeRoom();
            searchFrom = end;
            var read = await ReadChunkAsync(stopping).ConfigureAwait(false);
            endOfInput = read == 0;
            end += read;
        }
    }

    private void MakeRoom()
    {
        if (start > 0)
        {
            Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
            end -= start;
            start = 0;
        }

        if (buffer.Length - end < ChunkSize)
        {
            Array.Resize(ref buffer, Math.Max(buffer.Length * 2, end + ChunkSize));
        }
    }

    // Reading the console does not observe a cancellation token once the read is under way (it blocks in read(2)), so
    // a pending read is abandoned on Ctrl+C or SIGTERM; nothing reads the input afterwards.
    private async ValueTask<int> ReadChunkAsync(CancellationToken stopping)
    {
        var read = input.ReadAsync(buffer.AsMemory(end), stopping);
        return read.IsCompleted ? await read.ConfigureAwait(false) : await read.AsTask().WaitAsync(stopping).ConfigureAwait(false);
    }

    private static async ValueTask WriteOverflowAsync(Stream? overflow, ReadOnlyMemory<byte> bytes, bool endLine)
    {
        if (overflow is null)
        {
            return;
        }

        await overflow.WriteAsync(bytes).ConfigureAwait(false);
        if (endLine)
        {
            overflow.WriteByte((byte)'\n');
        }
    }
}

/// <summary>A line read by <see cref="LineReader"/>: its bytes, or only its length when it was longer than the limit.</summary>
internal readonly record struct Line(ReadOnlyMemory<byte> Bytes, long Length)
{
    /// <summary>Whether the line was longer than the limit (its bytes were not kept).</summary>
    public bool TooLong => Length > Bytes.Length;
}
