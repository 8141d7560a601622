using Microsoft.Extensions.Logging;

namespace Kinesis.Agent;

/// <summary>The agent's log events (5001-5099).</summary>
internal static partial class AgentLog
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "Configuration: {Warning}")]
    public static partial void ConfigurationWarning(ILogger logger, string warning);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "Flow {Flow}: started file {Path} at offset {Offset}.")]
    public static partial void FileStarted(ILogger logger, string flow, string path, long offset);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Information, Message = "Flow {Flow}: file {OldPath} was renamed to {NewPath} (rotation); it is read to its end.")]
    public static partial void FileRenamed(ILogger logger, string flow, string oldPath, string newPath);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Information, Message = "Flow {Flow}: file {Path} was truncated or replaced at offset {Offset}; reading again from its start.")]
    public static partial void FileTruncated(ILogger logger, string flow, string path, long offset);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Information, Message = "Flow {Flow}: file {Path} is a copy of {Source} (copytruncate rotation); it is read from offset {Offset}, not again from its start.")]
    public static partial void FileCopied(ILogger logger, string flow, string path, string source, long offset);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Information, Message = "Flow {Flow}: finished file {Path} at offset {Offset} (it no longer matches the pattern or was deleted).")]
    public static partial void FileFinished(ILogger logger, string flow, string path, long offset);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Error, Message = "Flow {Flow}: {Count} record(s) could not be sent and were given up since the last report; the last from {Path} ending at offset {Offset}.")]
    public static partial void RecordFailed(ILogger logger, string flow, long count, string path, long offset, Exception exception);

    [LoggerMessage(EventId = 5008, Level = LogLevel.Error, Message = "Flow {Flow}: reading files failed; the flow retries at its next poll.")]
    public static partial void PollFailed(ILogger logger, string flow, Exception exception);

    [LoggerMessage(EventId = 5009, Level = LogLevel.Error, Message = "The checkpoint file {Path} cannot be read; it was moved to {Aside} and the agent starts without checkpoints.")]
    public static partial void CheckpointFileCorrupt(ILogger logger, string path, string aside, Exception exception);

    [LoggerMessage(EventId = 5010, Level = LogLevel.Error, Message = "Writing the checkpoint file {Path} failed; it is retried.")]
    public static partial void CheckpointWriteFailed(ILogger logger, string path, Exception exception);

    [LoggerMessage(EventId = 5011, Level = LogLevel.Warning, Message = "Flow {Flow}: a line in {Path} ending at offset {Offset} is longer than a record and was truncated.")]
    public static partial void LineTruncated(ILogger logger, string flow, string path, long offset);

    [LoggerMessage(EventId = 5012, Level = LogLevel.Information, Message = "Flow {Flow}: checkpointed file {Path} no longer exists; its checkpoint is dropped.")]
    public static partial void CheckpointedFileGone(ILogger logger, string flow, string path);

    [LoggerMessage(EventId = 5015, Level = LogLevel.Information, Message = "Dropped {Count} checkpoint(s) not updated for more than {Days} days (checkpointTimeToLiveDays); their files are treated as new.")]
    public static partial void CheckpointsExpired(ILogger logger, int count, double days);

    [LoggerMessage(EventId = 5013, Level = LogLevel.Warning, Message = "Flow {Flow}: processing the record from {Path} ending at offset {Offset} failed; it is sent unconverted.")]
    public static partial void ProcessingFailed(ILogger logger, string flow, string path, long offset, Exception exception);

    [LoggerMessage(EventId = 5014, Level = LogLevel.Warning, Message = "Flow {Flow}: {Count} record(s) filtered out by processing since the last report (they do not match the log format); the last from {Path} ending at offset {Offset}: {Excerpt}")]
    public static partial void RecordsSkipped(ILogger logger, string flow, long count, string path, long offset, string excerpt);

    [LoggerMessage(EventId = 5016, Level = LogLevel.Information, Message = "Flow {Flow}: {Path} reached its footer (fileFooterPattern) at offset {Offset}; the rest of the file is not sent.")]
    public static partial void FooterReached(ILogger logger, string flow, string path, long offset);

    [LoggerMessage(EventId = 5017, Level = LogLevel.Error, Message = "Uploading the agent's metrics to {Endpoint} failed; the next interval tries again.")]
    public static partial void MetricsUploadFailed(ILogger logger, Uri endpoint, Exception exception);

    [LoggerMessage(EventId = 5018, Level = LogLevel.Information, Message = "The agent's metrics are uploaded to CloudWatch at {Endpoint}, namespace {Namespace}, every {Interval}.")]
    public static partial void MetricsUploadStarted(ILogger logger, Uri endpoint, string @namespace, TimeSpan interval);

    [LoggerMessage(EventId = 5019, Level = LogLevel.Information, Message = "cloudwatch.emitMetrics is on but kinesis.endpoint is a local address and no cloudwatch.endpoint is set: the agent's metrics are not uploaded.")]
    public static partial void MetricsUploadSkippedLocal(ILogger logger);
}
