using Kinesis.Client.Diagnostics;
using Kinesis.Client.Leases;
using Kinesis.Client.Retrieval;
using Kinesis.Core.Aggregation;
using Kinesis.Core.Hashing;
using Kinesis.Core.Metrics;
using Kinesis.Core.Resilience;
using Microsoft.Extensions.Logging;

namespace Kinesis.Client.Lifecycle;

/// <summary>
/// The state machine of one held lease: waiting on parents → initializing → processing → shard end | lease lost |
/// shutdown requested (the KCL's ConsumerStates). One instance per acquisition; processor calls are sequential, except
/// <see cref="IShardRecordProcessor.ProcessRecordsAsync"/> on several lanes (<see cref="PartitionKeyLanes"/>), which every other
/// callback waits for.
/// </summary>
internal sealed class ShardConsumer
{
    private readonly HeldLease heldLease;
    private readonly LeaseCoordinator coordinator;
    private readonly Func<string, IShardRecordProcessor> processorFactory;
    private readonly Func<string, ExtendedSequenceNumber, IRecordsPublisher> publisherFactory;
    private readonly Deaggregator deaggregator;
    private readonly KinesisConsumerOptions options;
    private readonly ConsumerCounters counters;
    private readonly ILogger logger;
    private readonly TimeProvider time;
    private readonly CancellationTokenSource leaseLost = new();
    private readonly CancellationTokenSource shutdownRequested = new();

    // Exactly one terminal callback: once ShardEnded or ShutdownRequested has been called, a lost lease is not reported on top.
    private bool terminalCalled;

    public ShardConsumer(
        HeldLease heldLease,
        LeaseCoordinator coordinator,
        Func<string, IShardRecordProcessor> processorFactory,
        Func<string, ExtendedSequenceNumber, IRecordsPublisher> publisherFactory,
        Deaggregator deaggregator,
        KinesisConsumerOptions options,
        ConsumerCounters counters,
        ILogger logger)
    {
        this.heldLease = heldLease;
        this.coordinator = coordinator;
        this.processorFactory = processorFactory;
        this.publisherFactory = publisherFactory;
        this.deaggregator = deaggregator;
        this.options = options;
        this.counters = counters;
        this.logger = logger;
        time = options.TimeProvider;
    }

    /// <summary>The shard (the lease's <c>shardId</c> attribute in multi-stream mode).</summary>
    public string ShardId => heldLease.Lease.ShardId;

    /// <summary>The lease: the shard id, or <c>ACCOUNT:STREAM:EPOCH:SHARDID</c> in multi-stream mode; what logs name.</summary>
    public string LeaseKey => heldLease.LeaseKey;

    public Guid ConcurrencyToken => heldLease.ConcurrencyToken;

    public Task<ShardConsumerEnd> Completion { get; private set; } = Task.FromResult(ShardConsumerEnd.LeaseLost);

    /// <summary>Raised (on the consumer's thread) when the processor failed under <see cref="ProcessorErrorMode.StopShard"/>.</summary>
    public Action<string, Exception>? OnStopped { get; init; }

    /// <summary>Where processing and checkpoints are recorded; none by default.</summary>
    public ConsumerMetrics? Metrics { get; init; }

    public void Start() => Completion = RunAndLogAsync();

    /// <summary>Stops at once: the processor's token is cancelled and it gets <see cref="IShardRecordProcessor.LeaseLostAsync"/>.</summary>
    public void CancelLeaseLost()
    {
        // Callbacks run on the thread pool: the caller may hold the scheduler's or the renewer's lock.
        _ = leaseLost.CancelAsync();
    }

    /// <summary>Asks for a graceful stop after the current batch.</summary>
    public void RequestShutdown()
    {
        // Callbacks run on the thread pool: the caller may hold the scheduler's or the renewer's lock.
        _ = shutdownRequested.CancelAsync();
    }

    private async Task<ShardConsumerEnd> RunAndLogAsync()
    {
        var end = await RunAsync().ConfigureAwait(false);
        ShardConsumerLog.ShardConsumerEnded(logger, LeaseKey, end);
        return end;
    }

