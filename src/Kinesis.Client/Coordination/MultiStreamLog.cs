using Microsoft.Extensions.Logging;

namespace Kinesis.Client.Coordination;

/// <summary>The consumer's log events about the streams of a multi-stream consumer (in the 3000–3099 range of <see cref="Diagnostics.ConsumerLog"/>).</summary>
internal static partial class MultiStreamLog
{
    [LoggerMessage(EventId = 3060, Level = LogLevel.Information, Message = "Stream {Stream} ({StreamIdentifier}) is read by this worker.")]
    public static partial void StreamAdded(ILogger logger, string stream, string streamIdentifier);

    [LoggerMessage(EventId = 3061, Level = LogLevel.Warning, Message = "Stream {StreamIdentifier} has leases but is not in the stream list; its leases are deleted at {DeleteAt:o} unless it comes back.")]
    public static partial void StreamPendingDeletion(ILogger logger, string streamIdentifier, DateTimeOffset deleteAt);

    [LoggerMessage(EventId = 3062, Level = LogLevel.Error, Message = "Evaluating the stream list or describing stream {Stream} failed; the previous list stays and it is tried again at the next stream sync.")]
    public static partial void StreamListFailed(ILogger logger, string stream, Exception exception);

    [LoggerMessage(EventId = 3063, Level = LogLevel.Warning, Message = "Deleted the {Count} leases of former stream {StreamIdentifier}.")]
    public static partial void FormerStreamLeasesDeleted(ILogger logger, string streamIdentifier, int count);

    [LoggerMessage(EventId = 3064, Level = LogLevel.Error, Message = "The stream sync of the multi-stream consumer failed; it runs again at the next interval.")]
    public static partial void StreamSyncFailed(ILogger logger, Exception exception);
}
