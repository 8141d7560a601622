using System.Text.RegularExpressions;

namespace Kinesis.Core.Tests;

/// <summary>The layout rules of the shipped sources under src/, checked over the files themselves.</summary>
public sealed partial class SourceLayoutTests
{
    /// <summary>
    /// Groups of plain records and enums that stay in one file (docs/decisions.md, "One type per file"), as paths
    /// relative to src/.
    /// </summary>
    private static readonly HashSet<string> GroupedModelFiles = new(StringComparer.Ordinal)
    {
        "Kinesis.Core/Api/ConsumerModels.cs",
        "Kinesis.Core/Api/Enums.cs",
        "Kinesis.Core/Api/RecordModels.cs",
        "Kinesis.Core/Api/ShardModels.cs",
        "Kinesis.Core/Api/StreamModels.cs",
        "Kinesis.Core/Api/Serialization/ControlPlaneWireModels.cs",
        "Kinesis.Client/ShardRecordProcessorInputs.cs",
    };

    [Fact]
    public void SourceFiles_HoldOneTopLevelTypeEach_ExceptGroupedModelFiles()
    {
        var src = Path.Combine(RepositoryRoot(), "src");
        var offenders = new List<string>();
        foreach (var file in Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(src, file).Replace(Path.DirectorySeparatorChar, '/');
            if (relative.Split('/').Any(part => part is "obj" or "bin") || GroupedModelFiles.Contains(relative))
            {
                continue;
            }

            var names = TopLevelTypeNames(File.ReadAllText(file));
            if (names.Count > 1)
            {
                offenders.Add($"{relative}: {string.Join(", ", names)}");
            }
        }

        Assert.True(offenders.Count == 0, "Move each type into its own file named after it, or list a group of plain models in GroupedModelFiles:\n" + string.Join('\n', offenders));
    }

    [Fact]
    public void TopLevelTypeNames_FindsClassesRecordsEnumsAndDelegatesAtFileScope_NotNestedOnes()
    {
        const string Source = """
            namespace N;

            /// <summary>Doc.</summary>
            public sealed class A
            {
                private sealed class Nested;
                private delegate T Reader<T>(ref int x);
            }

            internal readonly record struct B(int X);
            public enum C { One }
            internal delegate void D<in T>(T value);
            file static class E;
            """;

        Assert.Equal(new[] { "A", "B", "C", "D", "E" }, TopLevelTypeNames(Source));
    }

    private static List<string> TopLevelTypeNames(string source) =>
        TopLevelType().Matches(source).Select(m => m.Groups["name"].Value).ToList();

    /// <summary>
    /// A type declared at column 0: the sources use file-scoped namespaces, so a top-level type starts its line and a
    /// nested one is indented.
    /// </summary>
    [GeneratedRegex(@"^(?:(?:public|internal|file|static|sealed|abstract|readonly|partial|ref|unsafe)\s+)*(?:(?:class|struct|interface|enum|record(?:\s+struct|\s+class)?)\s+|delegate\s+[\w<>\[\]?,. ]+?\s+)(?<name>[A-Za-z_]\w*)", RegexOptions.Multiline)]
    private static partial Regex TopLevelType();

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Kinesis.Libraries.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Kinesis.Libraries.sln not found above " + AppContext.BaseDirectory);
    }
}
