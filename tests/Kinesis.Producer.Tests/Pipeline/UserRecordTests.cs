using Kinesis.Producer.Pipeline;
using Kinesis.Testing;

namespace Kinesis.Producer.Tests.Pipeline;

public sealed class UserRecordTests
{
    [Fact]
    public void Rent_AfterReturn_ReusesTheArrayCleared()
    {
        var pool = new UserRecordArrayPool(maxPooledRecords: 1000);
        var array = pool.Rent(20);
        Assert.Equal(32, array.Length);
        array[3] = NewRecord("key");

        pool.Return(array, used: 4);

        var again = pool.Rent(17);
        Assert.Same(array, again);
        Assert.All(again, slot => Assert.Null(slot.PartitionKey));
    }

    [Fact]
    public void Return_ClearedArray_KeepsNoTaskAlive()
    {
        var pool = new UserRecordArrayPool(maxPooledRecords: 1000);
        var array = pool.Rent(1);
        var task = StoreCompletedRecord(array);

        pool.Return(array, used: 1);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.False(task.IsAlive, "a pooled array still holds a completed record's task");
    }

    [Fact]
    public void Return_BeyondTheBound_DropsTheArray()
    {
        var pool = new UserRecordArrayPool(maxPooledRecords: 40);
        var first = pool.Rent(16);
        var second = pool.Rent(16);
        var third = pool.Rent(16);
        pool.Return(first, 0);
        pool.Return(second, 0);
        pool.Return(third, 0);

        // 32 slots wait; a third array of 16 would pass 40.
        Assert.Same(first, pool.Rent(16));
        Assert.Same(second, pool.Rent(16));
        Assert.NotSame(third, pool.Rent(16));
    }

    [Fact]
    public void Return_TheBoundCountsEverySizeTogether()
    {
        var pool = new UserRecordArrayPool(maxPooledRecords: 40);
        var sixteen = pool.Rent(16);
        var thirtyTwo = pool.Rent(32);
        pool.Return(sixteen, 0);
        pool.Return(thirtyTwo, 0);

        Assert.NotSame(thirtyTwo, pool.Rent(32));
        Assert.Same(sixteen, pool.Rent(16));

        // Renting took the sixteen out, so there is room again.
        pool.Return(thirtyTwo, 0);
        Assert.Same(thirtyTwo, pool.Rent(32));
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 4)]
    [InlineData(400, 512)]
    [InlineData(1 << 20, 1 << 20)]
    public void Rent_RoundsUpToAPowerOfTwo(int minimum, int length)
    {
        Assert.Equal(length, new UserRecordArrayPool(maxPooledRecords: 1000).Rent(minimum).Length);
    }

    [Fact]
    public void Rent_LargerThanTheLargestSize_GivesAnExactArrayNeverPooled()
    {
        var pool = new UserRecordArrayPool(maxPooledRecords: int.MaxValue);
        var huge = pool.Rent((1 << 20) + 3);
        Assert.Equal((1 << 20) + 3, huge.Length);
        pool.Return(huge, 0);
        Assert.NotSame(huge, pool.Rent((1 << 20) + 3));
    }

    [Fact]
    public void Records_EachGetsItsOwnTask_ASecondCompletionIsRefused()
    {
        var first = NewRecord("a");
        var copy = first;
        var second = NewRecord("b");

        Assert.Same(first.Task, copy.Task);
        Assert.NotSame(first.Task, second.Task);
        Assert.True(first.TrySucceed(default));
        Assert.False(copy.TrySucceed(default));
        Assert.False(copy.TryFail(new InvalidOperationException("refused: already completed")));
        Assert.True(first.Task.IsCompletedSuccessfully);

        Assert.True(second.TryFail(new OperationCanceledException()));
        Assert.False(second.TryFail(new InvalidOperationException("a second completion is refused")));
        Assert.True(second.Task.IsCanceled);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task FailOnThreadPool_ManyCompletionsRacing_OneWinsAndTheRestAreCountedNeverThrown()
    {
        // The old FailOnThreadPool checked IsCompleted and then set the exception: two work items racing on one record
        // threw InvalidOperationException on a pool thread, which ends the process.
        var unhandled = 0;
        UnhandledExceptionEventHandler onUnhandled = (_, _) => Interlocked.Increment(ref unhandled);
        AppDomain.CurrentDomain.UnhandledException += onUnhandled;
        try
        {
            var completion = new RecordCompletion(new OutstandingGate(100, 1000), TimeProvider.System, new Kinesis.Core.Metrics.ProducerMetrics(meterFactory: null), new UserRecordArrayPool(16), KinesisProducerOptions.DefaultRecordTtl, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
            const int Records = 2000;
            const int CompletionsPerRecord = 4;
            var records = Enumerable.Range(0, Records).Select(i => NewRecord($"k{i}")).ToArray();
            await Task.WhenAll(Enumerable.Range(0, CompletionsPerRecord).Select(_ => Task.Run(() =>
            {
                foreach (var record in records)
                {
                    completion.FailOnThreadPool(record, new InvalidOperationException("injected"));
                }
            })));

            await Eventually.HoldsAsync(
                () => records.All(r => r.Task.IsFaulted) && completion.DuplicateCompletions == Records * (CompletionsPerRecord - 1),
                TimeSpan.FromSeconds(20),
                "one completion per record, every other one refused and counted");
            Assert.Equal(0, Volatile.Read(ref unhandled));
            Assert.All(records, r => Assert.IsType<InvalidOperationException>(r.Task.Exception!.InnerException));
        }
        finally
        {
            AppDomain.CurrentDomain.UnhandledException -= onUnhandled;
        }
    }

    private static UserRecord NewRecord(string key) => new(null!, key, null, 1, new byte[1], 2, 0, 100, new FlushTracker().Join());

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static WeakReference StoreCompletedRecord(UserRecord[] array)
    {
        array[0] = NewRecord("key");
        array[0].TrySucceed(default);
        return new WeakReference(array[0].Task);
    }
}
