using Kinesis.Client;

namespace Kinesis.Samples.ConsoleConsumer;

/// <summary>What the command line asked for, validated.</summary>
internal sealed record ConsumerSettings(
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
    bool Verbose);
