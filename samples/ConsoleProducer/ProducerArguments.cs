namespace Kinesis.Samples.ConsoleProducer;

/// <summary>The command line of kinesis-console-producer.</summary>
internal sealed record ProducerArguments(string Stream, string Region, Uri? Endpoint, bool Aggregation, string? KeySeparator, TimeSpan? RecordTtl)
{
    public const string Usage =
        "usage: kinesis-console-producer --stream NAME [--region REGION] [--kinesis-endpoint URL] [--aggregation on|off] [--key-separator SEP] [--record-ttl SECONDS]\n" +
        "  Reads stdin, one user record per line (UTF-8, without the line break; empty lines are skipped).\n" +
        "  --key-separator SEP   the text before the first SEP is the partition key, the rest the data;\n" +
        "                        without it (or without SEP in a line) the key is derived from the line's hash.\n" +
        "  --record-ttl SECONDS  how long a record may take to be put before it fails (default 30, as the KPL's RecordTtl).\n" +
        "  --region              default: AWS_REGION or AWS_DEFAULT_REGION. Credentials: the standard AWS chain.\n" +
        "  A failed record is reported once per distinct error; later records failing the same way are counted.\n" +
        "  Prints a JSON summary to stderr on exit; exit code 1 if any record failed, 2 on bad arguments.";

    /// <summary>Parses the arguments; returns null and writes the reason to <paramref name="error"/> when they are wrong.</summary>
    public static ProducerArguments? Parse(string[] args, out string? error)
    {
        string? stream = null;
        var region = Environment.GetEnvironmentVariable("AWS_REGION") ?? Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION");
        Uri? endpoint = null;
        var aggregation = true;
        string? separator = null;
        TimeSpan? recordTtl = null;
        error = null;
        for (var i = 0; i < args.Length; i += 2)
        {
            if (i + 1 >= args.Length)
            {
                error = $"{args[i]} needs a value";
                return null;
            }

            var value = args[i + 1];
            switch (args[i])
            {
                case "--stream":
                    stream = value;
                    break;
                case "--region":
                    region = value;
                    break;
                case "--endpoint" or "--kinesis-endpoint" when Uri.TryCreate(value, UriKind.Absolute, out var uri):
                    endpoint = uri;
                    break;
                case "--aggregation" when value is "on" or "off":
                    aggregation = value == "on";
                    break;
                case "--key-separator" when value.Length > 0:
                    separator = value;
                    break;
                case "--record-ttl" when double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
                    && seconds >= Kinesis.Producer.KinesisProducerOptions.MinRecordTtl.TotalSeconds && seconds <= TimeSpan.FromDays(1).TotalSeconds:
                    recordTtl = TimeSpan.FromSeconds(seconds);
                    break;
                default:
                    error = $"unknown option or bad value: {args[i]} {value}";
                    return null;
            }
        }

        if (stream is null || region is null)
        {
            error = stream is null ? "--stream is required" : "--region is required (or set AWS_REGION)";
            return null;
        }

        return new ProducerArguments(stream, region, endpoint, aggregation, separator, recordTtl);
    }
}
