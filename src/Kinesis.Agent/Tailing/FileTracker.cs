using Kinesis.Agent.Checkpoints;
using Kinesis.Agent.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace Kinesis.Agent.Tailing;

/// <summary>
/// Decides, at each poll, which files a flow follows and from where: a file seen before under its identity continues
/// (after a rename too), a file whose content was replaced starts again, a copy of a followed file (copytruncate)
/// continues where the original was, and a new file starts at its beginning (or its end, on the first poll without
/// checkpoints and with <c>END_OF_FILE</c>). Files that leave the pattern keep their open handle until read to the end.
/// </summary>
internal sealed class FileTracker : IDisposable
{
    private const int HoldPolls = 10;
    private readonly FlowConfiguration flow;
    private readonly FilePattern pattern;
    private readonly Func<int, LineSplitter> newSplitter;
    private readonly ILogger logger;
    private readonly List<TrackedFile> files = [];

    // Content replaced in the last two polls (fingerprint and how far it had been read): a copy that shows up
    // next to a truncated original is recognised by it.
    private List<(Fingerprint Fingerprint, long Offset, string Path)> replaced = [];
    private List<(Fingerprint Fingerprint, long Offset, string Path)> replacedBefore = [];
    // New files whose first bytes equal a followed file's that is still whole: a copytruncate copy whose original is
    // about to be truncated, or an unrelated file with the same first bytes. Held (path -> length, polls unchanged)
    // until the original is truncated (a copy) or the file stops growing for HoldPolls polls (a new file).
    private readonly Dictionary<string, (long Length, int Unchanged)> held = new(StringComparer.Ordinal);
    private bool firstPoll = true;
    private bool hadCheckpoints;

    public FileTracker(FlowConfiguration flow, Func<int, LineSplitter> newSplitter, ILogger logger)
    {
        this.flow = flow;
        pattern = FilePattern.Parse(flow.FilePattern);
        this.newSplitter = newSplitter;
        this.logger = logger;
    }

    public IReadOnlyList<TrackedFile> Files => files;

    /// <summary>Starts from checkpoints: each becomes a followed file, confirmed (or dropped) by the first poll.</summary>
    public void Restore(IEnumerable<FileCheckpoint> checkpoints)
    {
        foreach (var checkpoint in checkpoints)
        {
            hadCheckpoints = true;
            var identity = checkpoint.Device is { } device && checkpoint.Inode is { } inode ? new FileIdentity(device, inode) : (FileIdentity?)null;
            files.Add(new TrackedFile(checkpoint.Path, identity, new Fingerprint(checkpoint.FingerprintLength, checkpoint.FingerprintHash), checkpoint.Offset, newSplitter(0))
            {
                CheckpointUpdated = checkpoint.Updated,
                CheckpointUpdatedOffset = checkpoint.Updated is null ? -1 : checkpoint.Offset,
            });
        }
    }

    /// <summary>Lists the pattern's files and matches them to the followed ones.</summary>
    public void Refresh()
    {
        (replacedBefore, replaced) = (replaced, replacedBefore);
        replaced.Clear();
        foreach (var file in files)
        {
            file.Present = false;
        }

        var unmatched = new List<(string Path, FileIdentity? Identity)>();
        var listed = pattern.Match();
        foreach (var path in held.Keys.Except(listed, StringComparer.Ordinal).ToArray())
        {
            held.Remove(path);
        }

        foreach (var path in listed)
        {
            var identity = FileIdentity.TryGet(path);
            var file = Find(path, identity);
            if (file is null || !Confirm(file, path, identity))
            {
                unmatched.Add((path, identity));
            }
        }

        foreach (var (path, identity) in unmatched)
        {
            Adopt(path, identity);
        }

        for (var i = files.Count - 1; i >= 0; i--)
        {
            var file = files[i];
            if (!file.Present && file.Handle is null)
            {
                AgentLog.CheckpointedFileGone(logger, flow.Id, file.Path);
                files.RemoveAt(i);
            }
        }

        firstPoll = false;
    }

    /// <summary>Drops a file that left the pattern once it is read to its end and every record of it is resolved.</summary>
    public void Finish(TrackedFile file)
    {
        AgentLog.FileFinished(logger, flow.Id, file.Path, file.ReadOffset);
        files.Remove(file);
        file.Dispose();
    }

    public IEnumerable<FileCheckpoint> Checkpoints()
    {
        foreach (var file in files)
        {
            yield return new FileCheckpoint(flow.Id, file.Path, file.Identity?.Device, file.Identity?.Inode, file.Fingerprint.Length, file.Fingerprint.Hash, file.AcknowledgedOffset, file.CheckpointUpdated);
        }
    }

    public void Dispose()
    {
        foreach (var file in files)
        {
            file.Dispose();
        }

        files.Clear();
    }

    private TrackedFile? Find(string path, FileIdentity? identity)
    {
        foreach (var file in files)
        {
            if (identity is not null ? file.Identity == identity : file.Identity is null && file.Path == path)
            {
                return file;
            }
        }

        return null;
    }

