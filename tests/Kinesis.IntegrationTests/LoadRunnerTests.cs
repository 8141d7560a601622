using System.Text.RegularExpressions;
using Kinesis.Testing;

namespace Kinesis.IntegrationTests;

/// <summary>Runs the built load runner (<c>Kinesis.Benchmarks load</c>) as a process; it starts its own emulators.</summary>
[Collection(LocalAwsCollection.Name)]
public sealed class LoadRunnerTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(4);

    [Theory(Timeout = TestTimeouts.Integration)]
    [InlineData("--records|abc", "load: --records must be a whole number of at least 1, not 'abc'")]
    [InlineData("--target|localstack", "load: --target must be kinesalite, kinesis-local or aws, not 'localstack'")]
    [InlineData("--record-size|5", "load: --record-size must be 12 to 1048576 bytes")]
    [InlineData("--shards", "load: --shards needs a value")]
    [InlineData("--concurrency|8", "load: unknown option '--concurrency'")]
    public async Task Load_BadArgument_SaysWhatIsWrongThenUsageAndExitCode2(string arguments, string reason)
    {
        var (exitCode, stdout, stderr) = await ChildProcess.RunDllAsync(BuiltPrograms.Benchmarks, ["load", .. arguments.Split('|')], Deadline);

        Assert.Equal(2, exitCode);
        Assert.Equal("", stdout);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith(reason, lines[0], StringComparison.Ordinal);
        Assert.StartsWith("usage: load", lines[1], StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task Load_ScenariosLongerThanTheHeartbeat_EachScenarioPrintsHeartbeatLines()
    {
        var output = Directory.CreateTempSubdirectory("load-runner-").FullName;
        try
        {
            var (exitCode, stdout, stderr) = await ChildProcess.RunDllAsync(
                BuiltPrograms.Benchmarks,
                ["load", "--target", "kinesalite", "--duration", "3", "--rate", "1000", "--heartbeat", "1", "--output", output],
                Deadline);

            Assert.True(exitCode == 0, $"exit code {exitCode}; stdout:\n{stdout}\nstderr:\n{stderr}");
            var scenarios = Regex.Matches(stdout, @"^  ([^\[\n][^\n]*): [\d,]+ user records/s", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();
            Assert.NotEmpty(scenarios);
            Assert.All(scenarios, scenario => Assert.Matches(
                new Regex($@"^  \[{Regex.Escape(scenario)}\] \d+ s: [\d,]+ user records put, [\d,]+ consumed$", RegexOptions.Multiline),
                stdout));
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }
}
