using Kinesis.Agent.Checkpoints;
using Kinesis.Agent.Configuration;
using Kinesis.Agent.Tailing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kinesis.Agent.Tests;

public sealed class FileTrackerTests : IDisposable
{
    private readonly TempDirectory directory = new();

    public void Dispose() => directory.Dispose();

    [Fact]
    public void Refresh_FirstPollWithEndOfFile_StartsExistingFilesAtTheirEndAndLaterFilesAtTheirStart()
    {
        File.WriteAllText(directory.File("app.log"), "old 1\nold 2\n");
        using var tracker = Tracker("app.log*", InitialPosition.EndOfFile);

        tracker.Refresh();
        File.WriteAllText(directory.File("app.log.new"), "new\n");
        tracker.Refresh();

        Assert.Equal(12, Single(tracker, "app.log").ReadOffset);
        Assert.Equal(0, Single(tracker, "app.log.new").ReadOffset);
    }

    [Fact]
    public void Refresh_RotationByRename_ContinuesTheRenamedFileAndStartsTheNewOne()
    {
        var log = directory.File("app.log");
        File.WriteAllText(log, "line 1\nline 2\n");
        using var tracker = Tracker("app.log*", InitialPosition.StartOfFile);
        tracker.Refresh();
        var original = Single(tracker, "app.log");
        original.ReadOffset = 7;

        File.Move(log, directory.File("app.log.1"));
        File.WriteAllText(log, "fresh\n");
        tracker.Refresh();

        Assert.Same(original, Single(tracker, "app.log.1"));
        Assert.Equal(7, original.ReadOffset);
        Assert.True(original.Present);
        Assert.Equal(0, Single(tracker, "app.log").ReadOffset);
        Assert.Equal(2, tracker.Files.Count);
    }

    [Fact]
    public void Refresh_RenamedOutOfThePattern_KeepsTheHandleSoTheRestCanBeRead()
    {
        var log = directory.File("app.log");
        File.WriteAllText(log, "line 1\n");
        using var tracker = Tracker("app.log", InitialPosition.StartOfFile);
        tracker.Refresh();
        var original = Single(tracker, "app.log");
        original.ReadOffset = 7;

        File.Move(log, directory.File("rotated-away"));
        File.AppendAllText(directory.File("rotated-away"), "line 2\n");
        tracker.Refresh();

        Assert.False(original.Present);
        Assert.NotNull(original.Handle);
        Assert.Equal(14, RandomAccess.GetLength(original.Handle));
    }

    [Fact]
    public void Refresh_CopyTruncate_ReadsTheCopyFromTheOriginalsOffsetAndTheOriginalFromZero()
    {
        var log = directory.File("app.log");
        File.WriteAllText(log, "line 1\nline 2\n");
        using var tracker = Tracker("app.log*", InitialPosition.StartOfFile);
        tracker.Refresh();
        var original = Single(tracker, "app.log");
        original.ReadOffset = 7;

        // logrotate copytruncate: copy, then truncate in place; the agent may see the copy before the truncation.
        File.Copy(log, directory.File("app.log.1"));
        tracker.Refresh();
        Assert.Single(tracker.Files);
        using (var stream = new FileStream(log, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete))
        {
            stream.SetLength(0);
        }

        tracker.Refresh();

        Assert.Same(original, Single(tracker, "app.log"));
        Assert.Equal(0, original.ReadOffset);
        Assert.Equal(7, Single(tracker, "app.log.1").ReadOffset);
    }

    [Fact]
    public void Refresh_CopyOfAFileThatIsNotTruncated_BecomesANewFileOnceItStopsGrowing()
    {
        var log = directory.File("app.log");
        File.WriteAllText(log, "same header\n");
        using var tracker = Tracker("app.log*", InitialPosition.StartOfFile);
        tracker.Refresh();
        Single(tracker, "app.log").ReadOffset = 12;
        File.WriteAllText(directory.File("app.log.other"), "same header\nother body\n");

        for (var i = 0; i < 10; i++)
        {
            tracker.Refresh();
            Assert.Single(tracker.Files);
        }

        tracker.Refresh();
        Assert.Equal(0, Single(tracker, "app.log.other").ReadOffset);
    }

    [Fact]
    public void Refresh_Truncated_StartsAgainAtZero()
    {
        var log = directory.File("app.log");
        File.WriteAllText(log, "a long first line\n");
        using var tracker = Tracker("app.log", InitialPosition.StartOfFile);
        tracker.Refresh();
        var file = Single(tracker, "app.log");
        file.ReadOffset = 18;

        using (var stream = new FileStream(log, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete))
        {
            stream.SetLength(0);
            stream.Write("new\n"u8);
        }

        tracker.Refresh();

        Assert.Equal(0, file.ReadOffset);
        Assert.Equal(0, file.AcknowledgedOffset);
    }

    [Fact]
    public void Restore_SameFile_ContinuesAtTheCheckpointAndANewFileOnTheSamePathStartsAtZero()
    {
        var log = directory.File("app.log");
        File.WriteAllText(log, "checkpointed line\nmore\n");
        using var first = Tracker("app.log", InitialPosition.StartOfFile);
        first.Refresh();
        var checkpoint = first.Checkpoints().Single() with { Offset = 18 };

        using var resumed = Tracker("app.log", InitialPosition.EndOfFile);
        resumed.Restore([checkpoint]);
        resumed.Refresh();
        Assert.Equal(18, Single(resumed, "app.log").ReadOffset);

        // Replaced while the agent was down: another file (another inode) on the same path with other first bytes.
        File.Delete(log);
        File.WriteAllText(log, "a different file\n");
        using var replaced = Tracker("app.log", InitialPosition.EndOfFile);
        replaced.Restore([checkpoint]);
        replaced.Refresh();
        Assert.Equal(0, Single(replaced, "app.log").ReadOffset);
    }

    [Fact]
    public void Restore_FileGoneWhileDown_DropsItsCheckpoint()
    {
        using var tracker = Tracker("app.log", InitialPosition.StartOfFile);
        tracker.Restore([new FileCheckpoint("kinesis:s:" + directory.File("app.log"), directory.File("app.log"), 1, 2, 4, "00", 10)]);

        tracker.Refresh();

        Assert.Empty(tracker.Files);
    }

    [Fact]
    public void Refresh_WildcardInTheDirectory_FindsFilesInEachMatchingDirectory()
    {
        Directory.CreateDirectory(directory.File("app1"));
        Directory.CreateDirectory(directory.File("app2"));
        Directory.CreateDirectory(directory.File("other"));
        File.WriteAllText(directory.File("app1/access.log"), "1\n");
        File.WriteAllText(directory.File("app2/access.log"), "2\n");
        File.WriteAllText(directory.File("other/access.log"), "3\n");
        File.WriteAllText(directory.File("app2/access.log.gz"), "zipped");
        using var tracker = Tracker("app*/access.log*", InitialPosition.StartOfFile);

        tracker.Refresh();

        Assert.Equal([directory.File("app1/access.log"), directory.File("app2/access.log")], tracker.Files.Select(f => f.Path).Order());
    }

    private FileTracker Tracker(string pattern, InitialPosition initial) => new(
        new FlowConfiguration { FilePattern = directory.File(pattern), KinesisStream = "s", InitialPosition = initial },
        skip => new LineSplitter(1000, "\n"u8.ToArray(), skip),
        NullLogger.Instance);

    private TrackedFile Single(FileTracker tracker, string name) => Assert.Single(tracker.Files, f => f.Path == directory.File(name));
}