    private async Task<ShardConsumerEnd> RunAsync()
    {
        await Task.Yield();
        var cancellationToken = leaseLost.Token;
        IShardRecordProcessor? processor = null;
        IRecordsPublisher? publisher = null;
        try
        {
            if (!await WaitForParentsAsync(cancellationToken).ConfigureAwait(false))
            {
                return ShardConsumerEnd.ShutdownRequested;
            }

            var lease = heldLease.Lease;
            var checkpoint = lease.Checkpoint ?? ExtendedSequenceNumber.TrimHorizon;
            if (checkpoint.IsShardEnd)
            {
                return ShardConsumerEnd.ShardEnd;
            }

            processor = processorFactory(ShardId);
            var checkpointer = new RecordProcessorCheckpointer(ShardId, coordinator.CheckpointWriter, heldLease.ConcurrencyToken, checkpoint)
            {
                LeaseKey = LeaseKey,
                Metrics = Metrics,
                StreamName = options.ValidatedStreamName,
                Time = time,
                Logger = logger,
            };
            await InitializeAsync(processor, lease, checkpoint, cancellationToken).ConfigureAwait(false);
            ConsumerLog.ShardStarted(logger, LeaseKey, coordinator.WorkerId, checkpoint);

            HashKeyRange? range = lease.StartingHashKey is { } startKey && lease.EndingHashKey is { } endKey ? HashKeyRange.Parse(startKey, endKey) : null;
            var batches = new RecordBatchProcessor(ShardId, processor, checkpointer, deaggregator, range, checkpoint, options, counters, logger)
            {
                Metrics = Metrics,
                IsLeaseHeld = IsLeaseHeld,
            };
            var lanes = new PartitionKeyLanes(batches, checkpointer, options.ParallelizationFactor, counters)
            {
                Logger = logger,
                ShardId = ShardId,
                StreamName = options.ValidatedStreamName,
                Metrics = Metrics,
            };
            publisher = publisherFactory(ShardId, checkpoint);
            publisher.Start();
            while (true)
            {
                RecordsBatch batch;
                using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, shutdownRequested.Token))
                {
                    try
                    {
                        batch = await publisher.ReadAsync(linked.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (shutdownRequested.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                    {
                        break;
                    }
                }

                var records = batches.Prepare(batch);
                if (records is not null)
                {
                    var outcome = await lanes.DeliverAsync(records, batch, shutdownRequested.Token, cancellationToken).ConfigureAwait(false);
                    if (outcome == BatchOutcome.StopShard)
                    {
                        OnStopped?.Invoke(ShardId, batches.StopReason ?? throw new System.Diagnostics.UnreachableException($"{nameof(RecordBatchProcessor)} returned {nameof(BatchOutcome.StopShard)} without a reason."));
                        return ShardConsumerEnd.Stopped;
                    }

                    if (outcome == BatchOutcome.Abandoned)
                    {
                        break;
                    }
                }

                publisher.Release(batch);
                if (batch.IsShardEnd)
                {
                    await ShardEndAsync(processor, checkpointer, batch, cancellationToken).ConfigureAwait(false);
                    return ShardConsumerEnd.ShardEnd;
                }

                if (shutdownRequested.IsCancellationRequested)
                {
                    break;
                }
            }

            await NotifyShutdownAsync(processor, checkpointer, cancellationToken).ConfigureAwait(false);
            return ShardConsumerEnd.ShutdownRequested;
        }
        catch (Exception ex) when ((ex is OperationCanceledException && cancellationToken.IsCancellationRequested) || ex is LeaseLostException)
        {
            if (processor is not null && !terminalCalled)
            {
                await NotifyLeaseLostAsync(processor).ConfigureAwait(false);
            }

            return ShardConsumerEnd.LeaseLost;
        }
        finally
        {
            if (publisher is not null)
            {
                await publisher.DisposeAsync().ConfigureAwait(false);
            }

            await DisposeProcessorAsync(processor).ConfigureAwait(false);
        }
    }

    private async Task<bool> WaitForParentsAsync(CancellationToken cancellationToken)
    {
        foreach (var parent in heldLease.Lease.ParentShardIds)
        {
            while (true)
            {
                if (shutdownRequested.IsCancellationRequested)
                {
                    return false;
                }

                try
                {
                    var parentLease = await coordinator.Refresher.GetLeaseAsync(heldLease.Lease.KeyOf(parent), cancellationToken).ConfigureAwait(false);

                    // A missing parent lease was cleaned up or trimmed: nothing to wait for.
                    if (parentLease is null || parentLease.Checkpoint?.IsShardEnd == true)
                    {
                        break;
                    }

                    ConsumerLog.WaitingOnParent(logger, LeaseKey, parent);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    ConsumerLog.LeaseStepFailed(logger, LeaseKey, "parent check", ex);
                }

                await DelayUnlessShutdownAsync(options.ParentShardPollInterval, cancellationToken).ConfigureAwait(false);
            }
        }

        return !shutdownRequested.IsCancellationRequested;
    }

    private async Task InitializeAsync(IShardRecordProcessor processor, Lease lease, ExtendedSequenceNumber checkpoint, CancellationToken cancellationToken)
    {
        var input = new InitializationInput
        {
            ShardId = ShardId,
            Stream = options.MultiStreamIdentity,
            Checkpoint = checkpoint,
            PendingCheckpoint = lease.PendingCheckpoint,
            PendingCheckpointState = lease.PendingCheckpointState,
        };
        var retry = RetryUntilCancelled((ex, _, _) =>
        {
            counters.AddCallbackFailure();
            ConsumerLog.ProcessorCallbackFailed(logger, LeaseKey, nameof(IShardRecordProcessor.InitializeAsync), ex);
        });
        await retry.ExecuteAsync(
            async ct =>
            {
                await processor.InitializeAsync(input, ct).ConfigureAwait(false);
                return true;
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Retries every failure with the processor backoff until <c>cancellationToken</c> is cancelled (the KCL retries these steps for ever).</summary>
    private RetryBackoff RetryUntilCancelled(Action<Exception, int, TimeSpan> onRetry) => new(
        new RetryBackoffOptions { BaseDelay = options.ProcessorRetryBaseDelay, MaxDelay = options.ProcessorRetryMaxDelay, MaxRetryAttempts = int.MaxValue },
        static _ => true,
        time,
        onRetry);

    private async Task ShardEndAsync(IShardRecordProcessor processor, RecordProcessorCheckpointer checkpointer, RecordsBatch batch, CancellationToken cancellationToken)
    {
        ConsumerLog.ShardEnded(logger, LeaseKey, batch.ChildShards.Count);
        var childIds = new List<string>(batch.ChildShards.Count);
        foreach (var child in batch.ChildShards)
        {
            childIds.Add(child.ShardId);
        }

        // Children first (the KCL's order): once SHARD_END is written, nothing else would create them promptly.
        var retry = RetryUntilCancelled((ex, _, _) => ConsumerLog.LeaseStepFailed(logger, LeaseKey, "child lease creation", ex));
        await retry.ExecuteAsync(
            async ct =>
            {
                foreach (var child in batch.ChildShards)
                {
                    var childLease = Lease.CreateNew(child.ShardId, ExtendedSequenceNumber.TrimHorizon, child.ParentShards, HashKeys.Format(child.HashKeyRange.Start), HashKeys.Format(child.HashKeyRange.End)).InStream(options.MultiStreamIdentity);
                    if (await coordinator.Refresher.CreateLeaseIfNotExistsAsync(childLease, ct).ConfigureAwait(false))
                    {
                        counters.AddLeaseCreated();
                        ConsumerLog.LeaseCreated(logger, childLease.LeaseKey, ExtendedSequenceNumber.TrimHorizonValue);
                    }
                }

                return true;
            },
            cancellationToken).ConfigureAwait(false);

        checkpointer.EnterShardEnd(childIds);
        var input = new ShardEndedInput { ShardId = ShardId, Checkpointer = checkpointer };
        while (true)
        {
            ThrowIfLeaseNotHeld(cancellationToken);
            terminalCalled = true;
            try
            {
                await processor.ShardEndedAsync(input, cancellationToken).ConfigureAwait(false);
            }
            catch (LeaseLostException)
            {
                throw;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                counters.AddCallbackFailure();
                ConsumerLog.ProcessorCallbackFailed(logger, LeaseKey, nameof(IShardRecordProcessor.ShardEndedAsync), ex);
            }

            if (checkpointer.LastCheckpoint.IsShardEnd)
            {
                return;
            }

            ConsumerLog.ShardEndNotCheckpointed(logger, LeaseKey, options.ParentShardPollInterval);
            await Task.Delay(options.ParentShardPollInterval, time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task NotifyShutdownAsync(IShardRecordProcessor processor, RecordProcessorCheckpointer checkpointer, CancellationToken cancellationToken)
    {
        ThrowIfLeaseNotHeld(cancellationToken);
        terminalCalled = true;
        try
        {
            await processor.ShutdownRequestedAsync(new ShutdownRequestedInput { ShardId = ShardId, Checkpointer = checkpointer }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            counters.AddCallbackFailure();
            ConsumerLog.ProcessorCallbackFailed(logger, LeaseKey, nameof(IShardRecordProcessor.ShutdownRequestedAsync), ex);
        }
    }

    /// <summary>The renewer's view: this acquisition still holds the lease and it has not expired locally.</summary>
    private bool IsLeaseHeld() => coordinator.IsHeld(LeaseKey, heldLease.ConcurrencyToken);

    /// <summary>Before a callback that hands the processor a checkpointer: a lease seen lost gets <see cref="IShardRecordProcessor.LeaseLostAsync"/> instead.</summary>
    private void ThrowIfLeaseNotHeld(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!IsLeaseHeld())
        {
            throw new LeaseLostException(ShardId, $"The lease of shard '{ShardId}' is no longer held by this worker.");
        }
    }

    private async Task NotifyLeaseLostAsync(IShardRecordProcessor processor)
    {
        // Bounded: a processor must not hold up the shutdown of a worker whose lease is already gone.
        using var timeout = new CancellationTokenSource(options.ShutdownTimeout, time);
        try
        {
            await processor.LeaseLostAsync(new LeaseLostInput { ShardId = ShardId }, timeout.Token).WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            counters.AddCallbackFailure();
            ConsumerLog.ProcessorCallbackFailed(logger, LeaseKey, nameof(IShardRecordProcessor.LeaseLostAsync), ex);
        }
    }

    private async Task DelayUnlessShutdownAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, shutdownRequested.Token);
        await Task.Delay(delay, time, linked.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        cancellationToken.ThrowIfCancellationRequested();
    }

    private async Task DisposeProcessorAsync(IShardRecordProcessor? processor)
    {
        try
        {
            switch (processor)
            {
                case IAsyncDisposable asyncDisposable:
                    await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                    break;
                case IDisposable disposable:
                    disposable.Dispose();
                    break;
            }
        }
        catch (Exception ex)
        {
            counters.AddCallbackFailure();
            ConsumerLog.ProcessorCallbackFailed(logger, LeaseKey, "Dispose", ex);
        }
    }
}
