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
        ];

        file.Save(checkpoints);
        file.Save(checkpoints);

        Assert.Equal(checkpoints, file.Load());
        Assert.Equal(["checkpoints"], Directory.GetFiles(directory.File("sub")).Select(Path.GetFileName));
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
