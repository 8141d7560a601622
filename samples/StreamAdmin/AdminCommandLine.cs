using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Kinesis.Core.Api;
using Kinesis.Samples.Shared;

namespace Kinesis.Samples.StreamAdmin;

/// <summary>The sub-commands of kinesis-streams and their options (docs/tools.md describes them).</summary>
internal static class AdminCommandLine
{
    /// <summary>The tool's name, the prefix of its messages.</summary>
    public const string ToolName = "kinesis-streams";

    /// <summary>Default of <c>--timeout</c>, in seconds: a reshard of a large stream on AWS takes minutes.</summary>
    public const int DefaultTimeoutSeconds = 300;

    /// <summary>Largest <c>--timeout</c>, in seconds (a day).</summary>
    public const int MaxTimeoutSeconds = 86_400;

    /// <summary>Builds the command tree; each sub-command's action runs through <paramref name="run"/>.</summary>
    public static RootCommand Create(AdminRunner run)
    {
        var region = ToolOptions.Region();
        var endpoint = ToolOptions.KinesisEndpoint();
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text, for scripts." };
        var common = new CommonOptions(region, endpoint, json);

        var root = new RootCommand("Create, list, describe, reshard and delete Kinesis data streams.");
        foreach (var option in new Option[] { region, endpoint, json })
        {
            option.Recursive = true;
            root.Options.Add(option);
        }

        root.Subcommands.Add(CreateCommand(run, common));
        root.Subcommands.Add(ListCommand(run, common));
        root.Subcommands.Add(DescribeCommand(run, common));
        root.Subcommands.Add(ScaleCommand(run, common));
        root.Subcommands.Add(SplitCommand(run, common));
        root.Subcommands.Add(MergeCommand(run, common));
        root.Subcommands.Add(MaxRecordSizeCommand(run, common));
        root.Subcommands.Add(DeleteCommand(run, common));
        root.Subcommands.Add(WaitCommand(run, common));
        return root;
    }

    private static Command CreateCommand(AdminRunner run, CommonOptions common)
    {
        var stream = ToolOptions.Stream();
        var shards = ShardCount("--shards", "Number of shards of a provisioned stream.");
        var onDemand = new Option<bool>("--on-demand") { Description = "Create an on-demand stream (no shard count; not supported by kinesalite)." };
        var maxRecordSize = MaxRecordSizeKiB("The stream's maximum record size in KiB. Default: the service's, 1024 (1 MiB).");
        var (noWait, timeout) = WaitOptions();
        var command = new Command("create", "Create a stream with N shards (--shards) or on-demand (--on-demand), and wait until it is ACTIVE.")
        {
            stream, shards, onDemand, maxRecordSize, noWait, timeout,
        };
        command.Validators.Add(result =>
        {
            if ((result.GetResult(shards) is null) == !result.GetValue(onDemand))
            {
                result.AddError("create needs either --shards N or --on-demand.");
            }
        });
        command.SetAction((parse, ct) => run.RunAsync(parse, common, "create", parse.GetValue(stream), (commands, token) =>
            commands.CreateAsync(parse.GetRequiredValue(stream), parse.GetValue(shards), parse.GetValue(maxRecordSize), !parse.GetValue(noWait), Seconds(parse.GetValue(timeout)), token), ct));
        return command;
    }

    private static Command ListCommand(AdminRunner run, CommonOptions common)
    {
        var command = new Command("list", "List the streams at the endpoint, with their status when the endpoint reports it.");
        command.SetAction((parse, ct) => run.RunAsync(parse, common, "list", null, (commands, token) => commands.ListAsync(token), ct));
        return command;
    }

    private static Command DescribeCommand(AdminRunner run, CommonOptions common)
    {
        var stream = ToolOptions.StreamNameOrArn();
        var command = new Command("describe", "Show a stream, its shards (hash-key ranges, parents, open or closed, sequence numbers) and its registered consumers.")
        {
            stream,
        };
        command.SetAction((parse, ct) => run.RunAsync(parse, common, "describe", parse.GetValue(stream), (commands, token) =>
            commands.DescribeAsync(parse.GetRequiredValue(stream), token), ct));
        return command;
    }

    private static Command ScaleCommand(AdminRunner run, CommonOptions common)
    {
        var stream = ToolOptions.StreamNameOrArn();
        var shards = ShardCount("--shards", "The number of open shards wanted (UpdateShardCount, uniform scaling: between half and double the current count).");
        shards.Required = true;
        var (noWait, timeout) = WaitOptions();
        var command = new Command("scale", "Change the number of open shards with UpdateShardCount, and wait until the stream is ACTIVE with that many.")
        {
            stream, shards, noWait, timeout,
        };
        command.SetAction((parse, ct) => run.RunAsync(parse, common, "scale", parse.GetValue(stream), (commands, token) =>
            commands.ScaleAsync(parse.GetRequiredValue(stream), parse.GetValue(shards)!.Value, !parse.GetValue(noWait), Seconds(parse.GetValue(timeout)), token), ct));
        return command;
    }

