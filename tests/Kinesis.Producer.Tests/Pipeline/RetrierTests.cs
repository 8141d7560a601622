using Kinesis.Core.Api;
using HashKeyRange = Kinesis.Core.Hashing.HashKeyRange;
using Kinesis.Producer.Pipeline;

namespace Kinesis.Producer.Tests.Pipeline;

/// <summary>
/// Every branch of <see cref="Retrier"/>, without a network: the outcome of a PutRecords attempt for one Kinesis record
/// (whole-call failure, count mismatch, per-record error, success on the predicted or another shard), the placement
/// check after a reshard, and the retry decision (throttled, transient, permanent, expired, stopping, strict ordering).
/// </summary>
public sealed class RetrierTests
{
    private const string Predicted = "shardId-000000000001";
    private const string Other = "shardId-000000000002";
    private const long Now = 1_000_000;
    private const long Later = Now + 1;

    // ---- DecideOutcome: what the answer says about one record ----

    [Fact]
    public void DecideOutcome_PutOnThePredictedShard_Succeeds()
    {
        var call = Answered(Put(Predicted));

        var decision = Retrier.DecideOutcome(call, 0, 1, Predicted);

        Assert.Equal(RetryAction.Succeed, decision.Action);
        Assert.Null(decision.ErrorCode);
    }

    [Theory]
    [InlineData(Predicted)]
    [InlineData(Other)]
    public void DecideOutcome_PutWithoutAPrediction_SucceedsOnAnyShard(string actual)
    {
        var decision = Retrier.DecideOutcome(Answered(Put(actual)), 0, 1, predictedShardId: null);

        Assert.Equal(RetryAction.Succeed, decision.Action);
    }

    [Fact]
    public void DecideOutcome_PutOnAnotherShard_ChecksPlacement()
    {
        var decision = Retrier.DecideOutcome(Answered(Put(Other)), 0, 1, Predicted);

        Assert.Equal(RetryAction.CheckPlacement, decision.Action);
        Assert.Null(decision.ErrorCode);
    }

    [Theory]
    [InlineData(KinesisErrorCodes.ProvisionedThroughputExceeded, "Rate exceeded for shard", "Rate exceeded for shard")]
    [InlineData(KinesisErrorCodes.InternalFailure, null, KinesisErrorCodes.InternalFailure)]
    [InlineData("KMSAccessDeniedException", "no key", "no key")]
    public void DecideOutcome_PerRecordError_IsFailedWithTheEntrysCodeAndMessage(string code, string? message, string expectedMessage)
    {
        var decision = Retrier.DecideOutcome(Answered(Failed(code, message)), 0, 1, Predicted);

        Assert.Equal(RetryAction.Failed, decision.Action);
        Assert.Equal(code, decision.ErrorCode);
        Assert.Equal(expectedMessage, decision.ErrorMessage);
        Assert.Null(decision.Error);
    }

    [Theory]
    [InlineData(0, nameof(RetryAction.Succeed))]
    [InlineData(1, nameof(RetryAction.Failed))]
    [InlineData(2, nameof(RetryAction.CheckPlacement))]
    public void DecideOutcome_MixedAnswer_TakesTheRecordsOwnEntry(int index, string expected)
    {
        var call = Answered(Put(Predicted), Failed(KinesisErrorCodes.ProvisionedThroughputExceeded, "slow down"), Put(Other));

        Assert.Equal(expected, Retrier.DecideOutcome(call, index, 3, Predicted).Action.ToString());
    }

    [Fact]
    public void DecideOutcome_WholeCallFailure_IsFailedWithTheCallsErrorAndException()
    {
        var error = new KinesisApiException(KinesisErrorKind.Network, KinesisErrorCodes.NetworkError, "Connection refused (127.0.0.1:4999)");
        var call = new PutRecordsCall(DateTimeOffset.UnixEpoch, 0, 1, 1, null, error, error.ErrorCode, error.Message);

        var decision = Retrier.DecideOutcome(call, 0, 1, Predicted);

        Assert.Equal(RetryAction.Failed, decision.Action);
        Assert.Equal(KinesisErrorCodes.NetworkError, decision.ErrorCode);
        Assert.Equal("Connection refused (127.0.0.1:4999)", decision.ErrorMessage);
        Assert.Same(error, decision.Error);
    }

