using System.Globalization;

namespace Kinesis.Demo;

/// <summary>The demo's command line.</summary>
internal sealed record DemoSettings(int Records, string? Region, Uri? KinesisEndpoint, Uri? DynamoDbEndpoint)
{
    public const int DefaultRecords = 20_000;

    /// <summary>Local emulators unless a region is given without endpoints (real AWS) or endpoints are given.</summary>
    public bool UsesLocalServices => Region is null && KinesisEndpoint is null;

    public static DemoSettings? Parse(string[] args)
    {
        var records = DefaultRecords;
        string? region = null;
        Uri? kinesis = null;
        Uri? dynamoDb = null;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--records" when int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0:
                    records = n;
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
                default:
                    return null;
            }

            i++;
        }

        // Endpoints come in pairs: one emulator without the other would send lease traffic to real AWS.
        return (kinesis is null) == (dynamoDb is null) ? new DemoSettings(records, region, kinesis, dynamoDb) : null;
    }
}
