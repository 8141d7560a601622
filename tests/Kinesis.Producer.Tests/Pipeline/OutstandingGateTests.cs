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
    public async Task EnterAsync_WhenFull_WaitsUntilExit()
    {
        var gate = new OutstandingGate(maxRecords: 1, maxBytes: 1000);
        Assert.True(gate.TryEnter(1));

        var waiting = gate.EnterAsync(1, CancellationToken.None).AsTask();
        await Task.Delay(50);
        Assert.False(waiting.IsCompleted);

        gate.Exit(1);
        await waiting;
        Assert.Equal(1, gate.Records);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task EnterAsync_Cancelled_ThrowsAndDoesNotCount()
    {
        var gate = new OutstandingGate(maxRecords: 1, maxBytes: 1000);
        Assert.True(gate.TryEnter(1));
        using var cancel = new CancellationTokenSource();

        var waiting = gate.EnterAsync(1, cancel.Token).AsTask();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.Equal(1, gate.Records);
    }
}
