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
        var admitted = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        gate.SetHandlers(r => admitted.SetResult(r.PartitionKey), (_, _) => admitted.SetCanceled());

        gate.Enqueue(Record("waiting", 1), CancellationToken.None);
        await Task.Delay(50);
        Assert.False(admitted.Task.IsCompleted);

        gate.Exit(1, 1);
        Assert.Equal("waiting", await admitted.Task);
        Assert.Equal(1, gate.Records);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task Enqueue_ManyWaiters_AdmittedInOrderAndNewcomersQueueBehind()
    {
        var gate = new OutstandingGate(maxRecords: 1, maxBytes: 1000);
        Assert.True(gate.TryEnter(1));
        var order = new List<string>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        gate.SetHandlers(
            r =>
            {
                lock (order)
                {
                    order.Add(r.PartitionKey);
                }

                gate.Exit(1, r.AccountedBytes);
                if (r.PartitionKey == "4")
                {
                    all.SetResult();
                }
            },
            (_, _) => { });
        for (var i = 0; i < 5; i++)
        {
            gate.Enqueue(Record($"{i}", 1), CancellationToken.None);
        }

        // While others wait, the lock-free path is closed even when there is room.
        Assert.False(gate.TryEnter(1));
        gate.Exit(1, 1);
        await all.Task;

        Assert.Equal(["0", "1", "2", "3", "4"], order);
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
        gate.SetHandlers(_ => outcome.TrySetResult("admitted"), (_, token) => outcome.TrySetResult(token == cancel.Token ? "cancelled" : "another token"));

        gate.Enqueue(Record("waiting", 1), cancel.Token);
        await cancel.CancelAsync();

        Assert.Equal("cancelled", await outcome.Task);
        Assert.Equal(1, gate.Records);
        gate.Exit(1, 1);
        await Eventually.HoldsAsync(() => gate.TryEnter(1), TimeSpan.FromSeconds(5), "the fast path to reopen");
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task Enqueue_ThousandsAcrossChunksSomeCancelled_AdmitsTheRestInOrderWithinTheBounds()
    {
        const int Waiters = (OutstandingGate.ChunkSize * 5) + 17;
        var gate = new OutstandingGate(maxRecords: 10, maxBytes: 35);
        var admitted = new List<string>();
        var cancelled = new List<string>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var peakRecords = 0L;
        var peakBytes = 0L;
        void Finished()
        {
            if (admitted.Count + cancelled.Count == Waiters)
            {
                done.TrySetResult();
            }
        }

        gate.SetHandlers(
            r =>
            {
                lock (admitted)
                {
                    admitted.Add(r.PartitionKey);
                    peakRecords = Math.Max(peakRecords, gate.Records);
                    peakBytes = Math.Max(peakBytes, gate.Bytes);
                    Finished();
                }

                // Resolved at once, from another thread, as a completion would.
                ThreadPool.QueueUserWorkItem(_ => gate.Exit(1, r.AccountedBytes));
            },
            (r, _) =>
            {
                lock (admitted)
                {
                    cancelled.Add(r.PartitionKey);
                    Finished();
                }
            });
        Assert.True(gate.TryEnter(35));
        using var cancel = new CancellationTokenSource();
        using var never = new CancellationTokenSource();
        for (var i = 0; i < Waiters; i++)
        {
            var token = i % 7 == 3 ? cancel.Token : i % 7 == 5 ? never.Token : CancellationToken.None;
            gate.Enqueue(Record($"{i:D5}", 1 + (i % 4)), token);
        }

        await cancel.CancelAsync();
        gate.Exit(1, 35);
        await done.Task;

        var expectedAdmitted = Enumerable.Range(0, Waiters).Where(i => i % 7 != 3).Select(i => $"{i:D5}").ToList();
        Assert.Equal(expectedAdmitted, admitted);
        Assert.Equal(Enumerable.Range(0, Waiters).Count(i => i % 7 == 3), cancelled.Count);
        Assert.InRange(peakRecords, 1, 10);
        Assert.InRange(peakBytes, 1, 35);
        await Eventually.HoldsAsync(() => gate.Records == 0 && gate.TryEnter(1), TimeSpan.FromSeconds(5), "every admitted record resolved and the fast path open");
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task Drain_AdmittedHandlerThrows_RecordGoesToFailureHandlerAndTheRestAreHandedOn()
    {
        // A throwing hand-on is a bug in the producer; before, it escaped the drain's work item and ended the process,
        // and the records queued behind it were never handed on.
        var gate = new OutstandingGate(maxRecords: 1, maxBytes: 1000);
        Assert.True(gate.TryEnter(1));
        var handedOn = new List<string>();
        var failed = new TaskCompletionSource<(string Key, Exception Error)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var last = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        gate.SetHandlers(
            r =>
            {
                if (r.PartitionKey == "bad")
                {
                    throw new InvalidOperationException("routing bug");
                }

                lock (handedOn)
                {
                    handedOn.Add(r.PartitionKey);
                }

                gate.Exit(1, r.AccountedBytes);
                if (r.PartitionKey == "after")
                {
                    last.SetResult();
                }
            },
            (_, _) => { },
            (r, ex) =>
            {
                // The failed record still holds its room; the producer's handler resolves it (here: returns the room).
                gate.Exit(1, r.AccountedBytes);
                failed.SetResult((r.PartitionKey, ex));
            });

        gate.Enqueue(Record("before", 1), CancellationToken.None);
        gate.Enqueue(Record("bad", 1), CancellationToken.None);
        gate.Enqueue(Record("after", 1), CancellationToken.None);
        gate.Exit(1, 1);

        var (key, error) = await failed.Task;
        await last.Task;
        Assert.Equal("bad", key);
        Assert.Equal("routing bug", error.Message);
        Assert.Equal(["before", "after"], handedOn);
        Assert.Equal(0, gate.Records);
    }

    private static UserRecord Record(string key, int accountedBytes) =>
        new(null!, key, null, new byte[1], accountedBytes, 100, new FlushTracker().Join());
}
