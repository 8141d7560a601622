using System.Globalization;
using Kinesis.Client;

namespace Kinesis.Samples.ConsoleConsumer;

/// <summary>The command line of kinesis-console-consumer.</summary>
internal sealed record ConsumerArguments(
    string Stream,
    string? Application,
    string Region,
    Uri? KinesisEndpoint,
    Uri? DynamoDbEndpoint,
    InitialPositionInStream InitialPosition,
    bool FanOut,
    TimeSpan? ExitWhenIdle,
    long? MaxRecords,
    string? WorkerId,
    bool PrintWorkerId,
    bool Verbose)
{
    public const string Usage =
        "usage: kinesis-console-consumer --stream NAME [--application NAME] [--region REGION]\n" +
        "         [--kinesis-endpoint URL] [--dynamodb-endpoint URL] [--initial-position latest|trim-horizon]\n" +
        "         [--fan-out] [--exit-when-idle SECONDS] [--max-records N] [--worker-id ID] [--print-worker-id] [--verbose]\n" +
        "  Prints one JSON line per user record to stdout (data in base64).\n" +
        "  --worker-id     this worker's name in the lease table; default: machine name and a random suffix.\n" +
        "  --print-worker-id  adds a \"workerId\" field to each printed record (who read it, when several run).\n" +
        "  --verbose       logs the consumer's events (leases, shards, subscriptions, checkpoints) to stderr.\n" +
        "  --application   names the lease table; default: a temporary name whose table is deleted on exit.\n" +
        "  --initial-position  where a shard without a checkpoint starts; default latest.\n" +
        "  --region        default: AWS_REGION or AWS_DEFAULT_REGION. Credentials: the standard AWS chain.\n" +
        "  Ctrl+C or SIGTERM stops gracefully: checkpoints what was printed and releases the leases.";

    /// <summary>Parses the arguments; returns null and writes the reason to <paramref name="error"/> when they are wrong.</summary>
    public static ConsumerArguments? Parse(string[] args, out string? error)
    {
        string? stream = null;
        string? application = null;
        var region = Environment.GetEnvironmentVariable("AWS_REGION") ?? Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION");
        Uri? kinesis = null;
        Uri? dynamoDb = null;
        var position = InitialPositionInStream.Latest;
        var fanOut = false;
        TimeSpan? idle = null;
        long? max = null;
        string? workerId = null;
        var printWorkerId = false;
        var verbose = false;
        error = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--fan-out":
                    fanOut = true;
                    continue;
                case "--print-worker-id":
                    printWorkerId = true;
                    continue;
                case "--verbose":
                    verbose = true;
                    continue;
            }

            var option = args[i];
            var value = i + 1 < args.Length ? args[++i] : null;
            switch (option)
            {
                case "--stream" when value is not null:
                    stream = value;
                    break;
                case "--application" when value is not null:
                    application = value;
                    break;
                case "--region" when value is not null:
                    region = value;
                    break;
                case "--kinesis-endpoint" when Uri.TryCreate(value, UriKind.Absolute, out var uri):
                    kinesis = uri;
                    break;
                case "--dynamodb-endpoint" when Uri.TryCreate(value, UriKind.Absolute, out var uri):
                    dynamoDb = uri;
                    break;
                case "--initial-position" when value is "latest" or "LATEST":
                    position = InitialPositionInStream.Latest;
                    break;
                case "--initial-position" when value is "trim-horizon" or "TRIM_HORIZON":
                    position = InitialPositionInStream.TrimHorizon;
                    break;
                case "--exit-when-idle" when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0:
                    idle = TimeSpan.FromSeconds(seconds);
                    break;
                case "--worker-id" when !string.IsNullOrWhiteSpace(value):
                    workerId = value;
                    break;
                case "--max-records" when long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0:
                    max = n;
                    break;
                default:
                    error = $"unknown option or bad value: {option} {value}";
                    return null;
            }
        }

        if (stream is null || region is null)
        {
            error = stream is null ? "--stream is required" : "--region is required (or set AWS_REGION)";
            return null;
        }

        return new ConsumerArguments(stream, application, region, kinesis, dynamoDb, position, fanOut, idle, max, workerId, printWorkerId, verbose);
    }
}
