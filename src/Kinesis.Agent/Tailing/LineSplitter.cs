using System.Text;
using System.Text.RegularExpressions;

namespace Kinesis.Agent.Tailing;

/// <summary>
/// Cuts a file's bytes into records of lines ending with <c>\n</c>. A last line without a break waits in the splitter
/// until its break arrives or <see cref="FlushPartial"/> sends it. A line longer than the record limit keeps its first
/// bytes plus the truncation terminator, and is sent when its break arrives: its end offset is always a line boundary.
/// With a multi-line start pattern, a record is a line that matches it at its start plus the lines up to the next such
/// line (the first line read always starts one); the last record waits for the next start line or <see cref="FlushPartial"/>.
/// No I/O: the caller reads the file.
/// </summary>
internal sealed class LineSplitter
{
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(1);

    private readonly int maxRecordBytes;
    private readonly byte[] terminator;
    private readonly Regex? startPattern;
    private byte[] pending = new byte[256];
    private int pendingLength;
    private bool truncated;
    private int linesToSkip;

    // The multi-line record being assembled: its bytes so far, whether it was cut at the limit, and its end offset.
    private byte[] record = [];
    private int recordLength;
    private bool recordTruncated;
    private long recordEnd;

    public LineSplitter(int maxRecordBytes, byte[] terminator, int skipHeaderLines, Regex? startPattern = null)
    {
        this.maxRecordBytes = maxRecordBytes;
        this.terminator = terminator;
        linesToSkip = skipHeaderLines;
        this.startPattern = startPattern;
    }

    /// <summary>Whether a partial line, or a multi-line record, is waiting for what ends it.</summary>
    public bool HasPartial => pendingLength > 0 || truncated || recordLength > 0;

    /// <summary>
    /// The regular expression of a <c>multiLineStartPattern</c>: it must match at the start of a line (Java's
    /// <c>Matcher.lookingAt</c>), not the whole line.
    /// </summary>
    /// <exception cref="ArgumentException">The pattern is not a valid regular expression.</exception>
    public static Regex StartPattern(string pattern) => new($"\\A(?:{pattern})", RegexOptions.CultureInvariant, MatchTimeout);

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

    /// <summary>
    /// Sends the partial line as a line ending at <paramref name="endOffset"/> (a break is added, as lines have one), and
    /// the multi-line record waiting for its next start line.
    /// </summary>
    public void FlushPartial(long endOffset, List<LineRecord> output)
    {
        if (pendingLength > 0 || truncated)
        {
            if (!truncated)
            {
                Append("\n"u8);
            }

            Emit(TakePending(), endOffset, output);
        }

        if (recordLength > 0)
        {
            output.Add(TakeRecord());
        }
    }

    private void Emit(byte[] data, long endOffset, List<LineRecord> output)
    {
        if (linesToSkip > 0)
        {
            linesToSkip--;
            return;
        }

        if (startPattern is null)
        {
            output.Add(new LineRecord(data, endOffset));
            return;
        }

        if (recordLength > 0 && IsStart(data))
        {
            output.Add(TakeRecord());
        }

        AppendToRecord(data);
        recordEnd = endOffset;
    }

    private bool IsStart(byte[] line)
    {
        try
        {
            return startPattern!.IsMatch(Encoding.UTF8.GetString(line));
        }
        catch (RegexMatchTimeoutException)
        {
            // A pattern too slow for this line: the line continues the record rather than stopping the file.
            return false;
        }
    }

    private void AppendToRecord(byte[] line)
    {
        if (recordTruncated)
        {
            return;
        }

        if (recordLength + line.Length > maxRecordBytes)
        {
            // As a long line: keep the first bytes and the terminator; the record's other lines are dropped.
            var keep = maxRecordBytes - terminator.Length;
            var take = Math.Max(0, keep - recordLength);
            EnsureRecordCapacity(maxRecordBytes);
            line.AsSpan(0, take).CopyTo(record.AsSpan(recordLength));
            terminator.CopyTo(record.AsSpan(keep));
            recordLength = keep + terminator.Length;
            recordTruncated = true;
            TruncatedLines++;
            return;
        }

        EnsureRecordCapacity(recordLength + line.Length);
        line.CopyTo(record.AsSpan(recordLength));
        recordLength += line.Length;
    }

    private LineRecord TakeRecord()
    {
        var data = record.AsSpan(0, recordLength).ToArray();
        recordLength = 0;
        recordTruncated = false;
        if (record.Length > 64 * 1024)
        {
            record = [];
        }

        return new LineRecord(data, recordEnd);
    }

    private void EnsureRecordCapacity(int size)
    {
        if (record.Length < size)
        {
            Array.Resize(ref record, Math.Max(Math.Max(size, 256), record.Length * 2));
        }
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
