using System.Text;
using Kinesis.Agent.Tailing;

namespace Kinesis.Agent.Tests;

public sealed class LineSplitterTests
{
    private static readonly byte[] Newline = "\n"u8.ToArray();

    [Fact]
    public void Feed_LinesAcrossChunks_YieldsCompleteLinesWithTheirEndOffsets()
    {
        var splitter = new LineSplitter(1000, Newline, skipHeaderLines: 0);
        var output = new List<LineRecord>();

        splitter.Feed("one\ntw"u8, 6, output);
        Assert.True(splitter.HasPartial);
        splitter.Feed("o\nthree\n"u8, 14, output);

        Assert.Equal(["one\n", "two\n", "three\n"], output.Select(r => Encoding.UTF8.GetString(r.Data)));
        Assert.Equal([4L, 8L, 14L], output.Select(r => r.EndOffset));
        Assert.False(splitter.HasPartial);
    }

    [Fact]
    public void FlushPartial_PartialLine_IsSentWithABreakAtTheReadOffset()
    {
        var splitter = new LineSplitter(1000, Newline, skipHeaderLines: 0);
        var output = new List<LineRecord>();
        splitter.Feed("done\nhalf"u8, 9, output);

        splitter.FlushPartial(9, output);

        Assert.Equal(["done\n", "half\n"], output.Select(r => Encoding.UTF8.GetString(r.Data)));
        Assert.Equal(9, output[^1].EndOffset);
        Assert.False(splitter.HasPartial);
    }

    [Fact]
    public void Feed_LineLongerThanARecord_IsTruncatedWithTheTerminatorAndEndsAtItsBreak()
    {
        var splitter = new LineSplitter(10, "~\n"u8.ToArray(), skipHeaderLines: 0);
        var output = new List<LineRecord>();

        splitter.Feed("0123456789abcdef"u8, 16, output);
        splitter.Feed("ghij\nok\n"u8, 24, output);

        Assert.Equal(["01234567~\n", "ok\n"], output.Select(r => Encoding.UTF8.GetString(r.Data)));
        Assert.Equal([21L, 24L], output.Select(r => r.EndOffset));
        Assert.Equal(1, splitter.TruncatedLines);
    }

    [Fact]
    public void Feed_SkipHeaderLines_DropsTheFirstLines()
    {
        var splitter = new LineSplitter(1000, Newline, skipHeaderLines: 2);
        var output = new List<LineRecord>();

        splitter.Feed("h1\nh2\nrow\n"u8, 10, output);

        var record = Assert.Single(output);
        Assert.Equal("row\n", Encoding.UTF8.GetString(record.Data));
        Assert.Equal(10, record.EndOffset);
    }

    [Fact]
    public void Feed_MultiLineStartPattern_GroupsLinesUntilTheNextStartLine()
    {
        // A Java stack trace: each record starts with a date; continuation lines belong to the record before.
        var splitter = new LineSplitter(1000, Newline, skipHeaderLines: 0, LineSplitter.StartPattern(@"\d{4}-\d{2}-\d{2}"));
        var output = new List<LineRecord>();
        var text = "2026-12-05 ERROR boom\njava.lang.IllegalStateException: x\n\tat A.b(A.java:1)\n2026-12-05 INFO ok\n";

        splitter.Feed(Encoding.UTF8.GetBytes(text), text.Length, output);

        var record = Assert.Single(output);
        Assert.Equal("2026-12-05 ERROR boom\njava.lang.IllegalStateException: x\n\tat A.b(A.java:1)\n", Encoding.UTF8.GetString(record.Data));
        Assert.Equal(text.IndexOf("2026-12-05 INFO", StringComparison.Ordinal), record.EndOffset);

        // The last record waits for the next start line, or a flush (the partial-line timeout).
        Assert.True(splitter.HasPartial);
        splitter.FlushPartial(text.Length, output);
        Assert.Equal("2026-12-05 INFO ok\n", Encoding.UTF8.GetString(output[^1].Data));
        Assert.Equal(text.Length, output[^1].EndOffset);
        Assert.False(splitter.HasPartial);
    }

    [Fact]
    public void Feed_MultiLineStartPattern_MatchesAtTheLineStartOnlyAndTheFirstLineAlwaysStartsARecord()
    {
        var splitter = new LineSplitter(1000, Newline, skipHeaderLines: 1, LineSplitter.StartPattern("START"));
        var output = new List<LineRecord>();

        // The header is skipped before grouping; "a" starts the first record without matching; "x START" does not start one.
        splitter.Feed("header\na\nx START\nSTART b\n"u8, 26, output);
        splitter.FlushPartial(26, output);

        Assert.Equal(["a\nx START\n", "START b\n"], output.Select(r => Encoding.UTF8.GetString(r.Data)));
    }

    [Fact]
    public void Feed_MultiLineRecordLongerThanARecord_IsTruncatedWithTheTerminator()
    {
        var splitter = new LineSplitter(10, "~\n"u8.ToArray(), skipHeaderLines: 0, LineSplitter.StartPattern("S"));
        var output = new List<LineRecord>();

        splitter.Feed("S1234\n5678\nabc\nS\n"u8, 18, output);

        Assert.Equal("S1234\n56~\n", Encoding.UTF8.GetString(Assert.Single(output).Data));
        Assert.Equal(16, output[0].EndOffset);
        Assert.Equal(1, splitter.TruncatedLines);
    }
}
