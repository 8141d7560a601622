using Kinesis.Core.Api;

namespace Kinesis.Producer.Pipeline;

/// <summary>A decision of <see cref="Retrier"/> and what the pipeline needs to carry it out. Error data only when the record was not put.</summary>
internal readonly record struct RetryDecision(
    RetryAction Action,
    string? ErrorCode = null,
    string? ErrorMessage = null,
    KinesisApiException? Error = null,
    TimeSpan Backoff = default,
    bool Throttled = false,
    bool RequeueInOrder = false)
{
    public static RetryDecision Succeed => new(RetryAction.Succeed);

    public static RetryDecision CheckPlacement => new(RetryAction.CheckPlacement);
}
