using System.Text.RegularExpressions;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Kinesis.Core.Api;
using Kinesis.LocalServices;
using Kinesis.Testing;

namespace Kinesis.IntegrationTests;

/// <summary>Runs the built Kinesis.Demo as a process (stdout redirected, as in a CI log) against the shared emulators.</summary>
[Collection(LocalAwsCollection.Name)]
public sealed class DemoTests(LocalAwsFixture fixture)
{
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan ExitDeadline = TimeSpan.FromSeconds(60);

    private static string Demo => BuiltPrograms.Sample("Kinesis.Demo", "Kinesis.Demo");

    [Theory(Timeout = TestTimeouts.LongIntegration)]
    [InlineData("INT")]
    [InlineData("TERM")]
    public async Task Demo_SignalWhileProducing_StopsWithOneInterruptedLineNoReportAndExitCode130(string signal)
    {
        // Far more records than can be put before the signal lands: the run is interrupted mid-production.
        await using var demo = ChildProcess.Start("dotnet", [Demo, "--records", "1000000", .. EmulatorArguments()]);
        await demo.WaitForStdoutAsync(o => o.Contains("  progress: ", StringComparison.Ordinal), StartDeadline, "the first progress line");

        await demo.SignalAsync(signal);
        var exitCode = await demo.WaitForExitAsync(ExitDeadline);

        var stdout = demo.Stdout;
        var output = stdout + demo.Stderr;
        Assert.True(exitCode == 130, $"exit code {exitCode}; output:\n{output}");
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines, l => l.Contains("interrupted", StringComparison.OrdinalIgnoreCase));
        Assert.StartsWith("Interrupted", lines[^1], StringComparison.Ordinal);
        Assert.DoesNotContain("Report", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", output, StringComparison.Ordinal);
        Assert.DoesNotContain('\r', stdout);

        // With endpoints given (as on real AWS) the interrupted demo still deletes the stream it created.
        var stream = Regex.Match(stdout, "Created stream '([^']+)'").Groups[1].Value;
        Assert.NotEmpty(stream);
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        await Eventually.HoldsAsync(async () => await IsDeletedAsync(client, stream), TimeSpan.FromSeconds(30), $"stream {stream} to be deleted");
        var table = Regex.Match(stdout, "lease table '([^']+)'").Groups[1].Value;
        using var dynamoDb = new AmazonDynamoDBClient(
            LocalKinesis.Credentials,
            new AmazonDynamoDBConfig { ServiceURL = fixture.DynaliteEndpoint.ToString(), AuthenticationRegion = LocalAwsServices.Region });
        await Eventually.HoldsAsync(async () => await IsDeletedAsync(dynamoDb, table), TimeSpan.FromSeconds(30), $"lease table {table} to be deleted");
    }

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task Demo_StdoutRedirected_PlainProgressLinesAndAReportThatSaysWhatItsFiguresDependOn()
    {
        var (exitCode, stdout, stderr) = await ChildProcess.RunDllAsync(Demo, ["--records", "2000", .. EmulatorArguments()], StartDeadline + ExitDeadline);

        Assert.True(exitCode == 0, $"exit code {exitCode}; stdout:\n{stdout}\nstderr:\n{stderr}");
        Assert.DoesNotContain('\r', stdout);
        Assert.Contains("  progress: 2,000/2,000 acknowledged, 2,000/2,000 consumed", stdout, StringComparison.Ordinal);
        Assert.Contains("these figures depend on", stdout, StringComparison.Ordinal);
        Assert.Contains("the emulators run on the same", stdout, StringComparison.Ordinal);
        Assert.Contains("OK: every record arrived.", stdout, StringComparison.Ordinal);
    }

    [Theory(Timeout = TestTimeouts.Integration)]
    [InlineData("--records|abc", "--records must be a whole number of at least 1, not 'abc'")]
    [InlineData("--records", "--records needs a value")]
    [InlineData("--shards|4", "unknown option '--shards'")]
    [InlineData("--kinesis-endpoint|localhost:4567|--dynamodb-endpoint|http://127.0.0.1:4569/", "--kinesis-endpoint must be an absolute http(s) URL")]
    [InlineData("--kinesis-endpoint|http://127.0.0.1:4567/", "--kinesis-endpoint and --dynamodb-endpoint go together")]
    public async Task Demo_BadArgument_SaysWhatIsWrongThenUsageAndExitCode2(string arguments, string reason)
    {
        var (exitCode, stdout, stderr) = await ChildProcess.RunDllAsync(Demo, arguments.Split('|'), ExitDeadline);

        Assert.Equal(2, exitCode);
        Assert.Equal("", stdout);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Contains(reason, lines[0], StringComparison.Ordinal);
        Assert.StartsWith("usage: Kinesis.Demo", lines[1], StringComparison.Ordinal);
    }

    private static async Task<bool> IsDeletedAsync(KinesisApiClient client, string stream)
    {
        try
        {
            var summary = await client.DescribeStreamSummaryAsync(new DescribeStreamSummaryRequest { StreamName = stream });
            return summary.StreamDescriptionSummary.StreamStatus == StreamStatus.Deleting;
        }
        catch (KinesisApiException ex) when (ex.ErrorCode == "ResourceNotFoundException")
        {
            return true;
        }
    }

    private static async Task<bool> IsDeletedAsync(AmazonDynamoDBClient dynamoDb, string table)
    {
        try
        {
            return (await dynamoDb.DescribeTableAsync(table)).Table.TableStatus == TableStatus.DELETING;
        }
        catch (ResourceNotFoundException)
        {
            return true;
        }
    }

    private string[] EmulatorArguments() =>
        ["--kinesis-endpoint", fixture.KinesisLocalEndpoint.ToString(), "--dynamodb-endpoint", fixture.DynaliteEndpoint.ToString()];
}
