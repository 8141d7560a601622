using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Amazon.Runtime;
using Kinesis.Core.Api;
using Kinesis.LocalServices;
using Kinesis.Testing;

namespace Kinesis.IntegrationTests;

/// <summary>Runs the built kinesis-console-producer and kinesis-console-consumer as processes against the emulators.</summary>
[Collection(LocalAwsCollection.Name)]
public sealed class ConsoleToolsTests(LocalAwsFixture fixture)
{
    private static readonly TimeSpan ToolDeadline = TimeSpan.FromSeconds(60);

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task ConsoleTools_LinesThroughProducerAndConsumer_EveryLinePrintedBack()
    {
        var stream = LocalAwsFixture.UniqueName("console");
        using var client = new KinesisApiClient(new KinesisApiClientOptions
        {
            Region = LocalAwsServices.Region,
            ServiceUrl = fixture.KinesisLocalEndpoint,
            Credentials = new BasicAWSCredentials(LocalAwsServices.AccessKeyId, LocalAwsServices.SecretAccessKey),
        });
        await client.CreateStreamAsync(new CreateStreamRequest { StreamName = stream, ShardCount = 2 });
        await client.WaitForStreamActiveAsync(stream, TimeSpan.FromSeconds(30));
        var lines = Enumerable.Range(0, 300).Select(i => $"key-{i % 7}|line {i} ünïcode").ToArray();
        var input = Path.Combine(Path.GetTempPath(), $"{stream}.txt");
        await File.WriteAllLinesAsync(input, lines);
        try
        {
            var produced = await RunToolAsync(
                "ConsoleProducer",
                "kinesis-console-producer",
                ["--stream", stream, "--endpoint", fixture.KinesisLocalEndpoint.ToString(), "--key-separator", "|", "--aggregation", "on"],
                input);
            Assert.True(produced.ExitCode == 0, produced.Stderr);
            Assert.Contains("\"recordsPut\":300", produced.Stderr, StringComparison.Ordinal);

            var consumed = await RunToolAsync(
                "ConsoleConsumer",
                "kinesis-console-consumer",
                [
                    "--stream", stream, "--application", LocalAwsFixture.UniqueName("console-app"),
                    "--kinesis-endpoint", fixture.KinesisLocalEndpoint.ToString(), "--dynamodb-endpoint", fixture.DynaliteEndpoint.ToString(),
                    "--initial-position", "trim-horizon", "--exit-when-idle", "3",
                ],
                stdinFile: null);
            Assert.True(consumed.ExitCode == 0, consumed.Stderr);

            var printed = new List<string>();
            foreach (var line in consumed.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                using var json = JsonDocument.Parse(line);
                var root = json.RootElement;
                var data = Encoding.UTF8.GetString(root.GetProperty("data").GetBytesFromBase64());
                printed.Add($"{root.GetProperty("partitionKey").GetString()}|{data}");
                Assert.StartsWith("shardId-", root.GetProperty("shardId").GetString(), StringComparison.Ordinal);
                Assert.False(string.IsNullOrEmpty(root.GetProperty("sequenceNumber").GetString()));
            }

            Assert.Equal(lines.Order(StringComparer.Ordinal), printed.Distinct().Order(StringComparer.Ordinal));
        }
        finally
        {
            File.Delete(input);
            await client.DeleteStreamAsync(new DeleteStreamRequest { StreamName = stream });
        }
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunToolAsync(string project, string assembly, string[] arguments, string? stdinFile)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(ToolPath(project, assembly));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The tools take credentials and region from the standard AWS chain, as they would in a shell script.
        start.Environment["AWS_ACCESS_KEY_ID"] = LocalAwsServices.AccessKeyId;
        start.Environment["AWS_SECRET_ACCESS_KEY"] = LocalAwsServices.SecretAccessKey;
        start.Environment["AWS_REGION"] = LocalAwsServices.Region;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {assembly}");
        using var deadline = new CancellationTokenSource(ToolDeadline);
        try
        {
            var stdout = process.StandardOutput.ReadToEndAsync(deadline.Token);
            var stderr = process.StandardError.ReadToEndAsync(deadline.Token);
            if (stdinFile is not null)
            {
                await using var file = File.OpenRead(stdinFile);
                await file.CopyToAsync(process.StandardInput.BaseStream, deadline.Token);
            }

            process.StandardInput.Close();
            await process.WaitForExitAsync(deadline.Token);
            return (process.ExitCode, await stdout, await stderr);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{assembly} did not finish within {ToolDeadline}.");
        }
    }

    /// <summary>The tool's dll, built with the same configuration as this test assembly (see the ProjectReferences).</summary>
    private static string ToolPath(string project, string assembly)
    {
        var testDirectory = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var targetFramework = testDirectory.Name;
        var configuration = testDirectory.Parent!.Name;
        var root = testDirectory;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Kinesis.Libraries.sln")))
        {
            root = root.Parent;
        }

        var path = Path.Combine(root?.FullName ?? throw new InvalidOperationException("Kinesis.Libraries.sln not found above the test assembly."), "samples", project, "bin", configuration, targetFramework, $"{assembly}.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"Build the samples first; {path} is missing.", path);
    }
}
