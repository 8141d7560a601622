using Kinesis.Producer.Pipeline;
using Kinesis.Testing;

namespace Kinesis.Producer.Tests.Pipeline;

public sealed class UserRecordPoolTests
{
    [Fact]
    public void Rent_AfterReturn_ReusesTheReturnedObjectsInOrder()
    {
        var pool = new UserRecordPool(capacity: 10);
        var group = new[] { new UserRecord(), new UserRecord(), new UserRecord() };
        pool.ReturnCleared(group.ToArray());

        Assert.Equal(3, pool.Pooled);
        Assert.Same(group[0], pool.Rent());
        Assert.Same(group[1], pool.Rent());
        Assert.Same(group[2], pool.Rent());
        Assert.Equal(0, pool.Pooled);
        Assert.DoesNotContain(pool.Rent(), group);
    }

    [Fact]
    public void HasRoomFor_BeyondCapacity_False()
    {
        var pool = new UserRecordPool(capacity: 4);
        Assert.True(pool.HasRoomFor(3));
        pool.ReturnCleared([new UserRecord(), new UserRecord(), new UserRecord()]);

        Assert.False(pool.HasRoomFor(2));
        Assert.Equal(3, pool.Pooled);
    }

    [Fact]
    public void Clear_DropsWhatTheRecordReferenced()
    {
        var record = new UserRecord();
        var task = StartAndSucceed(record);

        record.Clear();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.Null(record.PartitionKey);
        Assert.Null(record.ExplicitHashKey);
        Assert.True(record.Data.IsEmpty);
        Assert.False(task.IsAlive, "the cleared record still holds its completed task");
        Assert.Null(record.Epoch);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static WeakReference StartAndSucceed(UserRecord record)
    {
        record.Start(null!, "key", "1", 1, new byte[10], 13, 0, 100, new FlushTracker().Join());
        var task = new WeakReference(record.Task);
        record.Succeed(default);
        return task;
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task Start_OnAReusedObject_GivesANewTaskThatCompletesOnItsOwn()
    {
        var record = new UserRecord();
        var epoch = new FlushTracker().Join();
        record.Start(null!, "a", null, 1, new byte[1], 2, 0, 100, epoch);
        var first = record.Task;
        record.Succeed(default);
        record.Clear();

        record.Start(null!, "b", null, 2, new byte[1], 2, 0, 100, epoch);
        var second = record.Task;

        Assert.NotSame(first, second);
        Assert.True(first.IsCompletedSuccessfully);
        Assert.False(second.IsCompleted);
        Assert.True(record.FailOnThreadPool(new OperationCanceledException()));
        Assert.False(record.FailOnThreadPool(new InvalidOperationException("a second completion is ignored")));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second);
        Assert.True(second.IsCanceled);
    }
}