    // The same identity: the same file (renamed, grown, or truncated), unless it was restored from a checkpoint and
    // its first bytes differ (the inode was reused by a new file, or the content was replaced while the agent was down).
    private bool Confirm(TrackedFile file, string path, FileIdentity? identity)
    {
        if (file.Handle is null)
        {
            var handle = TryOpen(path);
            if (handle is null)
            {
                return true;
            }

            file.Handle = handle;
            if (Fingerprint.Read(handle, file.Fingerprint.Length) != file.Fingerprint)
            {
                files.Remove(file);
                file.Dispose();
                return false;
            }

            // Resumed from its checkpoint.
            AgentLog.FileStarted(logger, flow.Id, path, file.ReadOffset);
        }

        file.Present = true;
        if (file.Path != path)
        {
            AgentLog.FileRenamed(logger, flow.Id, file.Path, path);
            file.Path = path;
        }

        file.Identity = identity;
        long length;
        try
        {
            length = RandomAccess.GetLength(file.Handle);
        }
        catch (IOException)
        {
            return true;
        }

        if (length < file.ReadOffset)
        {
            AgentLog.FileTruncated(logger, flow.Id, path, file.ReadOffset);
            replaced.Add((file.Fingerprint, file.ReadOffset, path));
            file.Restart(Fingerprint.Read(file.Handle, (int)Math.Min(length, Fingerprint.MaxLength)) ?? Fingerprint.Empty, newSplitter(flow.SkipHeaderLines));
        }

        return true;
    }

    private void Adopt(string path, FileIdentity? identity)
    {
        var handle = TryOpen(path);
        if (handle is null)
        {
            return;
        }

        long length;
        Fingerprint fingerprint;
        try
        {
            length = RandomAccess.GetLength(handle);
            fingerprint = Fingerprint.Read(handle, (int)Math.Min(length, Fingerprint.MaxLength)) ?? Fingerprint.Empty;
        }
        catch (IOException)
        {
            handle.Dispose();
            return;
        }

        // A followed file with the same first bytes: a copy of it (copytruncate), or the file itself under a new
        // identity (moved to another file system, or restored from a checkpoint where identities are unavailable).
        foreach (var file in files)
        {
            if (file.Fingerprint.Length == 0 || file.Fingerprint.Length > length || Fingerprint.Read(handle, file.Fingerprint.Length) != file.Fingerprint)
            {
                continue;
            }

            // On Linux a live handle to a file that left the pattern is the file itself: another identity is another file.
            if (!file.Present && (file.Handle is null || identity is null || file.Identity is null))
            {
                file.Handle?.Dispose();
                file.Handle = handle;
                file.Identity = identity;
                file.Present = true;
                if (file.Path != path)
                {
                    AgentLog.FileRenamed(logger, flow.Id, file.Path, path);
                    file.Path = path;
                }

                if (length < file.ReadOffset)
                {
                    AgentLog.FileTruncated(logger, flow.Id, path, file.ReadOffset);
                    file.Restart(fingerprint, newSplitter(flow.SkipHeaderLines));
                }

                return;
            }

            if (!file.Present)
            {
                continue;
            }

            if (Hold(path, length))
            {
                handle.Dispose();
                return;
            }

            break;
        }

        held.Remove(path);
        foreach (var (original, offset, originalPath) in replaced.Concat(replacedBefore))
        {
            if (original.Length > 0 && original.Length <= length && Fingerprint.Read(handle, original.Length) == original)
            {
                Track(path, identity, handle, fingerprint, Math.Min(offset, length), originalPath);
                return;
            }
        }

        var start = firstPoll && !hadCheckpoints && flow.InitialPosition == InitialPosition.EndOfFile ? length : 0;
        Track(path, identity, handle, fingerprint, start, copyOf: null);
    }

    private bool Hold(string path, long length)
    {
        var unchanged = held.TryGetValue(path, out var previous) && previous.Length == length ? previous.Unchanged + 1 : 0;
        held[path] = (length, unchanged);
        return unchanged < HoldPolls;
    }

    private void Track(string path, FileIdentity? identity, SafeFileHandle handle, Fingerprint fingerprint, long offset, string? copyOf)
    {
        if (copyOf is not null)
        {
            AgentLog.FileCopied(logger, flow.Id, path, copyOf, offset);
        }
        else
        {
            AgentLog.FileStarted(logger, flow.Id, path, offset);
        }

        files.Add(new TrackedFile(path, identity, fingerprint, offset, newSplitter(offset == 0 ? flow.SkipHeaderLines : 0))
        {
            Handle = handle,
            Present = true,
        });
    }

    private static SafeFileHandle? TryOpen(string path)
    {
        try
        {
            // Delete sharing lets the writer rotate (rename or delete) a file while it is open here, on Windows too.
            return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException or IOException)
        {
            return null;
        }
    }
}