    [Theory]
    [InlineData(1, 2)]
    [InlineData(3, 2)]
    [InlineData(0, 1)]
    public void DecideOutcome_CountMismatch_FailsEveryRecordWithRecordCountMismatch(int answered, int sent)
    {
        var call = Answered([.. Enumerable.Range(0, answered).Select(_ => Put(Predicted))]);

        for (var index = 0; index < sent; index++)
        {
            var decision = Retrier.DecideOutcome(call, index, sent, Predicted);

            Assert.Equal(RetryAction.Failed, decision.Action);
            Assert.Equal(Retrier.RecordCountMismatch, decision.ErrorCode);
            Assert.Equal($"PutRecords answered {answered} results for {sent} records.", decision.ErrorMessage);
        }
    }

    // ---- DecidePlacement: a record put on another shard than predicted ----

    [Fact]
    public void DecidePlacement_AggregateWithAllKeysInTheActualShard_Succeeds()
    {
        var range = new HashKeyRange(100, 200);
        UserRecord[] users = [User(hashKey: 100), User(hashKey: 150), User(hashKey: 200)];

        var decision = Retrier.DecidePlacement(users, range, Predicted, Other);

        Assert.Equal(RetryAction.Succeed, decision.Action);
    }

    [Theory]
    [InlineData(99)]
    [InlineData(201)]
    public void DecidePlacement_AggregateWithAKeyOutsideTheActualShard_Reroutes(long outside)
    {
        var range = new HashKeyRange(100, 200);
        UserRecord[] users = [User(hashKey: 150), User(hashKey: (UInt128)outside), User(hashKey: 160)];

        var decision = Retrier.DecidePlacement(users, range, Predicted, Other);

        Assert.Equal(RetryAction.Reroute, decision.Action);
        Assert.Equal(ProducerErrorCodes.WrongShard, decision.ErrorCode);
        Assert.Equal($"Expected shard {Predicted}, got {Other}.", decision.ErrorMessage);
    }