    private static Command SplitCommand(AdminRunner run, CommonOptions common)
    {
        var stream = ToolOptions.StreamNameOrArn();
        var shard = Shard("--shard", "The open shard to split: its id (shardId-000000000000) or number (0).");
        var hashKey = new Option<string?>("--hash-key")
        {
            Description = "The first hash key of the upper child, a decimal inside the shard's range. Default: the middle of the range.",
            HelpName = "KEY",
        };
        var (noWait, timeout) = WaitOptions();
        var command = new Command("split", "Split an open shard in two (at the middle of its hash-key range, or at --hash-key), and wait for the children.")
        {
            stream, shard, hashKey, noWait, timeout,
        };
        command.SetAction((parse, ct) => run.RunAsync(parse, common, "split", parse.GetValue(stream), (commands, token) =>
            commands.SplitAsync(parse.GetRequiredValue(stream), parse.GetRequiredValue(shard), parse.GetValue(hashKey), !parse.GetValue(noWait), Seconds(parse.GetValue(timeout)), token), ct));
        return command;
    }

    private static Command MergeCommand(AdminRunner run, CommonOptions common)
    {
        var stream = ToolOptions.StreamNameOrArn();
        var shard = Shard("--shard", "One open shard: its id or number.");
        var adjacent = Shard("--adjacent-shard", "The open shard whose hash-key range touches --shard's: its id or number.");
        var (noWait, timeout) = WaitOptions();
        var command = new Command("merge", "Merge two adjacent open shards into one, and wait for the child.")
        {
            stream, shard, adjacent, noWait, timeout,
        };
        command.SetAction((parse, ct) => run.RunAsync(parse, common, "merge", parse.GetValue(stream), (commands, token) =>
            commands.MergeAsync(parse.GetRequiredValue(stream), parse.GetRequiredValue(shard), parse.GetRequiredValue(adjacent), !parse.GetValue(noWait), Seconds(parse.GetValue(timeout)), token), ct));
        return command;
    }

    private static Command MaxRecordSizeCommand(AdminRunner run, CommonOptions common)
    {
        var stream = ToolOptions.StreamNameOrArn();
        var size = MaxRecordSizeKiB("The largest record (data plus partition key) the stream takes, in KiB: 1024 (1 MiB, the default) to 10240 (10 MiB).");
        size.Required = true;
        var (noWait, timeout) = WaitOptions();
        var command = new Command("max-record-size", "Change a stream's maximum record size (UpdateMaxRecordSize; kinesis-local and AWS have it, kinesalite does not), and wait until it is ACTIVE.")
        {
            stream, size, noWait, timeout,
        };
        command.SetAction((parse, ct) => run.RunAsync(parse, common, "max-record-size", parse.GetValue(stream), (commands, token) =>
            commands.MaxRecordSizeAsync(parse.GetRequiredValue(stream), parse.GetValue(size)!.Value, !parse.GetValue(noWait), Seconds(parse.GetValue(timeout)), token), ct));
        return command;
    }

    private static Command DeleteCommand(AdminRunner run, CommonOptions common)
    {
        var stream = ToolOptions.StreamNameOrArn();
        var consumers = new Option<bool>("--delete-consumers") { Description = "Also deregister the stream's enhanced fan-out consumers (otherwise a stream with consumers is not deleted)." };
        var command = new Command("delete", "Delete a stream (it is DELETING for a while, then gone).")
        {
            stream, consumers,
        };
        command.SetAction((parse, ct) => run.RunAsync(parse, common, "delete", parse.GetValue(stream), (commands, token) =>
            commands.DeleteAsync(parse.GetRequiredValue(stream), parse.GetValue(consumers), token), ct));
        return command;
    }

    private static Command WaitCommand(AdminRunner run, CommonOptions common)
    {
        var stream = ToolOptions.StreamNameOrArn();
        var (_, timeout) = WaitOptions();
        var command = new Command("wait", "Wait until a stream is ACTIVE.")
        {
            stream, timeout,
        };
        command.SetAction((parse, ct) => run.RunAsync(parse, common, "wait", parse.GetValue(stream), (commands, token) =>
            commands.WaitActiveAsync(parse.GetRequiredValue(stream), Seconds(parse.GetValue(timeout)), token), ct));
        return command;
    }

    private static (Option<bool> NoWait, Option<int> Timeout) WaitOptions()
    {
        var noWait = new Option<bool>("--no-wait") { Description = "Return once the request is accepted, without waiting for the stream to be ACTIVE." };
        var timeout = new Option<int>("--timeout")
        {
            Description = $"Seconds to wait for the stream to be ACTIVE (exit 1 after that). Default: {DefaultTimeoutSeconds}.",
            HelpName = "SECONDS",
            DefaultValueFactory = _ => DefaultTimeoutSeconds,
            CustomParser = result => ParseInt(result, "--timeout", 1, MaxTimeoutSeconds) ?? 0,
        };
        return (noWait, timeout);
    }

    private static Option<int?> ShardCount(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "N",
        CustomParser = result => ParseInt(result, name, 1, KinesisLimits.MaxShardCount),
    };

    private static Option<int?> MaxRecordSizeKiB(string description) => new("--max-record-size-kib")
    {
        Description = description,
        HelpName = "KIB",
        CustomParser = result => ParseInt(result, "--max-record-size-kib", KinesisLimits.MinMaxRecordSizeInKiB, KinesisLimits.MaxMaxRecordSizeInKiB),
    };

    private static Option<string> Shard(string name, string description)
    {
        var option = new Option<string>(name) { Description = description, HelpName = "SHARD", Required = true };
        option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (string.IsNullOrWhiteSpace(value))
            {
                result.AddError($"{name} must be a shard id such as shardId-000000000000, or its number.");
            }
        });
        return option;
    }

    private static int? ParseInt(ArgumentResult result, string name, int min, int max)
    {
        var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : null;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        result.AddError($"{name} must be {min}..{max}, not '{text}'.");
        return null;
    }

    private static TimeSpan Seconds(int seconds) => TimeSpan.FromSeconds(seconds);
}
