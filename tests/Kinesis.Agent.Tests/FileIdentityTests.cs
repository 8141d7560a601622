using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Kinesis.Agent.Tailing;
using static Kinesis.Agent.Tailing.FileIdentity;

namespace Kinesis.Agent.Tests;

/// <summary>
/// The choice of identity API per platform and the decoding of each API's result. Only Linux runs here; the macOS and
/// Windows calls are compiled, and their decoding is tested with the structures those systems return.
/// </summary>
public sealed class FileIdentityTests : IDisposable
{
    private readonly TempDirectory directory = new();

    public void Dispose() => directory.Dispose();

    [Theory]
    [InlineData("linux", Architecture.X64, nameof(IdentitySource.LinuxStat))]
    [InlineData("linux", Architecture.Arm64, nameof(IdentitySource.LinuxStat))]
    [InlineData("linux", Architecture.Arm, nameof(IdentitySource.None))] // a 32-bit struct stat
    [InlineData("osx", Architecture.Arm64, nameof(IdentitySource.DarwinStat))]
    [InlineData("osx", Architecture.X64, nameof(IdentitySource.DarwinStatInode64))]
    [InlineData("windows", Architecture.X64, nameof(IdentitySource.Windows))]
    [InlineData("windows", Architecture.Arm64, nameof(IdentitySource.Windows))]
    [InlineData("windows", Architecture.X86, nameof(IdentitySource.Windows))]
    [InlineData("other", Architecture.X64, nameof(IdentitySource.None))]
    public void SourceFor_Platform_PicksItsApi(string platform, Architecture architecture, string expected) =>
        Assert.Equal(expected, SourceFor(platform, architecture).ToString());

    [Fact]
    public void FromDarwinStat_StatBuffer_ReadsDeviceAndInode()
    {
        var stat = new byte[144];
        BinaryPrimitives.WriteUInt32LittleEndian(stat, 16777231);               // st_dev
        BinaryPrimitives.WriteUInt16LittleEndian(stat.AsSpan(4), 0x81A4);       // st_mode
        BinaryPrimitives.WriteUInt16LittleEndian(stat.AsSpan(6), 1);            // st_nlink
        BinaryPrimitives.WriteUInt64LittleEndian(stat.AsSpan(8), 0x1_2345_6789); // st_ino

        Assert.Equal(new FileIdentity(16777231, 0x1_2345_6789), FromDarwinStat(stat));
    }

    [Fact]
    public void FromWindowsInformation_FileInformation_ReadsVolumeSerialAndFileIndex()
    {
        uint[] information = [0x20, 1, 2, 3, 4, 5, 6, 0xABCD1234, 0, 42, 1, 0x0001_0002, 0x0003_0004];

        Assert.Equal(new FileIdentity(0xABCD1234, 0x0001_0002_0003_0004), FromWindowsInformation(information));
    }

    [Fact]
    public void FromLinuxStat_StatBuffer_ReadsDeviceAndInode()
    {
        var stat = new byte[144];
        BinaryPrimitives.WriteUInt64LittleEndian(stat, 2049);
        BinaryPrimitives.WriteUInt64LittleEndian(stat.AsSpan(8), 1_234_567);

        Assert.Equal(new FileIdentity(2049, 1_234_567), FromLinuxStat(stat));
    }

    [Fact]
    public void TryGet_RenamedFile_KeepsItsIdentityAndANewFileHasAnother()
    {
        var path = directory.File("a.log");
        File.WriteAllText(path, "x");
        var before = TryGet(path);
        File.Move(path, directory.File("a.log.1"));
        File.WriteAllText(path, "y");

        Assert.NotNull(before);
        Assert.Equal(before, TryGet(directory.File("a.log.1")));
        Assert.NotEqual(before, TryGet(path));
        Assert.Null(TryGet(directory.File("missing.log")));
    }
}
