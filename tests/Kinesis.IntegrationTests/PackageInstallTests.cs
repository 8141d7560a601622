using System.IO.Compression;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Kinesis.Core.Api;
using Kinesis.LocalServices;
using Kinesis.Testing;

namespace Kinesis.IntegrationTests;

/// <summary>
/// What a user of the packages does: pack the four packages into a local folder feed, create a fresh console app
/// outside the repository (none of its build settings apply), install the packages from the feed (everything else
/// from the machine's usual NuGet sources), build it and run it against kinesis-local and dynalite.
/// </summary>
[Collection(LocalAwsCollection.Name)]
public sealed class PackageInstallTests(LocalAwsFixture fixture)
{
    /// <summary>Packing, restoring and building take minutes on a loaded 2-core machine.</summary>
    private const int Timeout = 900_000;

    private static readonly TimeSpan StepDeadline = TimeSpan.FromMinutes(5);
    private static readonly string[] Packages = ["Kinesis.Core", "Kinesis.Producer", "Kinesis.Client", "Kinesis.Client.DeadLetter"];

    /// <summary>The packages each package depends on, each pinned to the exact version it was built with.</summary>
    private static readonly Dictionary<string, string[]> KinesisDependencies = new()
    {
        ["Kinesis.Core"] = [],
        ["Kinesis.Producer"] = ["Kinesis.Core"],
        ["Kinesis.Client"] = ["Kinesis.Core"],
        ["Kinesis.Client.DeadLetter"] = ["Kinesis.Client", "Kinesis.Producer"],
    };

    [Fact(Timeout = Timeout)]
    public async Task Packages_PackedIntoALocalFeed_InstallInAFreshAppThatPutsAndReadsBackARecord()
    {
        var root = Directory.CreateTempSubdirectory("kinesis-packages-");
        var stream = LocalAwsFixture.UniqueName("package");
        using var client = LocalKinesis.CreateClient(fixture.KinesisLocalEndpoint);
        await LocalKinesis.CreateStreamAsync(client, stream, 1);
        try
        {
            var feed = Path.Combine(root.FullName, "feed");
            foreach (var package in Packages)
            {
                var project = Path.Combine(BuiltPrograms.RepositoryRoot, "src", package, $"{package}.csproj");
                await DotnetAsync(root.FullName, "pack", project, "-c", BuiltPrograms.Configuration, "-o", feed);
            }

            var version = Path.GetFileNameWithoutExtension(Directory.GetFiles(feed, "Kinesis.Core.*.nupkg").Single())["Kinesis.Core.".Length..];
            Assert.Equal("0.2.0-preview.1", version);
            foreach (var package in Packages)
            {
                AssertPackageMetadata(Path.Combine(feed, $"{package}.{version}.nupkg"), package, version);
            }

            var app = Path.Combine(root.FullName, "app");
            WriteApp(app, feed, Path.Combine(root.FullName, "packages"), version);

            await DotnetAsync(app, "build", "-c", "Release");
            var run = await DotnetAsync(app, "bin/Release/net10.0/PackageConsumer.dll", stream, fixture.KinesisLocalEndpoint.ToString(), fixture.DynaliteEndpoint.ToString());

            Assert.Contains("put shardId-", run, StringComparison.Ordinal);
            Assert.Contains("read back: hello from the packages", run, StringComparison.Ordinal);
            Assert.Contains("dead-lettered 1 record", run, StringComparison.Ordinal);

            // An app on net8.0 gets the Microsoft.Extensions.* 8.x the packages' net8.0 group asks for, not 10.x.
            using var assets = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(app, "obj", "project.assets.json")));
            var net8 = assets.RootElement.GetProperty("targets").GetProperty("net8.0").EnumerateObject().Select(p => p.Name).ToList();
            Assert.Contains($"Kinesis.Client/{version}", net8);
            Assert.Contains($"Kinesis.Client.DeadLetter/{version}", net8);
            var extensions = net8.Where(p => p.StartsWith("Microsoft.Extensions.", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(extensions);
            Assert.All(extensions, p => Assert.Contains("/8.0.", p, StringComparison.Ordinal));
        }
        finally
        {
            await client.DeleteStreamAsync(new DeleteStreamRequest { StreamName = stream });
            root.Delete(recursive: true);
        }
    }

    /// <summary>The package carries its own README (links absolute: a package page cannot follow repository-relative ones) and the repository's URL.</summary>
    private static void AssertPackageMetadata(string nupkg, string package, string version)
    {
        using var archive = ZipFile.OpenRead(nupkg);
        using var readme = new StreamReader(archive.GetEntry("README.md")!.Open());
        var text = readme.ReadToEnd();
        Assert.StartsWith($"# {package}\n", text, StringComparison.Ordinal);
        var links = Regex.Matches(text, @"\]\(([^)]*)\)").Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(links);
        Assert.All(links, link => Assert.StartsWith("https://", link, StringComparison.Ordinal));

        using var nuspec = new StreamReader(archive.GetEntry($"{package}.nuspec")!.Open());
        var metadata = XDocument.Load(nuspec).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        var repository = metadata.Elements().Single(e => e.Name.LocalName == "repository");
        Assert.Equal("https://github.com/kinesis-libraries/kinesis-libraries", repository.Attribute("url")?.Value);
        Assert.Equal("README.md", metadata.Elements().Single(e => e.Name.LocalName == "readme").Value);

        // The clients use Kinesis.Core's internals, so they run only with the Kinesis.Core they were built with; the
        // dead-letter package likewise only with the Kinesis.Client and Kinesis.Producer it was built with.
        var kinesisDependencies = metadata.Descendants().Where(e => e.Name.LocalName == "dependency" && e.Attribute("id")?.Value?.StartsWith("Kinesis.", StringComparison.Ordinal) == true).ToList();
        Assert.Equal(KinesisDependencies[package], kinesisDependencies.Select(d => d.Attribute("id")!.Value).Distinct().Order(StringComparer.Ordinal));
        Assert.All(kinesisDependencies, d => Assert.Equal($"[{version}]", d.Attribute("version")?.Value));
    }

