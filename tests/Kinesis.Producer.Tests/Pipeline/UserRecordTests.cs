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
        Assert.Equal(20, array.Length);
        array[3] = NewRecord("key");

        pool.Return(array, used: 4);

        var again = pool.Rent(17);
        Assert.Same(array, again);
        Assert.All(again, slot => Assert.Null(slot.PartitionKey));
    }

    [Fact]
    public void Rent_AnAggregateSizedArray_LivesOnThePinnedHeap_ASmallOneDoesNot()
    {
        // A burst holds thousands of aggregate-sized arrays through several collections: on the pinned object heap
        // (reported as the oldest generation from the start) the collector never copies them.
        var pool = new UserRecordArrayPool(maxPooledRecords: 10_000);

        Assert.Equal(GC.MaxGeneration, GC.GetGeneration(pool.Rent(430)));
        Assert.Equal(GC.MaxGeneration, GC.GetGeneration(pool.Rent(UserRecordArrayPool.PinnedFrom)));
        // 200 slots take the 208-slot class, below the pinned ones; young unless two collections ran in between.
        Assert.True(GC.GetGeneration(pool.Rent(200)) < GC.MaxGeneration);
        Assert.True(GC.GetGeneration(pool.Rent(1)) < GC.MaxGeneration);
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
    [InlineData(16, 16)]
    [InlineData(17, 18)]
    [InlineData(19, 20)]
    [InlineData(32, 32)]
    [InlineData(33, 36)]
    [InlineData(400, 416)]
    [InlineData(425, 448)]
    [InlineData(513, 576)]
    [InlineData(1 << 20, 1 << 20)]
    public void Rent_RoundsUpToASizeClassAtMostAnEighthLarger(int minimum, int length)
    {
        Assert.Equal(length, new UserRecordArrayPool(maxPooledRecords: 1000).Rent(minimum).Length);
    }

    [Fact]
    public void SizeClasses_CoverEveryLengthUpToTheLargest_EachAtMostAnEighthLargerThanAsked()
    {
        var previous = 0;
        for (var length = 1; length <= 1 << 20; length++)
        {
            var index = UserRecordArrayPool.ClassOf(length);
            var size = UserRecordArrayPool.LengthOf(index);
            Assert.True(size >= length, $"class {index} of {length} holds only {size}");
            Assert.True(length <= 16 || size - length < Math.Max(1, length / 8) + 1, $"class {index} of {length} holds {size}");
            Assert.Equal(index, UserRecordArrayPool.ClassOf(size));
            Assert.True(index >= previous, $"classes go down at {length}");
            previous = index;
        }
    }

    [Fact]
    public void Rent_AfterReturnOfASlightlyLargerClass_ReusesIt()
    {
        var pool = new UserRecordArrayPool(maxPooledRecords: 10_000);
        var larger = pool.Rent(448);
        pool.Return(larger, 0);

        // An aggregate of a few records fewer than the last one takes its array instead of a new one.
        Assert.Same(larger, pool.Rent(410));
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
    public async Task FailWithAttempts_ManyCompletionsRacing_OneWinsTheRestAreCountedAndTheRoomIsReturnedOnce()
    {
        // The old FailOnThreadPool checked IsCompleted and then set the exception: two work items racing on one record
        // threw InvalidOperationException on a pool thread, which ends the process. Each refused completion also
        // returned the record's room a second time.
        var unhandled = 0;
        UnhandledExceptionEventHandler onUnhandled = (_, _) => Interlocked.Increment(ref unhandled);
        AppDomain.CurrentDomain.UnhandledException += onUnhandled;
        try
        {
            const int Records = 2000;
            const int CompletionsPerRecord = 4;
            var pipeline = new Pipeline(maxRecords: Records + 1);
            Assert.True(pipeline.Gate.TryEnter(7), "one record that stays outstanding");
            var records = Enumerable.Range(0, Records).Select(i => pipeline.Admit($"k{i}", accountedBytes: 2)).ToArray();
            await Task.WhenAll(Enumerable.Range(0, CompletionsPerRecord).Select(_ => Task.Run(() =>
            {
                foreach (var record in records)
                {
                    pipeline.Completion.FailWithAttempts(record);
                }
            })));

            await Eventually.HoldsAsync(
                () => records.All(r => r.Task.IsFaulted) && pipeline.Completion.DuplicateCompletions == Records * (CompletionsPerRecord - 1),
                TimeSpan.FromSeconds(20),
                "one completion per record, every other one refused and counted");
            Assert.Equal(0, Volatile.Read(ref unhandled));
            Assert.All(records, r => Assert.IsType<UserRecordFailedException>(r.Task.Exception!.InnerException));
            Assert.Equal(1, pipeline.Gate.Records);
            Assert.Equal(7, pipeline.Gate.Bytes);
            Assert.Equal(0, pipeline.Stream.Pending);
        }
        finally
        {
            AppDomain.CurrentDomain.UnhandledException -= onUnhandled;
        }
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task TrySucceedAndTryFail_RacingOnEachRecord_OneWinsAndTheOtherIsRefusedNeverThrown()
    {
        // A task reserves its completion before it shows as completed: a second completion in that window failed with
        // InvalidOperationException while IsCompleted was still false, and escaped the refusal (it ended the test host).
        const int Records = 200_000;
        var records = Enumerable.Range(0, Records).Select(i => NewRecord("k")).ToArray();
        var refused = 0;
        using var start = new Barrier(2);
        var threads = new[] { true, false }.Select(succeed => Task.Factory.StartNew(
            () =>
            {
                start.SignalAndWait();
                var exception = new InvalidOperationException("injected");
                foreach (var record in records)
                {
                    if (!(succeed ? record.TrySucceed(default) : record.TryFail(exception)))
                    {
                        Interlocked.Increment(ref refused);
                    }
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default)).ToArray();

        await Task.WhenAll(threads);

        Assert.Equal(Records, refused);
        Assert.All(records, r => Assert.True(r.Task.IsCompleted));
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task Fail_ASecondTime_IsRefusedAndResolvesNothingAgain()
    {
        var pipeline = new Pipeline(maxRecords: 10);
        var record = pipeline.Admit("a", accountedBytes: 2);
        var other = pipeline.Admit("b", accountedBytes: 3);
        var flush = pipeline.Flushes.CloseCurrentAsync();

        pipeline.Completion.Fail(record, "InjectedError", "first", now: 0);
        await Eventually.HoldsAsync(() => record.Task.IsFaulted, TimeSpan.FromSeconds(20), "the first failure completes the record");
        pipeline.Completion.Fail(record, "InjectedError", "second", now: 0);
        await Eventually.HoldsAsync(() => pipeline.Completion.DuplicateCompletions == 1, TimeSpan.FromSeconds(20), "the second failure is refused and counted");

        Assert.Equal(1, pipeline.Gate.Records);
        Assert.Equal(3, pipeline.Gate.Bytes);
        Assert.Equal(1, pipeline.Stream.Pending);
        Assert.False(flush.IsCompleted, "a flush still waits for the other record");
        Assert.False(other.Task.IsCompleted);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task FailInternal_FaultsTheTaskWithTheCauseAndResolvesTheRecord()
    {
        // What the producer does with an admitted record whose hand-on threw (OutstandingGate's failure handler).
        var pipeline = new Pipeline(maxRecords: 10);
        var record = pipeline.Admit("a", accountedBytes: 2);
        var flush = pipeline.Flushes.CloseCurrentAsync();

        pipeline.Completion.FailInternal(record, new InvalidOperationException("routing bug"));

        var failure = await Assert.ThrowsAsync<UserRecordFailedException>(() => record.Task);
        var attempt = Assert.Single(failure.Result.Attempts);
        Assert.Equal(ProducerErrorCodes.InternalError, attempt.ErrorCode);
        Assert.Contains("InvalidOperationException: routing bug", attempt.ErrorMessage, StringComparison.Ordinal);
        await flush.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(0, pipeline.Gate.Records);
        Assert.Equal(0, pipeline.Stream.Pending);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task Succeed_ASecondTime_IsRefusedAndResolvesNothingAgain()
    {
        var pipeline = new Pipeline(maxRecords: 10);
        var record = pipeline.Admit("a", accountedBytes: 2);
        var other = pipeline.Admit("b", accountedBytes: 3);
        var flush = pipeline.Flushes.CloseCurrentAsync();

        // Two Kinesis records holding the same user record (the bug a refused completion stands for), acknowledged together.
        var batch = pipeline.Completion.StartBatch();
        foreach (var sequenceNumber in new[] { "1", "2" })
        {
            var users = pipeline.Arrays.Rent(1);
            users[0] = record;
            batch.Add(OutgoingRecord.Single(users, pipeline.Arrays, "shardId-000000000000", sendBy: 0), "shardId-000000000000", sequenceNumber, DateTimeOffset.UnixEpoch, 0, TimeSpan.Zero);
        }

        batch.Dispatch();
        await Eventually.HoldsAsync(
            () => record.Task.IsCompletedSuccessfully && pipeline.Completion.DuplicateCompletions == 1,
            TimeSpan.FromSeconds(20),
            "the first acknowledgement completes the record, the second is refused and counted");

        Assert.Equal("1", (await record.Task).SequenceNumber);
        Assert.Equal(1, pipeline.Gate.Records);
        Assert.Equal(3, pipeline.Gate.Bytes);
        Assert.Equal(1, pipeline.Stream.Pending);
        Assert.False(flush.IsCompleted, "a flush still waits for the other record");
        Assert.False(other.Task.IsCompleted);
    }

    /// <summary>The parts of a producer that resolve user records, without a network.</summary>
    private sealed class Pipeline
    {
        public Pipeline(int maxRecords)
        {
            Gate = new OutstandingGate(maxRecords, maxBytes: 1_000_000);
            Arrays = new UserRecordArrayPool(64);
            Completion = new RecordCompletion(Gate, TimeProvider.System, new Kinesis.Core.Metrics.ProducerMetrics(meterFactory: null), Arrays, TimeSpan.FromSeconds(30), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
            var options = new KinesisProducerOptions { Region = "us-east-1" };
            Stream = new StreamPipeline("stream", options, TimeProvider.System, Completion, new AggregatorPool(options.AggregationMaxSize, 1000, 1));
        }

        public OutstandingGate Gate { get; }

        public UserRecordArrayPool Arrays { get; }

        public RecordCompletion Completion { get; }

        public StreamPipeline Stream { get; }

        public FlushTracker Flushes { get; } = new();

        /// <summary>A record submitted and admitted as PutAsync does it.</summary>
        public UserRecord Admit(string key, int accountedBytes)
        {
            Assert.True(Gate.TryEnter(accountedBytes));
            Stream.RecordSubmitted();
            return new(Stream, key, null, new byte[1], accountedBytes, 100, Flushes.Join());
        }
    }

    private static UserRecord NewRecord(string key) => new(null!, key, null, new byte[1], 2, 100, new FlushTracker().Join());

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static WeakReference StoreCompletedRecord(UserRecord[] array)
    {
        array[0] = NewRecord("key");
        array[0].TrySucceed(default);
        return new WeakReference(array[0].Task);
    }
}
