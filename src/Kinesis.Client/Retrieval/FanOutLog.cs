using Microsoft.Extensions.Logging;

namespace Kinesis.Client.Retrieval;

/// <summary>Log events of enhanced fan-out retrieval (event ids 3040–3059, inside the consumer's 3000–3099).</summary>
internal static partial class FanOutLog
{
    [LoggerMessage(EventId = 3040, Level = LogLevel.Information, Message = "Stream consumer {ConsumerName} registered on {StreamArn}.")]
    public static partial void ConsumerRegistered(ILogger logger, string consumerName, string streamArn);

    [LoggerMessage(EventId = 3041, Level = LogLevel.Information, Message = "Stream consumer {ConsumerName} is ACTIVE: {ConsumerArn}.")]
    public static partial void ConsumerActive(ILogger logger, string consumerName, string consumerArn);

    [LoggerMessage(EventId = 3042, Level = LogLevel.Warning, Message = "Registering stream consumer {ConsumerName} failed ({ErrorCode}); retrying in {Delay}.")]
    public static partial void RegistrationRetry(ILogger logger, string consumerName, string errorCode, TimeSpan delay);

    [LoggerMessage(EventId = 3043, Level = LogLevel.Information, Message = "Stream consumer {ConsumerArn} deregistered.")]
    public static partial void ConsumerDeregistered(ILogger logger, string consumerArn);

    [LoggerMessage(EventId = 3044, Level = LogLevel.Error, Message = "Deregistering stream consumer {ConsumerName} failed.")]
    public static partial void DeregistrationFailed(ILogger logger, string consumerName, Exception exception);

    [LoggerMessage(EventId = 3045, Level = LogLevel.Debug, Message = "Shard {ShardId}: subscribed from {StartingPosition} {SequenceNumber}.")]
    public static partial void Subscribed(ILogger logger, string shardId, string startingPosition, string? sequenceNumber);

    [LoggerMessage(EventId = 3046, Level = LogLevel.Debug, Message = "Shard {ShardId}: the service ended the subscription after {Events} events; resubscribing after {SequenceNumber}.")]
    public static partial void SubscriptionCompleted(ILogger logger, string shardId, int events, string? sequenceNumber);

    [LoggerMessage(EventId = 3047, Level = LogLevel.Warning, Message = "Shard {ShardId}: no event for {Silence}; the subscription is cancelled and restarted after {SequenceNumber}.")]
    public static partial void SubscriptionSilent(ILogger logger, string shardId, TimeSpan silence, string? sequenceNumber);

    [LoggerMessage(EventId = 3048, Level = LogLevel.Warning, Message = "Shard {ShardId}: subscription failed ({ErrorCode}, {Consecutive} in a row); resubscribing in {Delay}.")]
    public static partial void SubscriptionFailed(ILogger logger, string shardId, string errorCode, int consecutive, TimeSpan delay, Exception exception);

    [LoggerMessage(EventId = 3049, Level = LogLevel.Warning, Message = "Shard {ShardId}: the stream consumer was not found; looking it up (and registering it) again.")]
    public static partial void ConsumerNotFound(ILogger logger, string shardId);

    [LoggerMessage(EventId = 3050, Level = LogLevel.Information, Message = "Shard {ShardId} is closed and fully read (found with ListShards after {EmptyEvents} empty events); treated as the shard's end with {ChildCount} children.")]
    public static partial void ShardEndByListShards(ILogger logger, string shardId, int emptyEvents, int childCount);

    [LoggerMessage(EventId = 3051, Level = LogLevel.Warning, Message = "Shard {ShardId}: the shard-end check with ListShards failed; it is tried again later.")]
    public static partial void ShardEndCheckFailed(ILogger logger, string shardId, Exception exception);
}
