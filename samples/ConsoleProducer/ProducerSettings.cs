using Kinesis.Producer;

namespace Kinesis.Samples.ConsoleProducer;

/// <summary>What the command line asked for, validated.</summary>
internal sealed record ProducerSettings(
    string Stream,
    string Region,
    Uri? Endpoint,
    bool Aggregation,
    string? KeySeparator,
    TimeSpan RecordTtl,
    ProducerOrdering Ordering,
    string? RejectsFile);
