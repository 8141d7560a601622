using Kinesis.Agent.Tailing;
using Kinesis.Testing;

namespace Kinesis.Agent.Tests;

public sealed class IntervalReportTests
{
    [Fact]
    public void ShouldReport_FirstAtOnceThenOncePerIntervalWithTheCountSinceAndTheRestWhenForced()
    {
        var time = new ManualTimeProvider();
        var report = new IntervalReport(time, TimeSpan.FromSeconds(10));

        Assert.False(report.ShouldReport(0, force: false, out _));
        Assert.True(report.ShouldReport(1, force: false, out var first));
        Assert.Equal(1, first);

        // Within the interval: nothing, however many.
        Assert.False(report.ShouldReport(500, force: false, out _));
        time.Advance(TimeSpan.FromSeconds(9));
        Assert.False(report.ShouldReport(900, force: false, out _));

        // After it: one line with everything since the last.
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(report.ShouldReport(1000, force: false, out var second));
        Assert.Equal(999, second);

        // At stop: the rest at once; then nothing left.
        Assert.True(report.ShouldReport(1004, force: true, out var rest));
        Assert.Equal(4, rest);
        Assert.False(report.ShouldReport(1004, force: true, out _));
    }
}
