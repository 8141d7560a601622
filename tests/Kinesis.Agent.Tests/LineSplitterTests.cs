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
}
