namespace Kinesis.Producer;

/// <summary>One try at putting a user record: a PutRecords call, or a synthetic attempt such as expiry.</summary>
/// <param name="StartTime">When the attempt started (UTC).</param>
/// <param name="Delay">For the first attempt, the time from <see cref="KinesisProducer.PutAsync"/> to the start; for later ones, the time since the previous attempt ended (buffering, rate limiting, backoff).</param>
/// <param name="Duration">How long the call took; zero for synthetic attempts.</param>
/// <param name="ErrorCode">The service error code (for example <c>ProvisionedThroughputExceededException</c>) or one of the producer's codes (<see cref="ProducerErrorCodes"/>); null on success.</param>
/// <param name="ErrorMessage">The error message; null on success.</param>
/// <param name="IsSuccessful">Whether this attempt put the record.</param>
public sealed record Attempt(
    DateTimeOffset StartTime,
    TimeSpan Delay,
    TimeSpan Duration,
    string? ErrorCode,
    string? ErrorMessage,
    bool IsSuccessful);