    /// <summary>A console app as <c>dotnet new console</c> would make it, with a nuget.config adding the local feed.</summary>
    private static void WriteApp(string directory, string feed, string packagesFolder, string version)
    {
        Directory.CreateDirectory(directory);

        // The feed is added to the sources the machine's NuGet configuration already has (nothing is cleared). The
        // packages go to a folder of their own, so a stale copy of this version in the user's cache is never used;
        // the user's cache serves everything else without downloading it again.
        var userPackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        File.WriteAllText(Path.Combine(directory, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config>
                <add key="globalPackagesFolder" value="{packagesFolder}" />
              </config>
              <packageSources>
                <add key="kinesis-libraries-local-feed" value="{feed}" />
              </packageSources>
              <fallbackPackageFolders>
                <add key="user-packages" value="{userPackages}" />
              </fallbackPackageFolders>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(directory, "PackageConsumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFrameworks>net10.0;net8.0</TargetFrameworks>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <NuGetAudit>false</NuGetAudit>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Kinesis.Producer" Version="[{version}]" />
                <PackageReference Include="Kinesis.Client" Version="[{version}]" />
                <PackageReference Include="Kinesis.Client.DeadLetter" Version="[{version}]" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(directory, "Program.cs"), $$"""
            using System.Text;
            using Amazon.Runtime;
            using Kinesis.Client;
            using Kinesis.Client.DeadLetter;
            using Kinesis.Core.Api;
            using Kinesis.Producer;

            var (stream, kinesis, dynamoDb) = (args[0], new Uri(args[1]), new Uri(args[2]));
            var credentials = new BasicAWSCredentials("{{LocalAwsServices.AccessKeyId}}", "{{LocalAwsServices.SecretAccessKey}}");
            var api = new KinesisApiClientOptions { Region = "{{LocalAwsServices.Region}}", ServiceUrl = kinesis, Credentials = credentials };
            await using (var producer = new KinesisProducer(new KinesisProducerOptions { Region = api.Region, ServiceUrl = kinesis, Credentials = credentials }))
            {
                var put = await producer.PutAsync(stream, "package-test", Encoding.UTF8.GetBytes("hello from the packages"));
                Console.WriteLine($"put {put.ShardId} {put.SequenceNumber}");
            }

            var received = new TaskCompletionSource<(string ShardId, KinesisClientRecord Record)>(TaskCreationOptions.RunContinuationsAsynchronously);
            var options = new KinesisConsumerOptions
            {
                ApplicationName = stream + "-app",
                StreamName = stream,
                InitialPosition = InitialPositionInStream.TrimHorizon,
                Kinesis = api,
                DynamoDbServiceUrl = dynamoDb,
            };
            await using var consumer = KinesisConsumer.Create(options, (input, cancellationToken) =>
            {
                foreach (var record in input.Records)
                {
                    received.TrySetResult((input.ShardId, record));
                }

                return Task.CompletedTask;
            });
            await consumer.StartAsync();
            var (shardId, read) = await received.Task.WaitAsync(TimeSpan.FromSeconds(90));
            Console.WriteLine($"read back: {Encoding.UTF8.GetString(read.Data.Span)}");
            await consumer.StopAsync();

            // The dead-letter package: the record as if the processor had given up on it, written back as an envelope.
            await using var deadLetterProducer = new KinesisProducer(new KinesisProducerOptions { Region = api.Region, ServiceUrl = kinesis, Credentials = credentials });
            var sink = new KinesisStreamDeadLetterSink(deadLetterProducer, stream);
            await sink.SendAsync(new DeadLetterBatch { StreamName = stream, ShardId = shardId, Records = [read], Exception = new FormatException("package test"), Attempts = 1, Reason = DeadLetterReason.RetriesExhausted });
            Console.WriteLine($"dead-lettered 1 record to {sink.StreamName}");
            """);
    }

    /// <summary>Runs the dotnet CLI as a shell would, without the test host's MSBuild settings; returns stdout.</summary>
    private static async Task<string> DotnetAsync(string workingDirectory, params string[] arguments)
    {
        var environment = new Dictionary<string, string?>
        {
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_NOLOGO"] = "1",
            ["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1",
            ["NUGET_PACKAGES"] = null,
        };
        foreach (var name in Environment.GetEnvironmentVariables().Keys.Cast<string>().Where(n => n.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)))
        {
            environment[name] = null;
        }

        // No build servers: nothing may outlive the test.
        string[] build = arguments[0] is "pack" or "build" ? ["--disable-build-servers", "-nologo"] : [];
        var (exitCode, stdout, stderr) = await ChildProcess.RunAsync("dotnet", [.. arguments, .. build], StepDeadline, workingDirectory, environment);
        Assert.True(exitCode == 0, $"dotnet {string.Join(' ', arguments)} exited with {exitCode}; stdout:\n{stdout}\nstderr:\n{stderr}");
        return stdout;
    }
}
