using Kinesis.Core.Api;
using Kinesis.Core.Hashing;
using Kinesis.Core.Resilience;

namespace Kinesis.Producer.Pipeline;

/// <summary>
/// The producer's retry decisions, apart from any I/O (as the Java KPL's <c>retrier.cc</c>): from the outcome of a
/// PutRecords attempt for one Kinesis record it decides succeed, re-route, retry after a backoff, or fail. The pipeline
/// (<see cref="BatchSender"/>) only carries the decision out. Deterministic: the jitter sample is an argument.
/// </summary>
/// <remarks>
/// Unlike the KPL, which retries every error until the record expires, errors are classified: throttling and transient
/// service, network and timeout errors are retried with exponential backoff and full jitter; permanent ones (a missing
/// stream, access denied, validation) fail at once, since retrying cannot help. As the KPL, a response with another
/// number of results than records sent fails every record (nothing says which result belongs to which record), and
/// <see cref="KinesisProducerOptions.FailIfThrottled"/> fails throttled records at once.
/// </remarks>
internal sealed class Retrier
{
    /// <summary>The error code of a record failed by an unexpected exception (a throwing HTTP handler, a disposed client, a bug).</summary>
    public const string InternalError = "InternalProducerError";

    /// <summary>The error code of the records of a PutRecords answer with another number of results than records sent.</summary>
    public const string RecordCountMismatch = "RecordCountMismatch";

    public static readonly TimeSpan RetryBaseDelay = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan RetryMaxDelay = TimeSpan.FromSeconds(5);

    private readonly ProducerOrdering ordering;
    private readonly bool failIfThrottled;

    public Retrier(ProducerOrdering ordering, bool failIfThrottled)
    {
        this.ordering = ordering;
        this.failIfThrottled = failIfThrottled;
    }

    /// <summary>
    /// The first look at the outcome of record <paramref name="index"/> of <paramref name="sent"/> in <paramref name="call"/>:
    /// <see cref="RetryAction.Succeed"/>, <see cref="RetryAction.CheckPlacement"/> or <see cref="RetryAction.Failed"/> with
    /// the error. Allocates nothing unless the record was not put.
    /// </summary>
    public static RetryDecision DecideOutcome(in PutRecordsCall call, int index, int sent, string? predictedShardId)
    {
        if (call.Response is not { } response)
        {
            return new RetryDecision(RetryAction.Failed, call.ErrorCode, call.ErrorMessage, call.Error);
        }

        if (response.Records.Count != sent)
        {
            return new RetryDecision(RetryAction.Failed, RecordCountMismatch, $"PutRecords answered {response.Records.Count} results for {sent} records.");
        }

        var result = response.Records[index];
        if (result.ErrorCode is not null)
        {
            return new RetryDecision(RetryAction.Failed, result.ErrorCode, result.ErrorMessage ?? result.ErrorCode);
        }

        // A record sent without a prediction (its shard unknown when it was routed) is fine wherever the service put it.
        return predictedShardId is not null && !string.Equals(result.ShardId, predictedShardId, StringComparison.Ordinal)
            ? CheckPlacement
            : Succeed;
    }

    private static RetryDecision Succeed => RetryDecision.Succeed;

    private static RetryDecision CheckPlacement => RetryDecision.CheckPlacement;

    /// <summary>
    /// A record put on <paramref name="actualShardId"/> instead of its predicted shard: it succeeds when that shard's range
    /// (<paramref name="actualRange"/>, null when the refreshed map does not know the shard) holds every user record in it;
    /// otherwise (a stale map after resharding) it is re-routed, since a KCL consumer of that shard would drop the members
    /// outside its range. A single record is routed by its own key, so wherever the service put it is right.
    /// </summary>
    public static RetryDecision DecidePlacement(ReadOnlySpan<UserRecord> users, HashKeyRange? actualRange, string? predictedShardId, string actualShardId)
    {
        if (users.Length <= 1)
        {
            return Succeed;
        }

        if (actualRange is { } range)
        {
            var allInRange = true;
            foreach (ref readonly var user in users)
            {
                if (!range.Contains(user.ComputeHashKey()))
                {
                    allInRange = false;
                    break;
                }
            }

            if (allInRange)
            {
                return Succeed;
            }
        }

        return new RetryDecision(RetryAction.Reroute, ProducerErrorCodes.WrongShard, $"Expected shard {predictedShardId}, got {actualShardId}.");
    }

    /// <summary>
    /// Decides what becomes of a record whose attempt failed with <paramref name="errorCode"/> (and
    /// <paramref name="error"/>, the exception of a whole-call failure): fail it, expire it, or retry it after a backoff
    /// with full jitter (<paramref name="jitter"/> is a uniform sample in [0, 1]) growing with <paramref name="attempts"/>,
    /// the most failed attempts any of its user records has, this one included.
    /// </summary>
    /// <param name="errorCode">The attempt's error code.</param>
    /// <param name="errorMessage">The attempt's error message.</param>
    /// <param name="error">The exception that stood for a whole call's answer, when it failed as a whole.</param>
    /// <param name="attempts">Failed attempts so far, this one included.</param>
    /// <param name="latestExpiry">The latest <see cref="UserRecord.ExpiresAt"/> of its user records.</param>
    /// <param name="now">The current timestamp.</param>
    /// <param name="stopping">Whether the producer is stopping (nothing is retried then).</param>
    /// <param name="jitter">A uniform sample in [0, 1].</param>
    public RetryDecision DecideFailure(string errorCode, string errorMessage, KinesisApiException? error, int attempts, long latestExpiry, long now, bool stopping, double jitter)
    {
        var throttled = error?.IsThrottling ?? KinesisErrorCodes.IsThrottling(errorCode);
        var retryable = errorCode switch
        {
            ProducerErrorCodes.Shutdown or InternalError or RecordCountMismatch => false,
            ProducerErrorCodes.WrongShard => true,
            _ => error?.IsRetryable ?? (throttled || KinesisErrorCodes.IsTransient(errorCode)),
        };

        if (!retryable || (throttled && failIfThrottled) || stopping)
        {
            return new RetryDecision(RetryAction.Fail, errorCode, errorMessage, error, Throttled: throttled);
        }

        if (HasExpired(latestExpiry, now))
        {
            // As the KPL's retry_not_expired: no retry once no user record has time left; the failed attempt stays as the cause.
            return new RetryDecision(RetryAction.Expire, errorCode, errorMessage, error, Throttled: throttled);
        }

        // Wrong shard is not an overload signal: re-send at once under the refreshed map, through routing, which also puts
        // its members on their right shards when strict ordering would requeue it.
        if (errorCode == ProducerErrorCodes.WrongShard)
        {
            return new RetryDecision(RetryAction.Reroute, errorCode, errorMessage, error);
        }

        var backoff = RetryBackoff.ComputeFullJitterDelay(Math.Max(attempts - 1, 0), RetryBaseDelay, RetryMaxDelay, jitter);
        return new RetryDecision(RetryAction.RetryAfter, errorCode, errorMessage, error, backoff, throttled, RequeueInOrder: ordering == ProducerOrdering.StrictPerShard);
    }

    /// <summary>Whether a user record that must be put by <paramref name="expiresAt"/> has run out of time at <paramref name="now"/>.</summary>
    public static bool HasExpired(long expiresAt, long now) => expiresAt <= now;
}