    [Fact]
    public void DecidePlacement_AggregateOnAShardTheMapDoesNotKnow_Reroutes()
    {
        UserRecord[] users = [User(hashKey: 150), User(hashKey: 160)];

        var decision = Retrier.DecidePlacement(users, actualRange: null, Predicted, Other);

        Assert.Equal(RetryAction.Reroute, decision.Action);
        Assert.Equal(ProducerErrorCodes.WrongShard, decision.ErrorCode);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void DecidePlacement_SingleRecord_SucceedsWhereverTheServicePutIt(bool shardKnown)
    {
        // Its own key routed it: the service's choice is right even if our map disagrees.
        UserRecord[] users = [User(hashKey: 5)];
        HashKeyRange? range = shardKnown ? new HashKeyRange(100, 200) : null;

        Assert.Equal(RetryAction.Succeed, Retrier.DecidePlacement(users, range, Predicted, Other).Action);
    }

    // ---- DecideFailure: retry, fail or expire ----

    public static TheoryData<string> ThrottlingCodes =>
    [
        KinesisErrorCodes.ProvisionedThroughputExceeded,
        KinesisErrorCodes.KmsThrottling,
        KinesisErrorCodes.LimitExceeded,
        KinesisErrorCodes.Throttling,
    ];

    public static TheoryData<string> TransientCodes =>
    [
        KinesisErrorCodes.InternalFailure,
        KinesisErrorCodes.ServiceUnavailable,
        "InternalFailureException",
        "KMSInternalException",
    ];

    public static TheoryData<string> PermanentCodes =>
    [
        KinesisErrorCodes.ResourceNotFound,
        "AccessDeniedException",
        "ValidationException",
        "InvalidArgumentException",
        "KMSDisabledException",
        "KMSNotFoundException",
        "KMSAccessDeniedException",
        "KMSInvalidStateException",
        "KMSOptInRequired",
        "InvalidSignatureException",
    ];

    [Theory]
    [MemberData(nameof(ThrottlingCodes))]
    public void DecideFailure_ThrottledRecord_RetriesAfterBackoffCountedAsThrottle(string code)
    {
        var decision = Relaxed().DecideFailure(code, "slow down", null, attempts: 1, Later, Now, stopping: false, jitter: 1);

        Assert.Equal(RetryAction.RetryAfter, decision.Action);
        Assert.True(decision.Throttled);
        Assert.Equal(Retrier.RetryBaseDelay, decision.Backoff);
        Assert.Equal(code, decision.ErrorCode);
    }

    [Theory]
    [MemberData(nameof(ThrottlingCodes))]
    public void DecideFailure_ThrottledCall_RetriesCountedAsThrottle(string code)
    {
        var error = new KinesisApiException(KinesisErrorKind.Service, code, "slow down", statusCode: 400);

        var decision = Relaxed().DecideFailure(code, error.Message, error, attempts: 1, Later, Now, stopping: false, jitter: 0.5);

        Assert.Equal(RetryAction.RetryAfter, decision.Action);
        Assert.True(decision.Throttled);
        Assert.Same(error, decision.Error);
    }

    [Theory]
    [MemberData(nameof(ThrottlingCodes))]
    public void DecideFailure_ThrottledWithFailIfThrottled_FailsAtOnce(string code)
    {
        var retrier = new Retrier(ProducerOrdering.Relaxed, failIfThrottled: true);

        var decision = retrier.DecideFailure(code, "slow down", null, attempts: 1, Later, Now, stopping: false, jitter: 1);

        Assert.Equal(RetryAction.Fail, decision.Action);
        Assert.True(decision.Throttled);
        Assert.Equal(code, decision.ErrorCode);
    }

    [Theory]
    [MemberData(nameof(TransientCodes))]
    public void DecideFailure_TransientServiceError_RetriesNotAsThrottle(string code)
    {
        var decision = Relaxed().DecideFailure(code, "oops", null, attempts: 1, Later, Now, stopping: false, jitter: 1);

        Assert.Equal(RetryAction.RetryAfter, decision.Action);
        Assert.False(decision.Throttled);
    }

    [Theory]
    [MemberData(nameof(TransientCodes))]
    public void DecideFailure_TransientWithFailIfThrottled_StillRetries(string code)
    {
        var retrier = new Retrier(ProducerOrdering.Relaxed, failIfThrottled: true);

        Assert.Equal(RetryAction.RetryAfter, retrier.DecideFailure(code, "oops", null, 1, Later, Now, false, 1).Action);
    }

    public static TheoryData<KinesisErrorKind, string, int?> RetryableCallFailures => new()
    {
        { KinesisErrorKind.Network, KinesisErrorCodes.NetworkError, null },
        { KinesisErrorKind.Timeout, KinesisErrorCodes.RequestTimeout, null },
        { KinesisErrorKind.Service, "SomethingNew", 500 },
        { KinesisErrorKind.Service, "SomethingNew", 503 },
        { KinesisErrorKind.Service, KinesisErrorCodes.InternalFailure, 500 },
        { KinesisErrorKind.MalformedResponse, KinesisErrorCodes.MalformedResponse, 502 },
    };

    [Theory]
    [MemberData(nameof(RetryableCallFailures))]
    public void DecideFailure_RetryableCallFailure_Retries(KinesisErrorKind kind, string code, int? status)
    {
        var error = new KinesisApiException(kind, code, "failed", status);

        var decision = Relaxed().DecideFailure(code, error.Message, error, attempts: 1, Later, Now, stopping: false, jitter: 1);

        Assert.Equal(RetryAction.RetryAfter, decision.Action);
        Assert.False(decision.Throttled);
    }

    public static TheoryData<KinesisErrorKind, string, int?> PermanentCallFailures => new()
    {
        { KinesisErrorKind.Service, KinesisErrorCodes.ResourceNotFound, 400 },
        { KinesisErrorKind.Service, "AccessDeniedException", 400 },
        { KinesisErrorKind.Service, "ValidationException", 400 },
        { KinesisErrorKind.Service, "UnrecognizedClientException", 400 },
        { KinesisErrorKind.MalformedResponse, KinesisErrorCodes.MalformedResponse, 200 },
        { KinesisErrorKind.Credentials, KinesisErrorCodes.CredentialsUnavailable, null },
    };

    [Theory]
    [MemberData(nameof(PermanentCallFailures))]
    public void DecideFailure_PermanentCallFailure_FailsAtOnce(KinesisErrorKind kind, string code, int? status)
    {
        var error = new KinesisApiException(kind, code, "no", status);

        var decision = Relaxed().DecideFailure(code, error.Message, error, attempts: 1, Later, Now, stopping: false, jitter: 1);

        Assert.Equal(RetryAction.Fail, decision.Action);
        Assert.Equal(code, decision.ErrorCode);
        Assert.Same(error, decision.Error);
    }

    [Theory]
    [MemberData(nameof(PermanentCodes))]
    public void DecideFailure_PermanentRecordError_FailsAtOnce(string code)
    {
        var decision = Relaxed().DecideFailure(code, "no", null, attempts: 1, Later, Now, stopping: false, jitter: 1);

        Assert.Equal(RetryAction.Fail, decision.Action);
        Assert.False(decision.Throttled);
        Assert.Equal(code, decision.ErrorCode);
        Assert.Equal("no", decision.ErrorMessage);
    }

    [Theory]
    [InlineData(ProducerErrorCodes.Shutdown)]
    [InlineData(Retrier.InternalError)]
    [InlineData(Retrier.RecordCountMismatch)]
    public void DecideFailure_ProducerSideFailure_FailsAtOnce(string code)
    {
        // As the KPL: a count mismatch says nothing about which record is which, so every record fails ("Record Count Mismatch").
        Assert.Equal(RetryAction.Fail, Relaxed().DecideFailure(code, "x", null, 1, Later, Now, false, 1).Action);
    }

    [Theory]
    [InlineData(ProducerOrdering.Relaxed)]
    [InlineData(ProducerOrdering.StrictPerShard)]
    public void DecideFailure_WrongShard_ReroutesAtOnceThroughRouting(ProducerOrdering ordering)
    {
        var decision = new Retrier(ordering, failIfThrottled: false).DecideFailure(ProducerErrorCodes.WrongShard, "moved", null, attempts: 3, Later, Now, stopping: false, jitter: 1);

        Assert.Equal(RetryAction.Reroute, decision.Action);
        Assert.Equal(TimeSpan.Zero, decision.Backoff);
        Assert.False(decision.RequeueInOrder);
        Assert.False(decision.Throttled);
    }

    [Theory]
    [InlineData(KinesisErrorCodes.ProvisionedThroughputExceeded)]
    [InlineData(KinesisErrorCodes.InternalFailure)]
    [InlineData(ProducerErrorCodes.WrongShard)]
    public void DecideFailure_WhileStopping_FailsWithTheAttemptsError(string code)
    {
        var decision = Relaxed().DecideFailure(code, "x", null, attempts: 1, Later, Now, stopping: true, jitter: 1);

        Assert.Equal(RetryAction.Fail, decision.Action);
        Assert.Equal(code, decision.ErrorCode);
    }

    [Theory]
    [InlineData(Now)]
    [InlineData(Now - 1)]
    [InlineData(long.MinValue)]
    public void DecideFailure_RetryableButEveryUserRecordExpired_ExpiresKeepingTheCause(long latestExpiry)
    {
        var error = new KinesisApiException(KinesisErrorKind.Network, KinesisErrorCodes.NetworkError, "Connection refused (127.0.0.1:4999)");

        var decision = Relaxed().DecideFailure(error.ErrorCode, error.Message, error, attempts: 18, latestExpiry, Now, stopping: false, jitter: 1);

        Assert.Equal(RetryAction.Expire, decision.Action);
        Assert.Equal(KinesisErrorCodes.NetworkError, decision.ErrorCode);
        Assert.Equal("Connection refused (127.0.0.1:4999)", decision.ErrorMessage);
        Assert.Same(error, decision.Error);
    }

    [Fact]
    public void DecideFailure_ThrottledAndExpired_ExpiresCountedAsThrottle()
    {
        var decision = Relaxed().DecideFailure(KinesisErrorCodes.ProvisionedThroughputExceeded, "slow", null, 2, Now, Now, false, 1);

        Assert.Equal(RetryAction.Expire, decision.Action);
        Assert.True(decision.Throttled);
    }

    [Fact]
    public void DecideFailure_PermanentAndExpired_FailsWithThePermanentError()
    {
        // The permanent error is the more useful cause: it says retrying would not have helped.
        var decision = Relaxed().DecideFailure(KinesisErrorCodes.ResourceNotFound, "no stream", null, 1, Now - 5, Now, false, 1);

        Assert.Equal(RetryAction.Fail, decision.Action);
        Assert.Equal(KinesisErrorCodes.ResourceNotFound, decision.ErrorCode);
    }

    [Fact]
    public void DecideFailure_OneUserRecordStillHasTime_Retries()
    {
        // The latest expiry counts: the expired members fail when collected, the others are retried.
        Assert.Equal(RetryAction.RetryAfter, Relaxed().DecideFailure(KinesisErrorCodes.InternalFailure, "x", null, 1, Now + 1, Now, false, 1).Action);
    }

    [Theory]
    [InlineData(0, 1.0, 100)]
    [InlineData(1, 1.0, 100)]
    [InlineData(2, 1.0, 200)]
    [InlineData(3, 1.0, 400)]
    [InlineData(4, 0.5, 400)]
    [InlineData(7, 1.0, 5000)]
    [InlineData(1000, 1.0, 5000)]
    [InlineData(5, 0.0, 0)]
    public void DecideFailure_Backoff_IsExponentialWithFullJitterUpToTheCap(int attempts, double jitter, int expectedMilliseconds)
    {
        var decision = Relaxed().DecideFailure(KinesisErrorCodes.InternalFailure, "x", null, attempts, Later, Now, stopping: false, jitter);

        Assert.Equal(RetryAction.RetryAfter, decision.Action);
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMilliseconds), decision.Backoff);
    }

    [Theory]
    [InlineData(ProducerOrdering.Relaxed, false)]
    [InlineData(ProducerOrdering.StrictPerShard, true)]
    public void DecideFailure_Retry_RequeuesInOrderOnlyUnderStrictOrdering(ProducerOrdering ordering, bool requeue)
    {
        var retrier = new Retrier(ordering, failIfThrottled: false);

        var throttled = retrier.DecideFailure(KinesisErrorCodes.ProvisionedThroughputExceeded, "x", null, 1, Later, Now, false, 1);
        var transient = retrier.DecideFailure(KinesisErrorCodes.InternalFailure, "x", null, 1, Later, Now, false, 1);

        Assert.Equal(requeue, throttled.RequeueInOrder);
        Assert.Equal(requeue, transient.RequeueInOrder);
    }

    [Theory]
    [InlineData(ProducerOrdering.Relaxed)]
    [InlineData(ProducerOrdering.StrictPerShard)]
    public void DecideFailure_FailOrExpire_NeverRequeues(ProducerOrdering ordering)
    {
        var retrier = new Retrier(ordering, failIfThrottled: false);

        Assert.False(retrier.DecideFailure(KinesisErrorCodes.ResourceNotFound, "x", null, 1, Later, Now, false, 1).RequeueInOrder);
        Assert.False(retrier.DecideFailure(KinesisErrorCodes.InternalFailure, "x", null, 1, Now, Now, false, 1).RequeueInOrder);
    }

    [Theory]
    [InlineData(Now - 1, true)]
    [InlineData(Now, true)]
    [InlineData(Now + 1, false)]
    [InlineData(long.MaxValue, false)]
    public void HasExpired_AtTheDeadline_IsExpired(long expiresAt, bool expired) =>
        Assert.Equal(expired, Retrier.HasExpired(expiresAt, Now));

    private static Retrier Relaxed() => new(ProducerOrdering.Relaxed, failIfThrottled: false);

    private static PutRecordsResultEntry Put(string shardId) => new() { ShardId = shardId, SequenceNumber = "49590338271490256608559692538361571095921575989136588898" };

    private static PutRecordsResultEntry Failed(string code, string? message) => new() { ErrorCode = code, ErrorMessage = message };

    private static PutRecordsCall Answered(params PutRecordsResultEntry[] entries) =>
        new(DateTimeOffset.UnixEpoch, 0, 1, entries.Length, new PutRecordsResponse { Records = entries, FailedRecordCount = entries.Count(e => e.ErrorCode is not null) }, null, null, null);

    private static UserRecord User(UInt128 hashKey) => new(null!, "key", hashKey.ToString(System.Globalization.CultureInfo.InvariantCulture), new byte[1], 1, Later, new FlushTracker().Join());
}
