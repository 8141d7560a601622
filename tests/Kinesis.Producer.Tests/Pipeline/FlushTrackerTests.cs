using Kinesis.Producer.Pipeline;
using Kinesis.Testing;

namespace Kinesis.Producer.Tests.Pipeline;

public sealed class FlushTrackerTests
{
    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task CloseCurrent_NothingSubmitted_CompletesAtOnce()
    {
        var tracker = new FlushTracker();
        await tracker.CloseCurrentAsync();
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task CloseCurrent_WaitsForEarlierRecordsOnly()
    {
        var tracker = new FlushTracker();
        var before = tracker.Join();

        var flush = tracker.CloseCurrentAsync();
        var after = tracker.Join();
        Assert.False(flush.IsCompleted);

        before.Resolve(1);
        await flush;

        // A record submitted after the flush does not hold it up, but does hold up the next one.
        var next = tracker.CloseCurrentAsync();
        Assert.False(next.IsCompleted);
        after.Resolve(1);
        await next;
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task CloseCurrent_LaterFlushWaitsForEarlierEpochs()
    {
        var tracker = new FlushTracker();
        var first = tracker.Join();
        var flush1 = tracker.CloseCurrentAsync();
        var flush2 = tracker.CloseCurrentAsync();

        Assert.False(flush2.IsCompleted);
        first.Resolve(1);
        await Task.WhenAll(flush1, flush2);
    }
}
