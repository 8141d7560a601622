namespace Kinesis.IntegrationTests;

/// <summary>Where this repository's programs are built, with the same configuration as this test assembly (see the ProjectReferences).</summary>
internal static class BuiltPrograms
{
    /// <summary>The repository's root: the directory of Kinesis.Libraries.sln above the test assembly.</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>The configuration this test assembly was built with (Debug or Release).</summary>
    public static string Configuration { get; } = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    /// <summary>The built dll of <c>samples/<paramref name="project"/></c>.</summary>
    public static string Sample(string project, string assembly) => Built("samples", project, assembly);

    /// <summary>The built Kinesis.Benchmarks (the load runner's host).</summary>
    public static string Benchmarks => Built("benchmarks", "Kinesis.Benchmarks", "Kinesis.Benchmarks");

    private static string Built(string folder, string project, string assembly)
    {
        var targetFramework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Name;
        var path = Path.Combine(RepositoryRoot, folder, project, "bin", Configuration, targetFramework, $"{assembly}.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"Build {project} first; {path} is missing.", path);
    }

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Kinesis.Libraries.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Kinesis.Libraries.sln not found above the test assembly.");
    }
}
