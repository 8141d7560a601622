using Kinesis.Producer.Pipeline;
using Kinesis.Testing;

namespace Kinesis.Producer.Tests.Pipeline;

public sealed class OutstandingGateTests
{
    [Fact]
    public void TryEnter_AtRecordBound_RefusesAndLeavesCountsUnchanged()
    {
        var gate = new OutstandingGate(maxRecords: 2, maxBytes: 1000);

        Assert.True(gate.TryEnter(10));
        Assert.True(gate.TryEnter(10));
        Assert.False(gate.TryEnter(10));

        Assert.Equal(2, gate.Records);
        Assert.Equal(20, gate.Bytes);
    }

    [Fact]
    public void TryEnter_AtByteBound_Refuses()
    {
        var gate = new OutstandingGate(maxRecords: 100, maxBytes: 100);

        Assert.True(gate.TryEnter(60));
        Assert.False(gate.TryEnter(41));
        Assert.True(gate.TryEnter(40));
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task Enqueue_WhenFull_AdmitsOnlyAfterExit()
    {
        var gate = new OutstandingGate(maxRecords: 1, maxBytes: 1000);
        Assert.True(gate.TryEnter(1));
        var admitted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        gate.Enqueue(1, () => admitted.SetResult(), () => admitted.SetCanceled(), CancellationToken.None);
        await Task.Delay(50);
        Assert.False(admitted.Task.IsCompleted);

        gate.Exit(1, 1);
        await admitted.Task;
        Assert.Equal(1, gate.Records);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task Enqueue_ManyWaiters_AdmittedInOrderAndNewcomersQueueBehind()
    {
        var gate = new OutstandingGate(maxRecords: 1, maxBytes: 1000);
        Assert.True(gate.TryEnter(1));
        var order = new List<int>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        for (var i = 0; i < 5; i++)
        {
            var n = i;
            gate.Enqueue(1, () => { lock (order) { order.Add(n); } gate.Exit(1, 1); if (n == 4) { all.SetResult(); } }, () => { }, CancellationToken.None);
        }

        // While others wait, the lock-free path is closed even when there is room.
        Assert.False(gate.TryEnter(1));
        gate.Exit(1, 1);
        await all.Task;

        Assert.Equal([0, 1, 2, 3, 4], order);
        Assert.Equal(0, gate.Records);
        await Eventually.HoldsAsync(() => gate.TryEnter(1), TimeSpan.FromSeconds(5), "the fast path to reopen");
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task Enqueue_Cancelled_RunsCancelledAndDoesNotCount()
    {
        var gate = new OutstandingGate(maxRecords: 1, maxBytes: 1000);
        Assert.True(gate.TryEnter(1));
        using var cancel = new CancellationTokenSource();
        var outcome = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);

        gate.Enqueue(1, () => outcome.TrySetResult("admitted"), () => outcome.TrySetResult("cancelled"), cancel.Token);
        await cancel.CancelAsync();

        Assert.Equal("cancelled", await outcome.Task);
        Assert.Equal(1, gate.Records);
        gate.Exit(1, 1);
        await Eventually.HoldsAsync(() => gate.TryEnter(1), TimeSpan.FromSeconds(5), "the fast path to reopen");
    }
}
