using System.Runtime.InteropServices;

namespace Kinesis.Agent.Tailing;

/// <summary>
/// A file's identity on its file system: device and inode on Linux (what the Java agent's <c>fileKey</c> holds).
/// Elsewhere <see cref="TryGet"/> returns null for now, and files are told apart by path and fingerprint only.
/// </summary>
internal readonly partial record struct FileIdentity(ulong Device, ulong Inode)
{
    private static bool useLegacyStat;

    /// <summary>The identity of the file at <paramref name="path"/>, or null if it is gone or the platform has none.</summary>
    public static FileIdentity? TryGet(string path)
    {
        if (!OperatingSystem.IsLinux() || (RuntimeInformation.ProcessArchitecture != Architecture.X64 && RuntimeInformation.ProcessArchitecture != Architecture.Arm64))
        {
            return null;
        }

        // struct stat on x86-64 and arm64 Linux begins with st_dev (8 bytes) and st_ino (8 bytes); 256 bytes hold it all.
        Span<ulong> buffer = stackalloc ulong[32];
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
                return TryGet(path);
            }
        }
        else
        {
            var version = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 1 : 0;
            result = NativeMethods.LegacyStat(version, path, ref MemoryMarshal.GetReference(buffer));
        }

        return result == 0 ? new FileIdentity(buffer[0], buffer[1]) : null;
    }

    /// <inheritdoc />
    public override string ToString() => $"{Device}:{Inode}";

    private static partial class NativeMethods
    {
        [LibraryImport("libc", EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8)]
        public static partial int Stat(string path, ref ulong buffer);

        [LibraryImport("libc", EntryPoint = "__xstat", StringMarshalling = StringMarshalling.Utf8)]
        public static partial int LegacyStat(int version, string path, ref ulong buffer);
    }
}
