using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Kinesis.Agent.Checkpoints;

/// <summary>
/// The checkpoint file (<c>checkpointFile</c>): JSON, replaced atomically (written to a temporary file in the same
/// directory, flushed to disk, then renamed over the old one), so a crash leaves either the old or the new content.
/// </summary>
internal sealed class CheckpointFile
{
    private const int FormatVersion = 1;
    private readonly string path;
    private readonly ILogger logger;

    public CheckpointFile(string path, ILogger logger)
    {
        this.path = System.IO.Path.GetFullPath(path);
        this.logger = logger;
    }

    public string Path => path;

    /// <summary>
    /// Reads the checkpoints; none if the file does not exist. A file that cannot be parsed is moved aside (to
    /// <c>.corrupt</c>), logged, and the agent starts without checkpoints rather than not at all.
    /// </summary>
    public List<FileCheckpoint> Load()
    {
        var result = new List<FileCheckpoint>();
        if (!File.Exists(path))
        {
            return result;
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            foreach (var entry in document.RootElement.GetProperty("files").EnumerateArray())
            {
                result.Add(new FileCheckpoint(
                    entry.GetProperty("flow").GetString()!,
                    entry.GetProperty("path").GetString()!,
                    entry.TryGetProperty("device", out var device) ? device.GetUInt64() : null,
                    entry.TryGetProperty("inode", out var inode) ? inode.GetUInt64() : null,
                    entry.GetProperty("fingerprintLength").GetInt32(),
                    entry.GetProperty("fingerprint").GetString()!,
                    entry.GetProperty("offset").GetInt64(),
                    entry.TryGetProperty("updated", out var updated) ? updated.GetDateTimeOffset() : null));
            }
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or NullReferenceException)
        {
            var aside = path + ".corrupt";
            File.Move(path, aside, overwrite: true);
            AgentLog.CheckpointFileCorrupt(logger, path, aside, ex);
            result.Clear();
        }

        return result;
    }

    /// <summary>
    /// Removes the checkpoints whose offset has not moved for longer than <paramref name="timeToLive"/>
    /// (<c>checkpointTimeToLiveDays</c>, as the Java agent purges its checkpoint store at start) and returns how many.
    /// </summary>
    public static int DropExpired(List<FileCheckpoint> checkpoints, TimeSpan timeToLive, DateTimeOffset now) =>
        checkpoints.RemoveAll(c => c.Updated is { } updated && now - updated > timeToLive);

    /// <summary>Replaces the file's content with <paramref name="checkpoints"/>.</summary>
    public void Save(IEnumerable<FileCheckpoint> checkpoints)
    {
        var directory = System.IO.Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(directory);
        var temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
            {
                writer.WriteStartObject();
                writer.WriteNumber("version", FormatVersion);
                writer.WriteStartArray("files");
                foreach (var checkpoint in checkpoints)
                {
                    writer.WriteStartObject();
                    writer.WriteString("flow", checkpoint.Flow);
                    writer.WriteString("path", checkpoint.Path);
                    if (checkpoint.Device is { } device && checkpoint.Inode is { } inode)
                    {
                        writer.WriteNumber("device", device);
                        writer.WriteNumber("inode", inode);
                    }

                    writer.WriteNumber("fingerprintLength", checkpoint.FingerprintLength);
                    writer.WriteString("fingerprint", checkpoint.FingerprintHash);
                    writer.WriteNumber("offset", checkpoint.Offset);
                    if (checkpoint.Updated is { } time)
                    {
                        writer.WriteString("updated", time);
                    }

                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
