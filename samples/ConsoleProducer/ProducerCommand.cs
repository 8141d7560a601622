using System.CommandLine;
using Kinesis.Producer;
using Kinesis.Samples.Shared;

namespace Kinesis.Samples.ConsoleProducer;

/// <summary>The command line of kinesis-console-producer (docs/tools.md describes it).</summary>
internal static class ProducerCommand
{
    public static RootCommand Create(ToolConsole console)
    {
        var stream = ToolOptions.StreamNameOrArn("The stream to put the records into: its name, or its ARN (arn:aws:kinesis:REGION:ACCOUNT:stream/NAME, of --region).");
        var region = ToolOptions.Region();
        var endpoint = ToolOptions.KinesisEndpoint();
        var aggregation = TypedOptions.OnOff("--aggregation", "Pack several lines into one Kinesis record (KPL aggregation). Default: on.");
        var separator = TypedOptions.Text(
            "--key-separator",
            "The text before the first SEP in a line is the partition key, the rest the data. Without it (or without SEP in a line) the key is derived from the line's MD5.",
            "SEP");
        var recordTtl = TypedOptions.Seconds(
            "--record-ttl",
            $"How long a record may take to be put before it fails. Default: {KinesisProducerOptions.DefaultRecordTtl.TotalSeconds} (the producer's RecordTtl).",
            KinesisProducerOptions.MinRecordTtl,
            TimeSpan.FromDays(1));
        var ordering = TypedOptions.Choice(
            "--ordering",
            "strict: the records of a shard land in input order even across retries (the producer's StrictPerShard; one request per shard at a time). Default: default (the producer's Relaxed).",
            ("default", ProducerOrdering.Relaxed),
            ("strict", ProducerOrdering.StrictPerShard));
        var rejects = new Option<FileInfo?>("--rejects")
        {
            Description = "Write the lines that were not put (rejected as too large or with a bad key, or failed) to FILE (created or replaced), one per line as read, so they can be fixed and fed back.",
            HelpName = "FILE",
        };

        var command = new RootCommand(
            "Reads stdin, one user record per line (UTF-8, without the line break; empty lines are skipped), and puts the records into a Kinesis stream. " +
            "A line that cannot be a record is reported with its line number and the rest is still put. " +
            "Prints a JSON summary to stderr. Exit codes: 0 all put, 1 lines rejected or records failed, 2 bad command line, " +
            "3 could not start (no credentials, or the stream does not exist), 130 interrupted (Ctrl+C or SIGTERM; what was read is still put).")
        {
            stream, region, endpoint, aggregation, separator, recordTtl, ordering, rejects,
        };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var url = parsed.GetValue(endpoint);
            var resolvedRegion = ToolOptions.ResolveRegion(parsed.GetValue(region), url);
            if (resolvedRegion is null)
            {
                return console.Fail(ExitCodes.Usage, "--region is required (or set AWS_REGION). See 'kinesis-console-producer --help'.");
            }

            var settings = new ProducerSettings(
                parsed.GetValue(stream)!,
                resolvedRegion,
                url,
                parsed.GetValue(aggregation) != "off",
                parsed.GetValue(separator),
                parsed.GetValue(recordTtl) ?? KinesisProducerOptions.DefaultRecordTtl,
                parsed.GetValue(ordering) ?? ProducerOrdering.Relaxed,
                parsed.GetValue(rejects)?.FullName);
            return await LineProducer.RunAsync(settings, console, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }
}
