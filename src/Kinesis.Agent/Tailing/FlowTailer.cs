using System.Text;
using System.Text.RegularExpressions;
using Kinesis.Agent.Checkpoints;
using Kinesis.Agent.Configuration;
using Kinesis.Agent.Metrics;
using Kinesis.Agent.Sending;
using Kinesis.Producer;
using Microsoft.Extensions.Logging;

namespace Kinesis.Agent.Tailing;

/// <summary>
/// One flow's loop body: refresh the followed files, read each to its end (complete lines only; a partial line after
/// its timeout, or at once when the file has left the pattern), send the lines, advance each file's acknowledged
/// offset. Reading pauses while the flow's records in flight reach its window (backpressure).
/// </summary>
internal sealed class FlowTailer : IDisposable
{
    /// <summary>The largest record data: 1 MiB less room for the partition key.</summary>
    internal const int MaxRecordBytes = (1024 * 1024) - 256;

    private const int ReadBufferSize = 64 * 1024;
    private static readonly TimeSpan ReportInterval = TimeSpan.FromSeconds(10);

    private readonly FlowConfiguration flow;
    private readonly IKinesisProducer producer;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly RecordBuilder builder;
    private readonly FileFooter? footer;
    private readonly FileTracker tracker;
    private readonly int windowRecords;
    private readonly long windowBytes;
    private readonly byte[] buffer = new byte[ReadBufferSize];
    private readonly Action<TrackedFile, long, Exception> onFailed;
    private readonly Action<int> onSent;
    private readonly IntervalReport failureReport;
    private readonly IntervalReport skipReport;
    private (string Path, long Offset, Exception Exception)? lastFailure;
    private (string Path, long Offset, byte[] Data)? lastSkipped;

    public FlowTailer(FlowConfiguration flow, IKinesisProducer producer, int windowRecords, long windowBytes, TimeProvider time, ILogger logger)
    {
        this.flow = flow;
        this.producer = producer;
        this.windowRecords = windowRecords;
        this.windowBytes = windowBytes;
        this.time = time;
        this.logger = logger;
        builder = new RecordBuilder(flow, time);
        footer = flow.FileFooterPattern is { } footerPattern ? new FileFooter(footerPattern) : null;
        failureReport = new IntervalReport(time, ReportInterval);
        skipReport = new IntervalReport(time, ReportInterval);
        var terminator = Encoding.UTF8.GetBytes(flow.TruncatedRecordTerminator);
        var startPattern = flow.MultiLineStartPattern is { } pattern ? LineSplitter.StartPattern(pattern) : null;
        tracker = new FileTracker(flow, skip => new LineSplitter(MaxRecordBytes, terminator, skip, startPattern), logger);
        Statistics = new FlowStatistics(flow.Id, flow.KinesisStream);
        onFailed = (file, offset, exception) =>
        {
            Statistics.Failed();
            lastFailure = (file.Path, offset, exception);
            ReportFailures(force: false);
        };
        onSent = Statistics.Sent;
    }

    public FlowConfiguration Flow => flow;

    /// <summary>The flow's running totals (records parsed, sent, failed, skipped; bytes; each file's lag), for metrics.</summary>
    public FlowStatistics Statistics { get; }

    /// <summary>The checkpoints after the last poll, for the checkpoint writer (replaced whole, never mutated).</summary>
    public IReadOnlyList<FileCheckpoint> Checkpoints { get; private set; } = [];

    public void Restore(IEnumerable<FileCheckpoint> checkpoints) => tracker.Restore(checkpoints);

    public async Task PollAsync(CancellationToken cancellationToken)
    {
        tracker.Refresh();
        foreach (var file in tracker.Files.ToArray())
        {
            await ReadAsync(file, cancellationToken).ConfigureAwait(false);
        }

        Acknowledge();
    }

    /// <summary>
    /// Advances acknowledged offsets, finishes drained files that left the pattern, publishes checkpoints, and logs
    /// failed and filtered records not yet reported (all of them when <paramref name="final"/>).
    /// </summary>
    public void Acknowledge(bool final = false)
    {
        foreach (var file in tracker.Files.ToArray())
        {
            file.Advance(onFailed, onSent);
            if (!file.Present && !file.Splitter.HasPartial && file.Lines.Count == 0 && file.Unacknowledged == 0 && IsDrained(file))
            {
                tracker.Finish(file);
            }
        }

        var lags = new (string Path, long Lag)[tracker.Files.Count];
        for (var i = 0; i < lags.Length; i++)
        {
            var file = tracker.Files[i];
            if (file.AcknowledgedOffset != file.CheckpointUpdatedOffset)
            {
                file.CheckpointUpdated = time.GetUtcNow();
                file.CheckpointUpdatedOffset = file.AcknowledgedOffset;
            }

            lags[i] = (file.Path, Math.Max(0, LengthOf(file) - file.AcknowledgedOffset));
        }

        Statistics.FileLags = lags;
        Checkpoints = tracker.Checkpoints().ToArray();
        ReportFailures(final);
        ReportSkips(final);
    }

