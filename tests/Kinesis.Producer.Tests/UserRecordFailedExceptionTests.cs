using Kinesis.Core.Api;

namespace Kinesis.Producer.Tests;

/// <summary>The failure message and <see cref="UserRecordFailedException.Cause"/> for each shape of attempt history, without a network.</summary>
public sealed class UserRecordFailedExceptionTests
{
    private const string Refused = "PutRecords failed on the network: Connection refused (127.0.0.1:4999)";
    private const string ExpiredMessage = "The record was not put within RecordTtl (30 s).";

    [Fact]
    public void Message_ExpiredAfterConnectionErrors_NamesTheConnectionErrorAndTheTries()
    {
        var error = Failed(Attempt(KinesisErrorCodes.NetworkError, Refused), Attempt(KinesisErrorCodes.NetworkError, Refused), Attempt(ProducerErrorCodes.Expired, ExpiredMessage));

        Assert.Equal(ProducerErrorCodes.Expired, error.ErrorCode);
        Assert.Equal(KinesisErrorCodes.NetworkError, error.Cause?.ErrorCode);
        Assert.Equal($"Expired: The record was not put within RecordTtl (30 s) after 2 attempts; last error: NetworkError: {Refused}", error.Message);
    }

    [Fact]
    public void Message_ExpiredAfterOneThrottle_SaysOneAttempt()
    {
        var error = Failed(Attempt(KinesisErrorCodes.ProvisionedThroughputExceeded, "Rate exceeded"), Attempt(ProducerErrorCodes.Expired, ExpiredMessage));

        Assert.Equal("Expired: The record was not put within RecordTtl (30 s) after 1 attempt; last error: ProvisionedThroughputExceededException: Rate exceeded", error.Message);
    }

    [Fact]
    public void Message_ServiceErrorThenReroutesThenExpired_NamesTheServiceError()
    {
        var error = Failed(
            Attempt(KinesisErrorCodes.InternalFailure, "Internal service failure."),
            Attempt(ProducerErrorCodes.WrongShard, "Expected shard shardId-0, got shardId-2."),
            Attempt(ProducerErrorCodes.Expired, ExpiredMessage));

        Assert.Equal(KinesisErrorCodes.InternalFailure, error.Cause?.ErrorCode);
        Assert.EndsWith("after 2 attempts; last error: InternalFailure: Internal service failure.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Message_OnlyReroutesBeforeShutdown_NamesTheReroute()
    {
        var error = Failed(Attempt(ProducerErrorCodes.WrongShard, "Expected shard shardId-0, got shardId-2."), Attempt(ProducerErrorCodes.Shutdown, "The producer was disposed before the record was sent."));

        Assert.Equal(ProducerErrorCodes.WrongShard, error.Cause?.ErrorCode);
        Assert.Equal("ProducerShutdown: The producer was disposed before the record was sent after 1 attempt; last error: WrongShard: Expected shard shardId-0, got shardId-2.", error.Message);
    }

    [Fact]
    public void Message_ShutdownWhileACallWasInFlight_CountsThatCallAsAnAttempt()
    {
        var inFlight = new Attempt(DateTimeOffset.UnixEpoch, TimeSpan.Zero, TimeSpan.FromMilliseconds(40), ProducerErrorCodes.Shutdown, "The producer was disposed while the request was in flight.", IsSuccessful: false);
        var error = Failed(Attempt(KinesisErrorCodes.InternalFailure, "Internal service failure."), inFlight);

        Assert.Equal(KinesisErrorCodes.InternalFailure, error.Cause?.ErrorCode);
        Assert.Equal("ProducerShutdown: The producer was disposed while the request was in flight after 2 attempts; last error: InternalFailure: Internal service failure.", error.Message);
    }

    [Fact]
    public void Message_ExpiredBeforeAnyAttempt_IsTheExpiry()
    {
        var error = Failed(Attempt(ProducerErrorCodes.Expired, ExpiredMessage));

        Assert.Same(error.Result.Attempts[0], error.Cause);
        Assert.Equal($"Expired: {ExpiredMessage}", error.Message);
    }

    [Fact]
    public void Message_NonRetryableErrorAtOnce_IsThatError()
    {
        var error = Failed(Attempt(KinesisErrorCodes.ResourceNotFound, "Stream 's' does not exist or is not accessible."));

        Assert.Equal(KinesisErrorCodes.ResourceNotFound, error.ErrorCode);
        Assert.Equal("ResourceNotFoundException: Stream 's' does not exist or is not accessible.", error.Message);
    }

    [Fact]
    public void Message_NonRetryableErrorAfterRetries_CountsTheAttempts()
    {
        var error = Failed(Attempt(KinesisErrorCodes.RequestTimeout, "PutRecords got no complete answer within the request timeout."), Attempt("AccessDeniedException", "Not authorized."));

        Assert.Equal("AccessDeniedException", error.Cause?.ErrorCode);
        Assert.Equal("AccessDeniedException: Not authorized. (after 2 attempts)", error.Message);
    }

    [Fact]
    public void Message_NoAttempts_SaysItFailed()
    {
        var error = Failed();

        Assert.Null(error.Cause);
        Assert.Null(error.ErrorCode);
        Assert.Equal("The user record failed.", error.Message);
    }

    private static Attempt Attempt(string code, string message) => new(DateTimeOffset.UnixEpoch, TimeSpan.Zero, TimeSpan.Zero, code, message, IsSuccessful: false);

    private static UserRecordFailedException Failed(params Attempt[] attempts) =>
        new(new UserRecordResult(new KinesisRecordOutcome(null, null, attempts, isAggregated: false), 0));
}
