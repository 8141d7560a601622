using Microsoft.Extensions.Logging;

namespace Kinesis.Core.Metrics;

/// <summary>Log events of the metrics sinks (event ids 1500–1599).</summary>
internal static partial class MetricsLog
{
    [LoggerMessage(EventId = 1500, Level = LogLevel.Warning, Message = "PutMetricData to {Endpoint} failed; retry {Retry} in {Delay}.")]
    public static partial void UploadRetry(ILogger logger, Uri endpoint, int retry, TimeSpan delay, Exception exception);

    [LoggerMessage(EventId = 1501, Level = LogLevel.Error, Message = "Dropped {DatumCount} metric datums of namespace {Namespace}: the upload to {Endpoint} failed.")]
    public static partial void UploadDropped(ILogger logger, int datumCount, string @namespace, Uri endpoint, Exception exception);

    [LoggerMessage(EventId = 1502, Level = LogLevel.Warning, Message = "Metrics of namespace {Namespace}: {DroppedSamples} samples dropped so far because the series limit ({MaxSeries}) was reached.")]
    public static partial void SeriesLimitReached(ILogger logger, string @namespace, long droppedSamples, int maxSeries);

    [LoggerMessage(EventId = 1503, Level = LogLevel.Error, Message = "An observable metric callback threw; the observation was skipped.")]
    public static partial void GaugeCallbackFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1504, Level = LogLevel.Error, Message = "Emitting the metrics of namespace {Namespace} failed; the next interval continues.")]
    public static partial void EmitFailed(ILogger logger, string @namespace, Exception exception);

    [LoggerMessage(EventId = 1505, Level = LogLevel.Warning, Message = "Metrics of namespace {Namespace}: {RejectedSamples} NaN or infinite samples ignored so far.")]
    public static partial void NonFiniteSamples(ILogger logger, string @namespace, long rejectedSamples);

    [LoggerMessage(EventId = 1506, Level = LogLevel.Warning, Message = "Metrics of namespace {Namespace}: the final flush did not finish within {Timeout}; the rest was dropped.")]
    public static partial void ShutdownIncomplete(ILogger logger, string @namespace, TimeSpan timeout);
}
