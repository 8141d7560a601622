namespace Kinesis.Client.Diagnostics;

/// <summary>Running totals of one consumer, kept where the code counts naturally so a metrics layer can publish them later.</summary>
internal sealed class ConsumerCounters
{
    private long recordsProcessed;
    private long bytesProcessed;
    private long batchesProcessed;
    private long processorFailures;
    private long batchesSkipped;
    private long recordsSkipped;
    private long shardsStopped;
    private long callbackFailures;
    private long getRecordsCalls;
    private long getRecordsThrottled;
    private long getRecordsFailures;
    private long expiredIterators;
    private long recordsFilteredBelowCheckpoint;
    private long leasesCreated;
    private long leasesCleanedUp;
    private long subscriptions;
    private long subscriptionFailures;
    private long subscriptionsCompleted;
    private long subscriptionSilences;
    private long recordsDeadLettered;
    private long batchesBisected;
    private long processorRetries;
    private long deadLetterSinkFailures;
    private long dispatchPasses;
    private long laneBatches;
    private long lanesBusy;

    public long RecordsProcessed => Volatile.Read(ref recordsProcessed);

    public long BytesProcessed => Volatile.Read(ref bytesProcessed);

    public long BatchesProcessed => Volatile.Read(ref batchesProcessed);

    public long ProcessorFailures => Volatile.Read(ref processorFailures);

    public long BatchesSkipped => Volatile.Read(ref batchesSkipped);

    public long RecordsSkipped => Volatile.Read(ref recordsSkipped);

    public long ShardsStopped => Volatile.Read(ref shardsStopped);

    public long CallbackFailures => Volatile.Read(ref callbackFailures);

    public long GetRecordsCalls => Volatile.Read(ref getRecordsCalls);

    public long GetRecordsThrottled => Volatile.Read(ref getRecordsThrottled);

    public long GetRecordsFailures => Volatile.Read(ref getRecordsFailures);

    public long ExpiredIterators => Volatile.Read(ref expiredIterators);

    public long RecordsFilteredBelowCheckpoint => Volatile.Read(ref recordsFilteredBelowCheckpoint);

    public long LeasesCreated => Volatile.Read(ref leasesCreated);

    public long LeasesCleanedUp => Volatile.Read(ref leasesCleanedUp);

    public long Subscriptions => Volatile.Read(ref subscriptions);

    public long SubscriptionFailures => Volatile.Read(ref subscriptionFailures);

    public long SubscriptionsCompleted => Volatile.Read(ref subscriptionsCompleted);

    public long SubscriptionSilences => Volatile.Read(ref subscriptionSilences);

    public long RecordsDeadLettered => Volatile.Read(ref recordsDeadLettered);

    public long BatchesBisected => Volatile.Read(ref batchesBisected);

    public long ProcessorRetries => Volatile.Read(ref processorRetries);

    public long DeadLetterSinkFailures => Volatile.Read(ref deadLetterSinkFailures);

    public void AddDeadLettered(int records) => Interlocked.Add(ref recordsDeadLettered, records);

    public void AddBatchBisected() => Interlocked.Increment(ref batchesBisected);

    public void AddProcessorRetry() => Interlocked.Increment(ref processorRetries);

    public void AddDeadLetterSinkFailure() => Interlocked.Increment(ref deadLetterSinkFailures);

    /// <summary>Batches delivered on lanes (<see cref="KinesisConsumerOptions.ParallelizationFactor"/> above 1).</summary>
    public long LaneBatches => Volatile.Read(ref laneBatches);

    /// <summary>Over <see cref="LaneBatches"/>, the lanes that had records: divided by it, the average lanes busy per batch.</summary>
    public long LanesBusy => Volatile.Read(ref lanesBusy);

    public void AddLaneBatch(int busyLanes)
    {
        Interlocked.Increment(ref laneBatches);
        Interlocked.Add(ref lanesBusy, busyLanes);
    }

    /// <summary>Passes of the scheduler's dispatch loop (lease events, ended shard consumers, timed passes).</summary>
    public long DispatchPasses => Volatile.Read(ref dispatchPasses);

    public void AddDispatchPass() => Interlocked.Increment(ref dispatchPasses);

    public void AddSubscription() => Interlocked.Increment(ref subscriptions);

    public void AddSubscriptionFailure() => Interlocked.Increment(ref subscriptionFailures);

    public void AddSubscriptionCompleted() => Interlocked.Increment(ref subscriptionsCompleted);

    public void AddSubscriptionSilence() => Interlocked.Increment(ref subscriptionSilences);

    public void AddProcessed(int records, long bytes)
    {
        Interlocked.Add(ref recordsProcessed, records);
        Interlocked.Add(ref bytesProcessed, bytes);
        Interlocked.Increment(ref batchesProcessed);
    }

    public void AddProcessorFailure() => Interlocked.Increment(ref processorFailures);

    public void AddSkipped(int records)
    {
        Interlocked.Increment(ref batchesSkipped);
        Interlocked.Add(ref recordsSkipped, records);
    }

    public void AddShardStopped() => Interlocked.Increment(ref shardsStopped);

    public void AddCallbackFailure() => Interlocked.Increment(ref callbackFailures);

    public void AddGetRecordsCall() => Interlocked.Increment(ref getRecordsCalls);

    public void AddGetRecordsThrottled() => Interlocked.Increment(ref getRecordsThrottled);

    public void AddGetRecordsFailure() => Interlocked.Increment(ref getRecordsFailures);

    public void AddExpiredIterator() => Interlocked.Increment(ref expiredIterators);

    public void AddFilteredBelowCheckpoint(int records) => Interlocked.Add(ref recordsFilteredBelowCheckpoint, records);

    public void AddLeaseCreated() => Interlocked.Increment(ref leasesCreated);

    public void AddLeaseCleanedUp() => Interlocked.Increment(ref leasesCleanedUp);
}
