using System.CommandLine;
using Kinesis.Client;
using Kinesis.Samples.Shared;

namespace Kinesis.Samples.ConsoleConsumer;

/// <summary>The command line of kinesis-console-consumer (docs/tools.md describes it).</summary>
internal static class ConsumerCommand
{
    public static RootCommand Create(ToolConsole console)
    {
        var stream = ToolOptions.StreamNameOrArn("The stream to read: its name, or its ARN (arn:aws:kinesis:REGION:ACCOUNT:stream/NAME) to read a stream of another account.");
        var application = new Option<string?>("--application")
        {
            Description = "Names the lease table (and the fan-out consumer); the next run with the same name continues where this one stopped. Default: a temporary name whose table is deleted on exit.",
            HelpName = "NAME",
        };
        application.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string?>();
            if (value is null || value.Length is < 3 or > 255 || !value.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-'))
            {
                result.AddError($"--application must be 3 to 255 characters of letters, digits, '_', '.' or '-' (it names a DynamoDB table), not '{value}'.");
            }
        });
        var region = ToolOptions.Region();
        var kinesisEndpoint = ToolOptions.KinesisEndpoint();
        var dynamoDbEndpoint = ToolOptions.DynamoDbEndpoint();
        var initialPosition = TypedOptions.Choice(
            "--initial-position",
            "Where a shard without a checkpoint starts. Default: latest.",
            ("latest", InitialPositionInStream.Latest),
            ("trim-horizon", InitialPositionInStream.TrimHorizon),
            ("TRIM_HORIZON", InitialPositionInStream.TrimHorizon));

        // TRIM_HORIZON, as the API spells it, is accepted too, but not advertised.
        initialPosition.HelpName = "latest|trim-horizon";
        var fanOut = new Option<bool>("--fan-out") { Description = "Read with enhanced fan-out (SubscribeToShard) instead of polling." };
        var exitWhenIdle = TypedOptions.Seconds(
            "--exit-when-idle",
            "Exit when no record was printed for this long (counted from the end of start-up or from the last record).",
            TimeSpan.FromMilliseconds(1),
            TimeSpan.FromDays(7));
        var maxRecords = TypedOptions.Count("--max-records", "Exit after printing N records.", 1);
        var workerId = TypedOptions.Text("--worker-id", "This worker's name in the lease table. Default: the machine name and a random suffix.", "ID");
        var printWorkerId = new Option<bool>("--print-worker-id") { Description = "Add a \"workerId\" field to each printed record (who read it, when several run)." };
        var verbose = new Option<bool>("--verbose") { Description = "Log the consumer's events (leases, shards, subscriptions, checkpoints) to stderr." };

        var command = new RootCommand(
            "Prints one JSON line per user record of a Kinesis stream to stdout (data in base64), checkpointing what it printed. " +
            "Ctrl+C or SIGTERM stops it gracefully: it checkpoints what was printed and releases its leases. " +
            "Exit codes: 0 done (--max-records or --exit-when-idle), 2 bad command line, 3 could not start " +
            "(no credentials, a missing stream, an unreachable endpoint), 130 stopped by Ctrl+C or SIGTERM.")
        {
            stream, application, region, kinesisEndpoint, dynamoDbEndpoint, initialPosition, fanOut, exitWhenIdle, maxRecords, workerId, printWorkerId, verbose,
        };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var kinesis = parsed.GetValue(kinesisEndpoint);
            var dynamoDb = parsed.GetValue(dynamoDbEndpoint);
            var resolvedRegion = ToolOptions.ResolveRegion(parsed.GetValue(region), kinesis ?? dynamoDb);
            if (resolvedRegion is null)
            {
                return console.Fail(ExitCodes.Usage, "--region is required (or set AWS_REGION). See 'kinesis-console-consumer --help'.");
            }

            if (kinesis is { IsLoopback: true } && dynamoDb is null)
            {
                // Without it the lease table would silently live in the region's real DynamoDB.
                return console.Fail(ExitCodes.Usage, "--dynamodb-endpoint is required with a local --kinesis-endpoint (the lease table would otherwise be in AWS DynamoDB). See 'kinesis-console-consumer --help'.");
            }

            var settings = new ConsumerSettings(
                parsed.GetValue(stream)!,
                parsed.GetValue(application),
                resolvedRegion,
                kinesis,
                dynamoDb,
                parsed.GetValue(initialPosition) ?? InitialPositionInStream.Latest,
                parsed.GetValue(fanOut),
                parsed.GetValue(exitWhenIdle),
                parsed.GetValue(maxRecords),
                parsed.GetValue(workerId),
                parsed.GetValue(printWorkerId),
                parsed.GetValue(verbose));
            return await ConsumerRun.RunAsync(settings, console, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }
}
