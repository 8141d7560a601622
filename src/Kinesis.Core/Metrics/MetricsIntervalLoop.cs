using Microsoft.Extensions.Logging;

namespace Kinesis.Core.Metrics;

/// <summary>
/// Drives a <see cref="MetricAggregator"/>: samples the gauges every <see cref="GaugeSampleInterval"/>, and at every
/// interval collects the statistic sets and hands them to a sink (CloudWatch, EMF). One emission at a time; a failed
/// emission is logged and the loop goes on. Disposal stops the loop and emits what is left within a deadline.
/// </summary>
internal sealed class MetricsIntervalLoop
{
    /// <summary>How often gauges are sampled (the KPL samples UserRecordsPending every 200 ms; once a second is enough for a minute's statistics).</summary>
    internal static readonly TimeSpan GaugeSampleInterval = TimeSpan.FromSeconds(1);

    private readonly MetricAggregator aggregator;
    private readonly TimeSpan interval;
    private readonly TimeProvider time;
    private readonly Func<List<MetricDatum>, CancellationToken, Task> emit;
    private readonly ILogger logger;
    private readonly string metricsNamespace;
    private readonly int maxSeries;
    private readonly SemaphoreSlim emitGate = new(1, 1);
    private readonly CancellationTokenSource stopping = new();
    private readonly CancellationTokenSource uploadDeadline = new();
    private readonly ITimer gaugeTimer;
    private readonly Task loop;
    private long reportedDrops;
    private long reportedRejects;
    private int disposed;

    public MetricsIntervalLoop(
        MetricAggregator aggregator,
        TimeSpan interval,
        TimeProvider time,
        Func<List<MetricDatum>, CancellationToken, Task> emit,
        ILogger logger,
        string metricsNamespace,
        int maxSeries)
    {
        this.aggregator = aggregator;
        this.interval = interval;
        this.time = time;
        this.emit = emit;
        this.logger = logger;
        this.metricsNamespace = metricsNamespace;
        this.maxSeries = maxSeries;
        gaugeTimer = time.CreateTimer(static state => ((MetricsIntervalLoop)state!).SampleGauges(), this, GaugeSampleInterval, GaugeSampleInterval);
        loop = Task.Run(RunAsync);
    }

    /// <summary>Collects the current interval now and emits it.</summary>
    public Task FlushAsync(CancellationToken cancellationToken) => FlushAsync(cancellationToken, final: false);

    /// <summary>
    /// Collects and emits. The final flush takes a free gate even when the deadline has passed already (a slow stop of the
    /// loop can use it up), so what is left is still collected and the sink counts it as dropped rather than it vanishing.
    /// </summary>
    private async Task FlushAsync(CancellationToken cancellationToken, bool final)
    {
        if (!final || !emitGate.Wait(0))
        {
            await emitGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            SampleGauges();
            ReportLosses();
            var datums = aggregator.Collect(time.GetUtcNow());
            if (datums.Count > 0)
            {
                await emit(datums, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            emitGate.Release();
        }
    }

    /// <summary>Stops the loop and emits what is left (an emission in flight may finish), giving up after <paramref name="timeout"/>.</summary>
    public async ValueTask DisposeAsync(TimeSpan timeout)
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        await gaugeTimer.DisposeAsync().ConfigureAwait(false);
        uploadDeadline.CancelAfter(timeout);
        await stopping.CancelAsync().ConfigureAwait(false);
        await loop.ConfigureAwait(false);
        try
        {
            await FlushAsync(uploadDeadline.Token, final: true).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The sink has counted and logged what it dropped.
            MetricsLog.ShutdownIncomplete(logger, metricsNamespace, timeout);
        }
        catch (Exception e)
        {
            MetricsLog.EmitFailed(logger, metricsNamespace, e);
        }

        aggregator.Dispose();
        stopping.Dispose();
        uploadDeadline.Dispose();
        emitGate.Dispose();
    }

    private async Task RunAsync()
    {
        while (true)
        {
            try
            {
                await Task.Delay(interval, time, stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                // Not the stop token: an upload under way when disposal starts may finish within the shutdown deadline.
                await FlushAsync(uploadDeadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (uploadDeadline.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                MetricsLog.EmitFailed(logger, metricsNamespace, e);
            }
        }
    }

    private void SampleGauges()
    {
        try
        {
            aggregator.ObserveGauges();
        }
        catch (Exception e)
        {
            MetricsLog.GaugeCallbackFailed(logger, e);
        }
    }

    private void ReportLosses()
    {
        var dropped = aggregator.DroppedSamples;
        if (dropped != reportedDrops)
        {
            reportedDrops = dropped;
            MetricsLog.SeriesLimitReached(logger, metricsNamespace, dropped, maxSeries);
        }

        var rejected = aggregator.RejectedSamples;
        if (rejected != reportedRejects)
        {
            reportedRejects = rejected;
            MetricsLog.NonFiniteSamples(logger, metricsNamespace, rejected);
        }
    }
}
