using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Kinesis.Agent.Tailing;

/// <summary>
/// A file's identity on its file system, which a rename keeps: device and inode on Linux and macOS (what the Java
/// agent's <c>fileKey</c> holds), volume serial number and file index on Windows. On other systems
/// <see cref="TryGet"/> returns null, and files are told apart by path and fingerprint only.
/// </summary>
internal readonly partial record struct FileIdentity(ulong Device, ulong Inode)
{
    private static readonly IdentitySource Source = SourceFor(CurrentPlatform(), RuntimeInformation.ProcessArchitecture);
    private static bool useLegacyStat;

    /// <summary>How identities are read on a platform.</summary>
    internal enum IdentitySource
    {
        /// <summary>None: path and fingerprint only.</summary>
        None,

        /// <summary>libc <c>stat</c>, Linux's 64-bit layout (st_dev and st_ino, 8 bytes each, first).</summary>
        LinuxStat,

        /// <summary>libc <c>stat</c>, macOS's 64-bit-inode layout (32-bit st_dev first, st_ino at offset 8).</summary>
        DarwinStat,

        /// <summary>The same layout through <c>stat$INODE64</c> (macOS on x86-64, where plain <c>stat</c> has 32-bit inodes).</summary>
        DarwinStatInode64,

        /// <summary><c>GetFileInformationByHandle</c>: volume serial number and 64-bit file index.</summary>
        Windows,
    }

    /// <summary>The identity of the file at <paramref name="path"/>, or null if it is gone or the platform has none.</summary>
    public static FileIdentity? TryGet(string path) => Source switch
    {
        IdentitySource.LinuxStat => LinuxStat(path),
        IdentitySource.DarwinStat or IdentitySource.DarwinStatInode64 => DarwinStat(path, Source),
        IdentitySource.Windows => WindowsFileIndex(path),
        _ => null,
    };

    /// <summary>Which API gives identities on <paramref name="platform"/> ("linux", "osx", "windows") and <paramref name="architecture"/>.</summary>
    internal static IdentitySource SourceFor(string platform, Architecture architecture) => platform switch
    {
        // struct stat's layout is per architecture; these are the two 64-bit ones .NET ships for Linux in common use.
        "linux" when architecture is Architecture.X64 or Architecture.Arm64 => IdentitySource.LinuxStat,
        "osx" when architecture is Architecture.Arm64 => IdentitySource.DarwinStat,
        "osx" when architecture is Architecture.X64 => IdentitySource.DarwinStatInode64,
        "windows" => IdentitySource.Windows,
        _ => IdentitySource.None,
    };

    /// <summary>The identity in a Linux x86-64/arm64 <c>struct stat</c>: st_dev then st_ino, 8 bytes each.</summary>
    internal static FileIdentity FromLinuxStat(ReadOnlySpan<byte> stat) =>
        new(BinaryPrimitives.ReadUInt64LittleEndian(stat), BinaryPrimitives.ReadUInt64LittleEndian(stat[8..]));

    /// <summary>The identity in a macOS <c>struct stat</c> (64-bit inodes): st_dev (4 bytes), st_mode and st_nlink (2 each), st_ino (8).</summary>
    internal static FileIdentity FromDarwinStat(ReadOnlySpan<byte> stat) =>
        new(BinaryPrimitives.ReadUInt32LittleEndian(stat), BinaryPrimitives.ReadUInt64LittleEndian(stat[8..]));

    /// <summary>The identity in a <c>BY_HANDLE_FILE_INFORMATION</c> read as 13 unsigned 32-bit words.</summary>
    internal static FileIdentity FromWindowsInformation(ReadOnlySpan<uint> information) =>
        new(information[VolumeSerialNumberWord], ((ulong)information[FileIndexHighWord] << 32) | information[FileIndexLowWord]);

    /// <inheritdoc />
    public override string ToString() => $"{Device}:{Inode}";

    // BY_HANDLE_FILE_INFORMATION: attributes, three FILETIMEs (2 words each), volume serial, size (2), links, index (2).
    private const int WindowsInformationWords = 13;
    private const int VolumeSerialNumberWord = 7;
    private const int FileIndexHighWord = 11;
    private const int FileIndexLowWord = 12;

    private static string CurrentPlatform() =>
        OperatingSystem.IsLinux() ? "linux" : OperatingSystem.IsMacOS() ? "osx" : OperatingSystem.IsWindows() ? "windows" : "other";

    private static FileIdentity? LinuxStat(string path)
    {
        // 256 bytes hold struct stat on every 64-bit Linux.
        Span<byte> buffer = stackalloc byte[256];
        int result;
        if (!useLegacyStat)
        {
            try
            {
                result = NativeMethods.Stat(path, ref MemoryMarshal.GetReference(buffer));
            }
            catch (EntryPointNotFoundException)
            {
                // glibc before 2.33 exports stat only as __xstat.
                useLegacyStat = true;
                return LinuxStat(path);
            }
        }
        else
        {
            var version = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 1 : 0;
            result = NativeMethods.LegacyStat(version, path, ref MemoryMarshal.GetReference(buffer));
        }

        return result == 0 ? FromLinuxStat(buffer) : null;
    }

    private static FileIdentity? DarwinStat(string path, IdentitySource source)
    {
        // macOS's struct stat is 144 bytes.
        Span<byte> buffer = stackalloc byte[256];
        var result = source == IdentitySource.DarwinStatInode64
            ? NativeMethods.DarwinStatInode64(path, ref MemoryMarshal.GetReference(buffer))
            : NativeMethods.Stat(path, ref MemoryMarshal.GetReference(buffer));
        return result == 0 ? FromDarwinStat(buffer) : null;
    }

    private static FileIdentity? WindowsFileIndex(string path)
    {
        SafeFileHandle handle;
        try
        {
            // Shared for everything, so a writer, a rotation or a delete is never blocked by the look-up.
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        using (handle)
        {
            Span<uint> information = stackalloc uint[WindowsInformationWords];
            return NativeMethods.GetFileInformationByHandle(handle, ref MemoryMarshal.GetReference(information))
                ? FromWindowsInformation(information)
                : null;
        }
    }

    private static partial class NativeMethods
    {
        [LibraryImport("libc", EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8)]
        public static partial int Stat(string path, ref byte buffer);

        [LibraryImport("libc", EntryPoint = "__xstat", StringMarshalling = StringMarshalling.Utf8)]
        public static partial int LegacyStat(int version, string path, ref byte buffer);

        [LibraryImport("libc", EntryPoint = "stat$INODE64", StringMarshalling = StringMarshalling.Utf8)]
        public static partial int DarwinStatInode64(string path, ref byte buffer);

        [LibraryImport("kernel32.dll", SetLastError = true)]
        [return: MarshalAs(UnmanagedType.Bool)]
        public static partial bool GetFileInformationByHandle(SafeFileHandle file, ref uint information);
    }
}
