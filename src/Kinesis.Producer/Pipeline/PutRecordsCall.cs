using Kinesis.Core.Api;

namespace Kinesis.Producer.Pipeline;

/// <summary>The outcome of one PutRecords call: the service's answer, or the error that stood in for it.</summary>
internal readonly record struct PutRecordsCall(
    DateTimeOffset StartUtc,
    long Start,
    long End,
    int UserRecords,
    PutRecordsResponse? Response,
    KinesisApiException? Error,
    string? ErrorCode,
    string? ErrorMessage);
