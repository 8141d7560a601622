namespace Kinesis.Agent.Tailing;

/// <summary>
/// Cuts a file's bytes into lines ending with <c>\n</c>. A last line without a break waits in the splitter until its
/// break arrives or <see cref="FlushPartial"/> sends it. A line longer than the record limit keeps its first bytes plus
/// the truncation terminator, and is sent when its break arrives: its end offset is always a line boundary.
/// No I/O: the caller reads the file.
/// </summary>
internal sealed class LineSplitter
{
    private readonly int maxRecordBytes;
    private readonly byte[] terminator;
    private byte[] pending = new byte[256];
    private int pendingLength;
    private bool truncated;
    private int linesToSkip;

    public LineSplitter(int maxRecordBytes, byte[] terminator, int skipHeaderLines)
    {
        this.maxRecordBytes = maxRecordBytes;
        this.terminator = terminator;
        linesToSkip = skipHeaderLines;
    }

    /// <summary>Whether a partial line is waiting for its break.</summary>
    public bool HasPartial => pendingLength > 0 || truncated;

    /// <summary>Lines dropped as too long so far (each one sent truncated).</summary>
    public long TruncatedLines { get; private set; }

    /// <summary>
    /// Feeds <paramref name="chunk"/>, the file's bytes ending at offset <paramref name="chunkEndOffset"/>, and adds each
    /// complete line to <paramref name="output"/>.
    /// </summary>
    public void Feed(ReadOnlySpan<byte> chunk, long chunkEndOffset, List<LineRecord> output)
    {
        var chunkStart = chunkEndOffset - chunk.Length;
        var position = 0;
        while (position < chunk.Length)
        {
            var rest = chunk[position..];
            var newline = rest.IndexOf((byte)'\n');
            if (newline < 0)
            {
                Append(rest);
                return;
            }

            var line = rest[..(newline + 1)];
            position += newline + 1;
            var endOffset = chunkStart + position;
            if (pendingLength == 0 && !truncated && line.Length <= maxRecordBytes)
            {
                Emit(line.ToArray(), endOffset, output);
                continue;
            }

            Append(line);
            Emit(TakePending(), endOffset, output);
        }
    }

    /// <summary>Sends the partial line as a record ending at <paramref name="endOffset"/> (a break is added, as lines have one).</summary>
    public void FlushPartial(long endOffset, List<LineRecord> output)
    {
        if (!HasPartial)
        {
            return;
        }

        if (!truncated)
        {
            Append("\n"u8);
        }

        Emit(TakePending(), endOffset, output);
    }

    private void Emit(byte[] data, long endOffset, List<LineRecord> output)
    {
        if (linesToSkip > 0)
        {
            linesToSkip--;
            return;
        }

        output.Add(new LineRecord(data, endOffset));
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        if (truncated)
        {
            return;
        }

        if (pendingLength + bytes.Length > maxRecordBytes)
        {
            // Keep room for the terminator; the rest of the line is dropped until its break.
            var keep = maxRecordBytes - terminator.Length;
            var take = Math.Max(0, keep - pendingLength);
            EnsureCapacity(keep + terminator.Length);
            bytes[..take].CopyTo(pending.AsSpan(pendingLength));
            terminator.CopyTo(pending.AsSpan(keep));
            pendingLength = keep + terminator.Length;
            truncated = true;
            TruncatedLines++;
            return;
        }

        EnsureCapacity(pendingLength + bytes.Length);
        bytes.CopyTo(pending.AsSpan(pendingLength));
        pendingLength += bytes.Length;
    }

    private byte[] TakePending()
    {
        var data = pending.AsSpan(0, pendingLength).ToArray();
        pendingLength = 0;
        truncated = false;
        if (pending.Length > 64 * 1024)
        {
            pending = new byte[256];
        }

        return data;
    }

    private void EnsureCapacity(int size)
    {
        if (pending.Length < size)
        {
            Array.Resize(ref pending, Math.Max(size, pending.Length * 2));
        }
    }
}
