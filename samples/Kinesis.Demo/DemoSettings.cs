using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Kinesis.Demo;

/// <summary>The demo's command line.</summary>
internal sealed record DemoSettings(int Records, string? Region, Uri? KinesisEndpoint, Uri? DynamoDbEndpoint)
{
    public const int DefaultRecords = 20_000;

    public const string Usage = "usage: Kinesis.Demo [--records N] [--region REGION] [--kinesis-endpoint URL --dynamodb-endpoint URL]";

    /// <summary>Local emulators unless a region is given without endpoints (real AWS) or endpoints are given.</summary>
    public bool UsesLocalServices => Region is null && KinesisEndpoint is null;

    /// <summary>Parses the command line; on a bad one returns false and says what is wrong in <paramref name="error"/>.</summary>
    public static bool TryParse(string[] args, [NotNullWhen(true)] out DemoSettings? settings, [NotNullWhen(false)] out string? error)
    {
        settings = null;
        var records = DefaultRecords;
        string? region = null;
        Uri? kinesis = null;
        Uri? dynamoDb = null;
        for (var i = 0; i < args.Length; i += 2)
        {
            var option = args[i];
            if (option is not ("--records" or "--region" or "--kinesis-endpoint" or "--dynamodb-endpoint"))
            {
                error = $"unknown option '{option}'";
                return false;
            }

            if (i + 1 >= args.Length)
            {
                error = $"{option} needs a value";
                return false;
            }

            var value = args[i + 1];
            switch (option)
            {
                case "--records":
                    if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out records) || records <= 0)
                    {
                        error = $"--records must be a whole number of at least 1, not '{value}'";
                        return false;
                    }

                    break;
                case "--region":
                    region = value;
                    break;
                default:
                    if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                    {
                        error = $"{option} must be an absolute http(s) URL such as http://127.0.0.1:4567/, not '{value}'";
                        return false;
                    }

                    if (option == "--kinesis-endpoint")
                    {
                        kinesis = uri;
                    }
                    else
                    {
                        dynamoDb = uri;
                    }

                    break;
            }
        }

        // Endpoints come in pairs: one emulator without the other would send lease traffic to real AWS.
        if ((kinesis is null) != (dynamoDb is null))
        {
            error = "--kinesis-endpoint and --dynamodb-endpoint go together (with only one, lease traffic would go to real AWS)";
            return false;
        }

        settings = new DemoSettings(records, region, kinesis, dynamoDb);
        error = null;
        return true;
    }
}
