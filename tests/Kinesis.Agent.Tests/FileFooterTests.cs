using Kinesis.Testing;
using Kinesis.Agent.Configuration;
using Kinesis.Agent.Tailing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kinesis.Agent.Tests;

public sealed class FileFooterTests : IDisposable
{
    private readonly TempDirectory directory = new();

    public void Dispose() => directory.Dispose();

    [Theory]
    [InlineData("END", "END\n", true)]
    [InlineData("END", "  END \r\n", true)] // trimmed, as Java's String.trim
    [InlineData("END", "THE END\n", false)] // the whole record must match (Java's Matcher.matches)
    [InlineData("END.*", "END of file\n", true)]
    [InlineData("^--$", "first\n--\n", false)] // multi-line: ^ and $ match at line breaks, but the whole record must match
    [InlineData("first$\\s^--", "first\n--\n", true)]
    public void Matches_RecordText_AsJavaMatchesIt(string pattern, string record, bool expected) =>
        Assert.Equal(expected, new FileFooter(pattern).Matches(System.Text.Encoding.UTF8.GetBytes(record)));

    [Fact]
    public void Read_FileFooterPattern_IsKept()
    {
        var configuration = AgentConfigurationReader.Parse("""{ "flows": [ { "filePattern": "/a/b.log", "kinesisStream": "s", "fileFooterPattern": "^# END" } ] }""");

        Assert.Equal("^# END", configuration.Flows[0].FileFooterPattern);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task PollAsync_FooterLine_FooterAndRestOfFileNotSentAndCheckpointPassesThem()
    {
        var log = directory.File("app.log");
        var content = "a\nb\n# END 3 lines\nafter footer\n";
        await File.WriteAllTextAsync(log, content);
        var other = directory.File("other.log");
        await File.WriteAllTextAsync(other, "c\n");
        var producer = new RecordingProducer();
        var flow = new FlowConfiguration { FilePattern = directory.File("*.log"), KinesisStream = "s", InitialPosition = InitialPosition.StartOfFile, FileFooterPattern = "# END.*" };
        using var tailer = new FlowTailer(flow, producer, windowRecords: 100, windowBytes: long.MaxValue, TimeProvider.System, NullLogger.Instance);

        await tailer.PollAsync(CancellationToken.None);
        await File.AppendAllTextAsync(log, "written later\n");
        await tailer.PollAsync(CancellationToken.None);

        Assert.Equal(["a\n", "b\n", "c\n"], producer.Lines.Order(StringComparer.Ordinal));
        Assert.Equal(3, tailer.Statistics.RecordsSkipped);
        Assert.Equal(content.Length + "written later\n".Length, tailer.Checkpoints.Single(c => c.Path == log).Offset);
    }
}
