namespace Kinesis.Agent.Tailing;

/// <summary>
/// Decides when a repeated event (a record failed, a record filtered out) is logged: the first at once, then at most
/// once per interval with the count since the last report, and whatever is left when asked to (at stop), so a flood
/// of events makes a few log lines and none is left out of them.
/// </summary>
internal sealed class IntervalReport
{
    private readonly TimeProvider time;
    private readonly TimeSpan interval;
    private long lastReport;
    private long reported;
    private bool anyReported;

    public IntervalReport(TimeProvider time, TimeSpan interval)
    {
        this.time = time;
        this.interval = interval;
    }

    /// <summary>Whether to log now, given <paramref name="total"/> events so far; <paramref name="count"/> is how many the line reports.</summary>
    public bool ShouldReport(long total, bool force, out long count)
    {
        count = total - reported;
        if (count <= 0)
        {
            return false;
        }

        var now = time.GetTimestamp();
        if (!force && anyReported && time.GetElapsedTime(lastReport, now) < interval)
        {
            return false;
        }

        reported = total;
        lastReport = now;
        anyReported = true;
        return true;
    }
}
