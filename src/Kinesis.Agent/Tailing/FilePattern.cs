using System.IO.Enumeration;

namespace Kinesis.Agent.Tailing;

/// <summary>
/// A <c>filePattern</c>: an absolute path whose segments (directories and the file name) may hold <c>*</c> and <c>?</c>.
/// The Java agent allows wildcards in the file name only; this one also in directories.
/// </summary>
internal sealed class FilePattern
{
    private static readonly string[] IgnoredExtensions = [".gz", ".bz2", ".zip"];
    private static readonly bool IgnoreCase = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS();

    private readonly string root;
    private readonly string[] segments;

    private FilePattern(string root, string[] segments)
    {
        this.root = root;
        this.segments = segments;
    }

    /// <summary>Parses <paramref name="pattern"/>.</summary>
    /// <exception cref="ArgumentException">The pattern is not absolute, ends with a separator, or uses <c>**</c>.</exception>
    public static FilePattern Parse(string pattern)
    {
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        if (!Path.IsPathFullyQualified(pattern))
        {
            throw new ArgumentException($"'{pattern}' must be an absolute path", nameof(pattern));
        }

        if (pattern.EndsWith('/') || pattern.EndsWith(Path.DirectorySeparatorChar))
        {
            throw new ArgumentException($"'{pattern}' has no file name", nameof(pattern));
        }

        if (pattern.Contains("**", StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{pattern}': '**' is not supported; use '*' in each directory level", nameof(pattern));
        }

        var root = Path.GetPathRoot(pattern)!;
        var rest = pattern[root.Length..].Split(['/', Path.DirectorySeparatorChar], StringSplitOptions.RemoveEmptyEntries);
        return new FilePattern(root, rest);
    }

    /// <summary>The files that match now, skipping compressed files and directories that vanish meanwhile.</summary>
    public List<string> Match()
    {
        var found = new List<string>();
        Walk(root, 0, found);
        return found;
    }

    private void Walk(string directory, int level, List<string> found)
    {
        var segment = segments[level];
        var last = level == segments.Length - 1;
        var wildcard = segment.AsSpan().IndexOfAny('*', '?') >= 0;
        try
        {
            if (!wildcard)
            {
                var next = Path.Combine(directory, segment);
                if (last)
                {
                    if (File.Exists(next) && !IsIgnored(next))
                    {
                        found.Add(next);
                    }
                }
                else if (Directory.Exists(next))
                {
                    Walk(next, level + 1, found);
                }

                return;
            }

            if (!Directory.Exists(directory))
            {
                return;
            }

            var entries = last ? Directory.EnumerateFiles(directory) : Directory.EnumerateDirectories(directory);
            foreach (var entry in entries)
            {
                if (!FileSystemName.MatchesSimpleExpression(segment, Path.GetFileName(entry), IgnoreCase))
                {
                    continue;
                }

                if (last)
                {
                    if (!IsIgnored(entry))
                    {
                        found.Add(entry);
                    }
                }
                else
                {
                    Walk(entry, level + 1, found);
                }
            }
        }
        catch (Exception ex) when (ex is DirectoryNotFoundException or UnauthorizedAccessException)
        {
            // A directory removed or closed to us between listing and reading: nothing to tail there now.
        }
    }

    private static bool IsIgnored(string path)
    {
        foreach (var extension in IgnoredExtensions)
        {
            if (path.EndsWith(extension, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
