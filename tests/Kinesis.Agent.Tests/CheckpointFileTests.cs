using Kinesis.Agent.Checkpoints;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kinesis.Agent.Tests;

public sealed class CheckpointFileTests : IDisposable
{
    private readonly TempDirectory directory = new();

    public void Dispose() => directory.Dispose();

    [Fact]
    public void Save_ThenLoad_RoundTripsAndLeavesNoTemporaryFile()
    {
        var file = new CheckpointFile(directory.File("sub/checkpoints"), NullLogger.Instance);
        FileCheckpoint[] checkpoints =
        [
            new("kinesis:s:/var/log/a*", "/var/log/a1", 2049, 131, 1024, "ABCDEF", 123_456_789_012),
            new("kinesis:s:/var/log/a*", "/var/log/a2", null, null, 0, string.Empty, 0),
            new("kinesis:s:/var/log/a*", "/var/log/a3", null, null, 3, "ABC", 3, new DateTimeOffset(2026, 12, 5, 3, 10, 11, 123, TimeSpan.Zero)),
        ];

        file.Save(checkpoints);
        file.Save(checkpoints);

        Assert.Equal(checkpoints, file.Load());
        Assert.Equal(["checkpoints"], Directory.GetFiles(directory.File("sub")).Select(Path.GetFileName));
    }

    [Fact]
    public void DropExpired_RemovesCheckpointsNotMovedForLongerThanTheTimeToLive()
    {
        var now = new DateTimeOffset(2026, 12, 5, 0, 0, 0, TimeSpan.Zero);
        List<FileCheckpoint> checkpoints =
        [
            new("f", "/old", null, null, 0, string.Empty, 10, now - TimeSpan.FromDays(8)),
            new("f", "/edge", null, null, 0, string.Empty, 10, now - TimeSpan.FromDays(7)),
            new("f", "/fresh", null, null, 0, string.Empty, 10, now - TimeSpan.FromHours(1)),
            new("f", "/unknown", null, null, 0, string.Empty, 10),
        ];

        var dropped = CheckpointFile.DropExpired(checkpoints, TimeSpan.FromDays(7), now);

        Assert.Equal(1, dropped);
        Assert.Equal(["/edge", "/fresh", "/unknown"], checkpoints.Select(c => c.Path));
    }

    [Fact]
    public void Load_Missing_IsEmpty()
    {
        Assert.Empty(new CheckpointFile(directory.File("none"), NullLogger.Instance).Load());
    }

    [Fact]
    public void Load_Corrupt_IsMovedAsideAndEmpty()
    {
        var path = directory.File("checkpoints");
        File.WriteAllText(path, "{ \"files\": [ { \"flow\": ");

        var loaded = new CheckpointFile(path, NullLogger.Instance).Load();

        Assert.Empty(loaded);
        Assert.False(File.Exists(path));
        Assert.True(File.Exists(path + ".corrupt"));
    }
}