    /// <summary>Completes when every record in flight is resolved (the producer resolves them on the thread pool, shortly after it is disposed).</summary>
    public Task ResolvedAsync()
    {
        var tasks = tracker.Files.SelectMany(f => f.InFlight()).ToArray();
        return Task.WhenAll(tasks).ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    public void Dispose() => tracker.Dispose();

    private static long LengthOf(TrackedFile file)
    {
        try
        {
            return file.Handle is null ? file.ReadOffset : RandomAccess.GetLength(file.Handle);
        }
        catch (IOException)
        {
            return file.ReadOffset;
        }
    }

    private static bool IsDrained(TrackedFile file)
    {
        try
        {
            return file.Handle is null || file.ReadOffset >= RandomAccess.GetLength(file.Handle);
        }
        catch (IOException)
        {
            return true;
        }
    }

    private async Task ReadAsync(TrackedFile file, CancellationToken cancellationToken)
    {
        if (file.Handle is null)
        {
            return;
        }

        await SendAsync(file, cancellationToken).ConfigureAwait(false);
        var grew = false;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var read = RandomAccess.Read(file.Handle, buffer, file.ReadOffset);
            if (read == 0)
            {
                break;
            }

            grew = true;
            Statistics.Read(read);
            file.ReadOffset += read;
            var truncatedBefore = file.Splitter.TruncatedLines;
            file.Splitter.Feed(buffer.AsSpan(0, read), file.ReadOffset, file.Lines);
            if (file.Splitter.TruncatedLines != truncatedBefore)
            {
                AgentLog.LineTruncated(logger, flow.Id, file.Path, file.ReadOffset);
            }

            if (!file.Fingerprint.IsComplete && file.ReadOffset > file.Fingerprint.Length)
            {
                file.Fingerprint = Fingerprint.Read(file.Handle, (int)Math.Min(file.ReadOffset, Fingerprint.MaxLength)) ?? file.Fingerprint;
            }

            await SendAsync(file, cancellationToken).ConfigureAwait(false);
        }

        var now = time.GetTimestamp();
        if (grew)
        {
            file.PartialSince = now;
        }

        if (file.Splitter.HasPartial && (!file.Present || time.GetElapsedTime(file.PartialSince, now) >= flow.PartialLineTimeout))
        {
            file.Splitter.FlushPartial(file.ReadOffset, file.Lines);
            await SendAsync(file, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task SendAsync(TrackedFile file, CancellationToken cancellationToken)
    {
        var sentCount = 0;
        try
        {
            foreach (var line in file.Lines)
            {
                if (IsAfterFooter(file, line))
                {
                    Statistics.Skipped();
                    file.Skipped(line.EndOffset);
                    sentCount++;
                    continue;
                }

                var data = builder.Process(line.Data, out var error);
                if (error is not null)
                {
                    Statistics.ProcessingFailed();
                    AgentLog.ProcessingFailed(logger, flow.Id, file.Path, line.EndOffset, error);
                }

                if (data is null)
                {
                    Statistics.Skipped();
                    lastSkipped = (file.Path, line.EndOffset, line.Data);
                    ReportSkips(force: false);
                    file.Skipped(line.EndOffset);
                    sentCount++;
                    continue;
                }

                await WaitForRoomAsync(cancellationToken).ConfigureAwait(false);

                // Not cancellable: a record given up at stop would look failed and let the checkpoint pass it.
                var sent = producer.PutAsync(flow.KinesisStream, builder.PartitionKey(data), data);
                file.Sent(line.EndOffset, data.Length, sent);
                sentCount++;
            }
        }
        finally
        {
            // What was not handed over stays with the file for the next poll.
            file.Lines.RemoveRange(0, sentCount);
            Statistics.Parsed(sentCount);
        }
    }

    // As the Java agent, a footer ends the file: the footer and what follows it are not sent, but counted as skipped and
    // passed by the checkpoint. (Java also drops the rest of its read buffer, then goes on with data written later;
    // here the whole rest of the file is left out, so the result does not depend on read sizes.)
    private bool IsAfterFooter(TrackedFile file, LineRecord line)
    {
        if (footer is null)
        {
            return false;
        }

        if (file.FooterReached)
        {
            return true;
        }

        try
        {
            if (!footer.Matches(line.Data))
            {
                return false;
            }
        }
        catch (RegexMatchTimeoutException ex)
        {
            Statistics.ProcessingFailed();
            AgentLog.ProcessingFailed(logger, flow.Id, file.Path, line.EndOffset, ex);
            return false;
        }

        file.FooterReached = true;
        AgentLog.FooterReached(logger, flow.Id, file.Path, line.EndOffset);
        return true;
    }

    // An outage longer than the records' time-to-live fails every record, and a wrong logFormat filters every line:
    // one log line each would flood the log, so both are reported through IntervalReport with their counts.
    private void ReportFailures(bool force)
    {
        if (lastFailure is { } last && failureReport.ShouldReport(Statistics.RecordsFailed, force, out var count))
        {
            AgentLog.RecordFailed(logger, flow.Id, count, last.Path, last.Offset, last.Exception);
        }
    }

    private void ReportSkips(bool force)
    {
        if (lastSkipped is { } last && skipReport.ShouldReport(Statistics.RecordsSkipped, force, out var count))
        {
            AgentLog.RecordsSkipped(logger, flow.Id, count, last.Path, last.Offset, Excerpt(last.Data));
        }
    }

    private static string Excerpt(byte[] data)
    {
        var text = Encoding.UTF8.GetString(data, 0, Math.Min(data.Length, 200)).TrimEnd('\n');
        return data.Length > 200 ? text + "…" : text;
    }

    // Backpressure: while the flow's records in flight fill its window, wait for the oldest to resolve.
    private async Task WaitForRoomAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            long records = 0, bytes = 0;
            Task? oldest = null;
            foreach (var file in tracker.Files)
            {
                file.Advance(onFailed, onSent);
                records += file.Unacknowledged;
                bytes += file.UnacknowledgedBytes;
                oldest ??= file.Oldest;
            }

            if ((records < windowRecords && bytes < windowBytes) || oldest is null)
            {
                return;
            }

            await Task.WhenAny(oldest).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
