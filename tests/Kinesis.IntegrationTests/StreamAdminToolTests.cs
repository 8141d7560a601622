using System.Numerics;
using System.Text.Json;
using Amazon.Runtime;
using Kinesis.Core.Api;
using Kinesis.LocalServices;
using Kinesis.Testing;

namespace Kinesis.IntegrationTests;

/// <summary>Runs the built kinesis-streams against the emulators, as a user or a script would.</summary>
[Collection(LocalAwsCollection.Name)]
public sealed class StreamAdminToolTests(LocalAwsFixture fixture)
{
    private const string MaxHashKey = "340282366920938463463374607431768211455";
    private const string HalfHashKey = "170141183460469231731687303715884105728";

    /// <summary>How long one run of the tool may take before it is killed and the test fails.</summary>
    private static readonly TimeSpan ToolDeadline = TimeSpan.FromSeconds(90);

    private static string Tool => BuiltPrograms.Sample("StreamAdmin", "kinesis-streams");

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task Create_ThreeShards_DescribeShowsThreeOpenShardsCoveringTheKeySpace()
    {
        var stream = LocalAwsFixture.UniqueName("admin-create");

        var created = await RunAsync("create", "--stream", stream, "--shards", "3");

        Assert.True(created.ExitCode == 0, created.ToString());
        Assert.Equal($"created stream '{stream}' (3 shards): ACTIVE", created.Stdout.Trim());
        var shards = (await DescribeAsync(stream)).GetProperty("shards").EnumerateArray().ToList();
        Assert.Equal(3, shards.Count);
        Assert.All(shards, s => Assert.True(s.GetProperty("open").GetBoolean()));
        Assert.All(shards, s => Assert.Equal(JsonValueKind.Null, s.GetProperty("parentShardId").ValueKind));
        var ranges = shards.Select(s => (Start: BigInteger.Parse(s.GetProperty("startingHashKey").GetString()!), End: BigInteger.Parse(s.GetProperty("endingHashKey").GetString()!))).OrderBy(r => r.Start).ToList();
        Assert.Equal(BigInteger.Zero, ranges[0].Start);
        Assert.Equal(BigInteger.Parse(MaxHashKey), ranges[^1].End);
        Assert.All(ranges.Zip(ranges.Skip(1)), pair => Assert.Equal(pair.First.End + 1, pair.Second.Start));
        Assert.All(shards, s => Assert.False(string.IsNullOrEmpty(s.GetProperty("startingSequenceNumber").GetString())));
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task StreamByArn_DescribeScaleAndMaxRecordSize_ActOnTheStreamTheArnNames()
    {
        var stream = LocalAwsFixture.UniqueName("admin-arn");
        await CreateAsync(stream, 1);
        var arn = (await DescribeAsync(stream)).GetProperty("arn").GetString()!;

        var scaled = await RunAsync("scale", "--stream", arn, "--shards", "2");
        var raised = await RunAsync("max-record-size", "--stream", arn, "--max-record-size-kib", "10240");
        var described = await RunAsync("describe", "--stream", arn, "--json");

        Assert.True(scaled.ExitCode == 0, scaled.ToString());
        Assert.True(raised.ExitCode == 0, raised.ToString());
        Assert.Equal($"set the maximum record size of '{arn}' to 10240 KiB: ACTIVE", raised.Stdout.Trim());
        Assert.True(described.ExitCode == 0, described.ToString());
        using var json = JsonDocument.Parse(described.Stdout);
        Assert.Equal(stream, json.RootElement.GetProperty("stream").GetString());
        Assert.Equal(2, json.RootElement.GetProperty("openShardCount").GetInt32());
        Assert.Equal(10240, json.RootElement.GetProperty("maxRecordSizeInKiB").GetInt32());
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task CreateOnDemand_WithMaxRecordSize_DescribeShowsModeAndSize()
    {
        var stream = LocalAwsFixture.UniqueName("admin-on-demand");

        var created = await RunAsync("create", "--stream", stream, "--on-demand", "--max-record-size-kib", "2048");

        Assert.True(created.ExitCode == 0, created.ToString());
        var described = await DescribeAsync(stream);
        Assert.Equal("ON_DEMAND", described.GetProperty("mode").GetString());
        Assert.Equal(2048, described.GetProperty("maxRecordSizeInKiB").GetInt32());
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task StreamByArnOfAnotherRegion_FailsAsUsageNamingBothRegions()
    {
        var run = await RunAsync("describe", "--stream", "arn:aws:kinesis:eu-west-1:000000000000:stream/s");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("'eu-west-1'", Assert.Single(run.StderrLines), StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task Describe_Text_ShowsEveryShardWithRangeStateAndParents()
    {
        var stream = LocalAwsFixture.UniqueName("admin-text");
        await CreateAsync(stream, 1);
        Assert.Equal(0, (await RunAsync("split", "--stream", stream, "--shard", "shardId-000000000000")).ExitCode);

        var described = await RunAsync("describe", "--stream", stream);

        Assert.True(described.ExitCode == 0, described.ToString());
        var lines = described.Stdout.Split('\n', StringSplitOptions.TrimEntries);
        Assert.Contains($"stream     {stream}", lines);
        Assert.Contains("shards     2 open, 1 closed", lines);
        Assert.Contains(lines, l => l.StartsWith("shardId-000000000000  closed  -", StringComparison.Ordinal) && l.Contains($"0..{MaxHashKey}", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("shardId-000000000001  open    shardId-000000000000", StringComparison.Ordinal) && l.Contains($" 0..{BigInteger.Parse(HalfHashKey) - 1} ", StringComparison.Ordinal) && l.Contains(" 50.0% ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("shardId-000000000002  open    shardId-000000000000", StringComparison.Ordinal) && l.Contains($"{HalfHashKey}..{MaxHashKey}", StringComparison.Ordinal));
        Assert.Contains("consumers  none registered", lines);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task Split_AtMidpoint_ClosesTheShardAndOpensTwoChildrenNamingIt()
    {
        var stream = LocalAwsFixture.UniqueName("admin-split");
        await CreateAsync(stream, 1);

        var split = await RunAsync("split", "--stream", stream, "--shard", "0", "--json");

        Assert.True(split.ExitCode == 0, split.ToString());
        using var result = JsonDocument.Parse(split.Stdout);
        Assert.Equal(HalfHashKey, result.RootElement.GetProperty("hashKey").GetString());
        Assert.Equal("ACTIVE", result.RootElement.GetProperty("status").GetString());
        Assert.Equal(2, result.RootElement.GetProperty("children").GetArrayLength());
        var shards = (await DescribeAsync(stream)).GetProperty("shards").EnumerateArray().ToList();
        var parent = Assert.Single(shards, s => s.GetProperty("shardId").GetString() == "shardId-000000000000");
        Assert.False(parent.GetProperty("open").GetBoolean());
        Assert.False(string.IsNullOrEmpty(parent.GetProperty("endingSequenceNumber").GetString()));
        var children = shards.Where(s => s.GetProperty("parentShardId").GetString() == "shardId-000000000000").ToList();
        Assert.Equal(2, children.Count);
        Assert.All(children, c => Assert.True(c.GetProperty("open").GetBoolean()));
        Assert.Contains(children, c => c.GetProperty("startingHashKey").GetString() == "0" && c.GetProperty("endingHashKey").GetString() == (BigInteger.Parse(HalfHashKey) - 1).ToString());
        Assert.Contains(children, c => c.GetProperty("startingHashKey").GetString() == HalfHashKey && c.GetProperty("endingHashKey").GetString() == MaxHashKey);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task Split_AtGivenHashKey_ChildrenMeetThere()
    {
        var stream = LocalAwsFixture.UniqueName("admin-splitkey");
        await CreateAsync(stream, 1);

        var split = await RunAsync("split", "--stream", stream, "--shard", "shardId-000000000000", "--hash-key", "1000");

        Assert.True(split.ExitCode == 0, split.ToString());
        var children = (await DescribeAsync(stream)).GetProperty("shards").EnumerateArray().Where(s => s.GetProperty("parentShardId").GetString() == "shardId-000000000000").ToList();
        Assert.Contains(children, c => c.GetProperty("startingHashKey").GetString() == "0" && c.GetProperty("endingHashKey").GetString() == "999");
        Assert.Contains(children, c => c.GetProperty("startingHashKey").GetString() == "1000");
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task Split_ServiceSaysActiveBeforeTheChildrenShow_WaitsUntilBothChildrenAreListed()
    {
        var stream = LocalAwsFixture.UniqueName("admin-lagging");
        await CreateAsync(stream, 1);
        await using var proxy = new LaggingKinesisProxy(fixture.KinesisLocalEndpoint, hiddenListShards: 3);

        var split = await RunAsync(proxy.Endpoint, "split", "--stream", stream, "--shard", "0", "--json");

        Assert.True(split.ExitCode == 0, split.ToString());
        using var result = JsonDocument.Parse(split.Stdout);
        Assert.Equal(2, result.RootElement.GetProperty("children").GetArrayLength());
        Assert.Equal(3, proxy.Hidden);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task Merge_TwoAdjacentShards_OneChildWithBothParentsCoveringBoth()
    {
        var stream = LocalAwsFixture.UniqueName("admin-merge");
        await CreateAsync(stream, 2);

        var merged = await RunAsync("merge", "--stream", stream, "--shard", "shardId-000000000000", "--adjacent-shard", "1", "--json");

        Assert.True(merged.ExitCode == 0, merged.ToString());
        using var result = JsonDocument.Parse(merged.Stdout);
        var reported = Assert.Single(result.RootElement.GetProperty("children").EnumerateArray());
        var shards = (await DescribeAsync(stream)).GetProperty("shards").EnumerateArray().ToList();
        var child = Assert.Single(shards, s => s.GetProperty("open").GetBoolean());
        Assert.Equal(reported.GetProperty("shardId").GetString(), child.GetProperty("shardId").GetString());
        Assert.Equal(
            ["shardId-000000000000", "shardId-000000000001"],
            new[] { child.GetProperty("parentShardId").GetString(), child.GetProperty("adjacentParentShardId").GetString() }.Order(StringComparer.Ordinal));
        Assert.Equal("0", child.GetProperty("startingHashKey").GetString());
        Assert.Equal(MaxHashKey, child.GetProperty("endingHashKey").GetString());
        Assert.Equal(2, shards.Count(s => !s.GetProperty("open").GetBoolean()));
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task Scale_TwoToFour_WaitsUntilFourShardsAreOpen()
    {
        var stream = LocalAwsFixture.UniqueName("admin-scale");
        await CreateAsync(stream, 2);

        var scaled = await RunAsync("scale", "--stream", stream, "--shards", "4");

        Assert.True(scaled.ExitCode == 0, scaled.ToString());
        Assert.Equal($"scaled stream '{stream}' from 2 to 4 open shards: ACTIVE", scaled.Stdout.Trim());
        var described = await DescribeAsync(stream);
        Assert.Equal(4, described.GetProperty("openShardCount").GetInt32());
        Assert.Equal(4, described.GetProperty("shards").EnumerateArray().Count(s => s.GetProperty("open").GetBoolean()));
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task Scale_OnKinesalite_OneLineSayingTheEndpointLacksItExit1()
    {
        var stream = LocalAwsFixture.UniqueName("admin-scale-ka");
        Assert.Equal(0, (await RunAsync(fixture.KinesaliteEndpoint, "create", "--stream", stream, "--shards", "1")).ExitCode);

        var scaled = await RunAsync(fixture.KinesaliteEndpoint, "scale", "--stream", stream, "--shards", "2");

        Assert.True(scaled.ExitCode == 1, scaled.ToString());
        var line = Assert.Single(scaled.StderrLines);
        Assert.StartsWith($"kinesis-streams: scale is not supported by the Kinesis endpoint {fixture.KinesaliteEndpoint}", line, StringComparison.Ordinal);
        Assert.Contains("UnknownOperationException", line, StringComparison.Ordinal);
        Assert.Empty(scaled.Stdout);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task Create_OnDemand_OnKinesisLocalActiveOnKinesaliteOneLineExit1()
    {
        var stream = LocalAwsFixture.UniqueName("admin-ondemand");

        var local = await RunAsync("create", "--stream", stream, "--on-demand", "--json");
        var kinesalite = await RunAsync(fixture.KinesaliteEndpoint, "create", "--stream", stream, "--on-demand");

        Assert.True(local.ExitCode == 0, local.ToString());
        using var json = JsonDocument.Parse(local.Stdout);
        Assert.Equal("ON_DEMAND", json.RootElement.GetProperty("mode").GetString());
        Assert.Equal("ACTIVE", json.RootElement.GetProperty("status").GetString());
        Assert.True(kinesalite.ExitCode == 1, kinesalite.ToString());
        Assert.StartsWith($"kinesis-streams: this Kinesis endpoint ({fixture.KinesaliteEndpoint}) does not support on-demand streams", Assert.Single(kinesalite.StderrLines), StringComparison.Ordinal);
    }

    [Theory(Timeout = TestTimeouts.Integration)]
    [InlineData("kinesis-local")]
    [InlineData("kinesalite")]
    public async Task List_AfterCreate_NamesTheStream(string emulator)
    {
        var endpoint = emulator == "kinesalite" ? fixture.KinesaliteEndpoint : fixture.KinesisLocalEndpoint;
        var stream = LocalAwsFixture.UniqueName("admin-list");
        Assert.Equal(0, (await RunAsync(endpoint, "create", "--stream", stream, "--shards", "1")).ExitCode);

        var text = await RunAsync(endpoint, "list");
        var json = await RunAsync(endpoint, "list", "--json");

        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Equal("STREAM", text.Stdout.Split(' ')[0]);
        Assert.Contains(text.Stdout.Split('\n'), l => l.StartsWith(stream + " ", StringComparison.Ordinal));
        using var document = JsonDocument.Parse(json.Stdout);
        Assert.Contains(document.RootElement.GetProperty("streams").EnumerateArray(), s => s.GetProperty("stream").GetString() == stream);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task Delete_ThenDescribe_StreamIsGone()
    {
        var stream = LocalAwsFixture.UniqueName("admin-delete");
        await CreateAsync(stream, 1);

        var deleted = await RunAsync("delete", "--stream", stream);

        Assert.True(deleted.ExitCode == 0, deleted.ToString());
        Assert.Equal($"deleting stream '{stream}' (it disappears once DELETING ends)", deleted.Stdout.Trim());
        await Eventually.HoldsAsync(async () => (await RunAsync("describe", "--stream", stream)).ExitCode == 3, TimeSpan.FromSeconds(60), "the stream to disappear");
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task Describe_StreamWithRegisteredConsumer_ListsTheConsumerAndDeleteConsumersRemovesBoth()
    {
        var stream = LocalAwsFixture.UniqueName("admin-consumer");
        await CreateWithConsumerAsync(stream, "audit-app");

        var described = await DescribeAsync(stream);
        var deleted = await RunAsync("delete", "--stream", stream, "--delete-consumers");

        var consumer = Assert.Single(described.GetProperty("consumers").EnumerateArray());
        Assert.Equal("audit-app", consumer.GetProperty("name").GetString());
        Assert.Contains(":stream/" + stream + "/consumer/audit-app", consumer.GetProperty("arn").GetString(), StringComparison.Ordinal);
        Assert.True(deleted.ExitCode == 0, deleted.ToString());
        await Eventually.HoldsAsync(async () => (await RunAsync("describe", "--stream", stream)).ExitCode == 3, TimeSpan.FromSeconds(60), "the stream to disappear");
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task Delete_StreamWithConsumerWithoutDeleteConsumers_OneLineNamingTheOptionExit1()
    {
        var stream = LocalAwsFixture.UniqueName("admin-refused");
        await CreateWithConsumerAsync(stream, "audit-app");

        // kinesis-local refuses with ResourceInUse as AWS does, but then deletes the stream anyway; only the answer is checked.
        var deleted = await RunAsync("delete", "--stream", stream);

        Assert.True(deleted.ExitCode == 1, deleted.ToString());
        Assert.StartsWith($"kinesis-streams: stream '{stream}' has registered consumers; add --delete-consumers to delete them with it (", Assert.Single(deleted.StderrLines), StringComparison.Ordinal);
        Assert.Empty(deleted.Stdout);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task Describe_OnKinesalite_SaysConsumersAreNotListedInsteadOfFailing()
    {
        var stream = LocalAwsFixture.UniqueName("admin-describe-ka");
        Assert.Equal(0, (await RunAsync(fixture.KinesaliteEndpoint, "create", "--stream", stream, "--shards", "2")).ExitCode);

        var text = await RunAsync(fixture.KinesaliteEndpoint, "describe", "--stream", stream);
        var json = await RunAsync(fixture.KinesaliteEndpoint, "describe", "--stream", stream, "--json");

        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Contains("consumers  not listed: this endpoint does not support ListStreamConsumers", text.Stdout, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(json.Stdout);
        Assert.Equal(JsonValueKind.Null, document.RootElement.GetProperty("consumers").ValueKind);
        Assert.Equal(2, document.RootElement.GetProperty("shards").GetArrayLength());
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task Help_RootAndSubcommands_PrintUsageAndExit0()
    {
        var root = await RunAsync("--help");
        var split = await RunAsync("split", "--help");

        Assert.True(root.ExitCode == 0, root.ToString());
        foreach (var command in new[] { "create", "list", "describe", "scale", "split", "merge", "delete", "wait" })
        {
            Assert.Contains($"  {command} ", root.Stdout, StringComparison.Ordinal);
        }

        Assert.True(split.ExitCode == 0, split.ToString());
        Assert.Contains("--hash-key <KEY>", split.Stdout, StringComparison.Ordinal);
        Assert.Contains("--kinesis-endpoint", split.Stdout, StringComparison.Ordinal);
        Assert.Empty(split.Stderr);
    }

    [Theory(Timeout = TestTimeouts.Integration)]
    [InlineData("--shards must be 1..100000, not '0'", "create", "--stream", "s", "--shards", "0")]
    [InlineData("--shards must be 1..100000, not 'many'", "scale", "--stream", "s", "--shards", "many")]
    [InlineData("create needs either --shards N or --on-demand", "create", "--stream", "s")]
    [InlineData("create needs either --shards N or --on-demand", "create", "--stream", "s", "--shards", "2", "--on-demand")]
    [InlineData("--stream must be 1 to 128 characters", "describe", "--stream", "no spaces")]
    [InlineData("Option '--shard' is required", "split", "--stream", "s")]
    [InlineData("--timeout must be 1..86400, not '0'", "wait", "--stream", "s", "--timeout", "0")]
    [InlineData("--kinesis-endpoint must be an http:// or https:// URL", "list", "--kinesis-endpoint", "localhost:4567")]
    [InlineData("Required command was not provided", "--json")]
    [InlineData("Unrecognized command or argument 'resize'", "resize")]
    public async Task BadCommandLine_OneLineNamingTheProblemExit2(string expected, params string[] arguments)
    {
        var run = await RunToolAsync(arguments);

        Assert.True(run.ExitCode == 2, run.ToString());
        var line = Assert.Single(run.StderrLines);
        Assert.StartsWith("kinesis-streams: " + expected, line, StringComparison.Ordinal);
        Assert.Empty(run.Stdout);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task SplitAndMerge_ValuesTheStreamRefutes_OneLineNamingTheOptionAndRangeExit2()
    {
        var stream = LocalAwsFixture.UniqueName("admin-badreshard");
        await CreateAsync(stream, 3);
        var shards = (await DescribeAsync(stream)).GetProperty("shards").EnumerateArray().ToList();
        var firstEnd = shards[0].GetProperty("endingHashKey").GetString();

        var outside = await RunAsync("split", "--stream", stream, "--shard", "0", "--hash-key", MaxHashKey);
        var notAdjacent = await RunAsync("merge", "--stream", stream, "--shard", "0", "--adjacent-shard", "2");
        var unknown = await RunAsync("split", "--stream", stream, "--shard", "shardId-000000000042");

        Assert.True(outside.ExitCode == 2, outside.ToString());
        Assert.Equal($"kinesis-streams: --hash-key {MaxHashKey} is outside shardId-000000000000: it must be 1..{firstEnd} (the shard holds 0..{firstEnd})", Assert.Single(outside.StderrLines));
        Assert.True(notAdjacent.ExitCode == 2, notAdjacent.ToString());
        Assert.Contains("are not adjacent: a merge needs two open shards whose hash-key ranges touch", Assert.Single(notAdjacent.StderrLines), StringComparison.Ordinal);
        Assert.True(unknown.ExitCode == 2, unknown.ToString());
        Assert.StartsWith($"kinesis-streams: --shard shardId-000000000042 is not a shard of stream '{stream}'; its open shards are shardId-000000000000, ", Assert.Single(unknown.StderrLines), StringComparison.Ordinal);
        Assert.Equal(3, (await DescribeAsync(stream)).GetProperty("openShardCount").GetInt32());
    }

    [Theory(Timeout = TestTimeouts.Integration)]
    [InlineData("describe")]
    [InlineData("split")]
    [InlineData("wait")]
    [InlineData("delete")]
    public async Task MissingStream_OneLineSayingItDoesNotExistExit3(string command)
    {
        var stream = LocalAwsFixture.UniqueName("admin-missing");
        string[] arguments = command == "split" ? [command, "--stream", stream, "--shard", "0"] : [command, "--stream", stream];

        var run = await RunAsync(arguments);

        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.StartsWith($"kinesis-streams: stream '{stream}' does not exist at {fixture.KinesisLocalEndpoint}", Assert.Single(run.StderrLines), StringComparison.Ordinal);
        Assert.Empty(run.Stdout);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task Create_ExistingStream_OneLineResourceInUseExit1()
    {
        var stream = LocalAwsFixture.UniqueName("admin-twice");
        await CreateAsync(stream, 1);

        var again = await RunAsync("create", "--stream", stream, "--shards", "1");

        Assert.True(again.ExitCode == 1, again.ToString());
        Assert.StartsWith("kinesis-streams: create failed: CreateStream failed with ResourceInUseException", Assert.Single(again.StderrLines), StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task List_EndpointPortClosedOrNotKinesis_OneLineExit3()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var closed = await RunAsync(new Uri($"http://127.0.0.1:{port}/"), "list");
        var dynamo = await RunAsync(fixture.DynaliteEndpoint, "list");

        Assert.True(closed.ExitCode == 3, closed.ToString());
        Assert.StartsWith($"kinesis-streams: cannot reach Kinesis at http://127.0.0.1:{port}/: ", Assert.Single(closed.StderrLines), StringComparison.Ordinal);
        Assert.True(dynamo.ExitCode == 3, dynamo.ToString());
        Assert.StartsWith($"kinesis-streams: {fixture.DynaliteEndpoint} did not answer as Kinesis does (is it a Kinesis endpoint?)", Assert.Single(dynamo.StderrLines), StringComparison.Ordinal);
    }

    [Theory(Timeout = TestTimeouts.Integration)]
    [InlineData("INT")]
    [InlineData("TERM")]
    public async Task Wait_SignalWhileTheEndpointHoldsTheRequest_OneInterruptedLineExit130(string signal)
    {
        // An endpoint that accepts the connection and never answers: the tool is inside its first request.
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        var accepted = listener.AcceptTcpClientAsync();

        await using var tool = ChildProcess.Start("dotnet", [Tool, "wait", "--stream", "s", "--kinesis-endpoint", $"http://127.0.0.1:{port}/"], environment: ChildEnvironment.StaticCredentials());
        await accepted.WaitAsync(ToolDeadline);
        await tool.SignalAsync(signal);
        var run = new ProcessRun(await tool.WaitForExitAsync(ToolDeadline), tool.Stdout, tool.Stderr);

        using var connection = await accepted;
        Assert.True(run.ExitCode == 130, run.ToString());
        Assert.Equal(["kinesis-streams: interrupted"], run.StderrLines);
        Assert.Empty(run.Stdout);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task Create_NoCredentialsConfigured_UsesDummyCredentialsForTheEmulatorAndSaysSoOnce()
    {
        var stream = LocalAwsFixture.UniqueName("admin-nocreds");

        var run = await RunToolAsync(["create", "--stream", stream, "--shards", "1", "--kinesis-endpoint", fixture.KinesisLocalEndpoint.ToString()], ChildEnvironment.NoAws());

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(["kinesis-streams: no AWS credentials configured; using dummy credentials for the local endpoint"], run.StderrLines);
    }

    /// <summary>Runs kinesis-streams to its end, with the emulators' credentials unless <paramref name="environment"/> says otherwise.</summary>
    private static Task<ProcessRun> RunToolAsync(string[] arguments, Dictionary<string, string?>? environment = null) =>
        ChildProcess.RunDllAsync(Tool, arguments, ToolDeadline, environment: environment ?? ChildEnvironment.StaticCredentials());

    private Task<ProcessRun> RunAsync(params string[] arguments) => RunAsync(fixture.KinesisLocalEndpoint, arguments);

    private static Task<ProcessRun> RunAsync(Uri endpoint, params string[] arguments) => RunToolAsync([.. arguments, "--kinesis-endpoint", endpoint.ToString()]);

    private async Task CreateAsync(string stream, int shards)
    {
        var created = await RunAsync("create", "--stream", stream, "--shards", shards.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(created.ExitCode == 0, created.ToString());
    }

    private async Task CreateWithConsumerAsync(string stream, string consumer)
    {
        await CreateAsync(stream, 1);
        using var client = new KinesisApiClient(new KinesisApiClientOptions
        {
            Region = LocalAwsServices.Region,
            ServiceUrl = fixture.KinesisLocalEndpoint,
            Credentials = new BasicAWSCredentials(LocalAwsServices.AccessKeyId, LocalAwsServices.SecretAccessKey),
        });
        var summary = await client.DescribeStreamSummaryAsync(new DescribeStreamSummaryRequest { StreamName = stream });
        await client.RegisterStreamConsumerAsync(new RegisterStreamConsumerRequest { StreamARN = summary.StreamDescriptionSummary.StreamARN!, ConsumerName = consumer });
    }

    private async Task<JsonElement> DescribeAsync(string stream)
    {
        var described = await RunAsync("describe", "--stream", stream, "--json");
        Assert.True(described.ExitCode == 0, described.ToString());
        using var json = JsonDocument.Parse(described.Stdout);
        return json.RootElement.Clone();
    }
}
