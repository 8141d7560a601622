using System.Threading.Channels;
using Kinesis.Client.Diagnostics;
using Kinesis.Client.Leases;
using Kinesis.Client.Lifecycle;
using Kinesis.Client.Retrieval;
using Kinesis.Core.Aggregation;
using Kinesis.Core.Api;
using Kinesis.Core.Metrics;
using Microsoft.Extensions.Logging;

namespace Kinesis.Client.Coordination;

/// <summary>
/// Runs the worker: the lease coordinator (renew, take, steal), the periodic shard sync, and one
/// <see cref="ShardConsumer"/> per held lease, started when a lease is acquired and cancelled when it is lost.
/// </summary>
internal sealed class ConsumerScheduler
{
    /// <summary>How long after a lease's local expiry the dispatch loop checks it: a timer may fire a little early.</summary>
    private static readonly TimeSpan ExpiryMargin = TimeSpan.FromMilliseconds(10);

    private readonly LeaseCoordinator coordinator;
    private readonly KinesisApiClient api;
    private readonly KinesisConsumerOptions options;
    private readonly Func<StreamIdentifier?, string, IShardRecordProcessor> processorFactory;
    private readonly Deaggregator deaggregator;
    private readonly ConsumerCounters counters;
    private readonly ConsumerMetrics metrics;
    private readonly ILogger logger;
    private readonly Action<StreamIdentifier?, string, string, Exception> onShardStopped;
    private readonly object gate = new();
    private readonly Dictionary<string, ShardConsumer> consumers = new(StringComparer.Ordinal);
    private readonly Channel<bool> wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource stopLoops = new();
    private readonly IdlePollSchedule idlePollSchedule;

    private readonly TrackedStreams streams;
    private readonly MultiStreamSyncer? multiStream;
    private Task dispatchLoop = Task.CompletedTask;
    private Task syncLoop = Task.CompletedTask;
    private Task streamSyncLoop = Task.CompletedTask;

    public ConsumerScheduler(
        LeaseCoordinator coordinator,
        KinesisApiClient api,
        KinesisConsumerOptions options,
        Func<StreamIdentifier?, string, IShardRecordProcessor> processorFactory,
        ConsumerCounters counters,
        ConsumerMetrics metrics,
        ILoggerFactory loggerFactory,
        Action<StreamIdentifier?, string, string, Exception> onShardStopped)
    {
        this.coordinator = coordinator;
        this.api = api;
        this.options = options;
        this.processorFactory = processorFactory;
        this.counters = counters;
        this.metrics = metrics;
        this.onShardStopped = onShardStopped;
        logger = loggerFactory.CreateLogger<KinesisConsumer>();
        deaggregator = new Deaggregator(new DeaggregatorOptions { OutOfRangeBehavior = options.HashKeyRangeFilter }, loggerFactory.CreateLogger<Deaggregator>());
        idlePollSchedule = new IdlePollSchedule(options.IdleTimeBetweenReads, options.TimeProvider);
        streams = new TrackedStreams(api, coordinator, counters, logger);
        if (options.MultiStream.IsEnabled)
        {
            multiStream = new MultiStreamSyncer(api, options, streams, coordinator, counters, metrics, logger);
        }
        else
        {
            streams.Set(streams.Create(options));
        }

        coordinator.LeaseAcquired += (_, _) => wake.Writer.TryWrite(true);
        coordinator.LeaseLost += (_, e) => OnLeaseLost(e.HeldLease);
    }

    public DeaggregationCounters DeaggregationCounters => deaggregator.Counters;

    /// <summary>The stream consumer of fan-out retrieval of a single-stream consumer; <see langword="null"/> when polling.</summary>
    public FanOutConsumerRegistration? Registration => streams.Get(string.Empty)?.Registration;

    /// <summary>
    /// Checks the streams of a multi-stream consumer, creates the lease table if needed, registers the fan-out consumers, runs the
    /// first shard sync and starts the loops; failures come from <paramref name="startup"/>.
    /// </summary>
    public async Task StartAsync(ConsumerStartup startup, CancellationToken cancellationToken)
    {
        if (multiStream is not null)
        {
            // Before the table is created: a missing stream must not leave a lease table behind.
            await multiStream.AddListedStreamsAtStartAsync(startup, cancellationToken).ConfigureAwait(false);
        }

        await startup.RunLeaseTableStepAsync(coordinator.InitializeAsync, "creating", cancellationToken).ConfigureAwait(false);
        foreach (var stream in streams.Snapshot())
        {
            if (stream.Registration is { } fanOut)
            {
                // Registered before any lease is taken, so a consumer that cannot be registered fails the start instead of every shard.
                await startup.RunKinesisStepAsync(async ct => await fanOut.GetConsumerArnAsync(ct).ConfigureAwait(false), $"registering the fan-out consumer of stream '{stream.Options.ValidatedStream}'", cancellationToken).ConfigureAwait(false);
            }

            await startup.FirstShardSyncAsync(stream.Syncer.SyncAsync, cancellationToken, stream.Options.ValidatedStream).ConfigureAwait(false);
        }

        coordinator.Start();
        dispatchLoop = RunDispatchLoopAsync(stopLoops.Token);
        syncLoop = RunSyncLoopAsync(stopLoops.Token);
        if (multiStream is not null)
        {
            streamSyncLoop = RunStreamSyncLoopAsync(stopLoops.Token);
        }
    }

    /// <summary>Graceful: stop taking, let each shard finish its batch and checkpoint, then release every lease.</summary>
    public async Task StopGracefullyAsync(CancellationToken cancellationToken)
    {
        await coordinator.StopTakingAsync().ConfigureAwait(false);
        await StopLoopsAsync().ConfigureAwait(false);
        var running = Snapshot();
        foreach (var consumer in running)
        {
            consumer.RequestShutdown();
        }

        await AwaitConsumersAsync(running, options.ShutdownTimeout, cancellationToken).ConfigureAwait(false);
        await coordinator.ReleaseAllLeasesAsync(cancellationToken).ConfigureAwait(false);
        await coordinator.StopAsync().ConfigureAwait(false);
        await DeregisterIfRequestedAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Abrupt: processors see their leases lost; leases are not released and expire after the failover time.</summary>
    public async Task StopAbruptlyAsync()
    {
        await StopLoopsAsync().ConfigureAwait(false);
        await coordinator.StopAsync().ConfigureAwait(false);
        var running = Snapshot();
        foreach (var consumer in running)
        {
            consumer.CancelLeaseLost();
        }

        await AwaitConsumersAsync(running, options.ShutdownTimeout, CancellationToken.None).ConfigureAwait(false);
        await DeregisterIfRequestedAsync(CancellationToken.None).ConfigureAwait(false);
    }

    private async Task DeregisterIfRequestedAsync(CancellationToken cancellationToken)
    {
        if (options.Retrieval != RetrievalMode.FanOut || !options.FanOut.DeregisterOnShutdown)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(options.ShutdownTimeout, options.TimeProvider);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        foreach (var stream in streams.Snapshot())
        {
            if (stream.Registration is { } registration)
            {
                await registration.DeregisterAsync(deadline.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private List<ShardConsumer> Snapshot()
    {
        lock (gate)
        {
            return [.. consumers.Values];
        }
    }

    private async Task AwaitConsumersAsync(List<ShardConsumer> running, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var all = Task.WhenAll(running.Select(c => (Task)c.Completion));
        try
        {
            await all.WaitAsync(timeout, options.TimeProvider, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        finally
        {
            if (!all.IsCompleted)
            {
                var late = running.Count(c => !c.Completion.IsCompleted);
                ConsumerLog.ShutdownTimedOut(logger, coordinator.WorkerId, late);
                foreach (var consumer in running)
                {
                    consumer.CancelLeaseLost();
                }
            }
        }
    }

    private async Task StopLoopsAsync()
    {
        if (!stopLoops.IsCancellationRequested)
        {
            await stopLoops.CancelAsync().ConfigureAwait(false);
        }

        await dispatchLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await syncLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await streamSyncLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private void OnLeaseLost(HeldLease lease)
    {
        ShardConsumer? consumer;
        lock (gate)
        {
            consumers.TryGetValue(lease.LeaseKey, out consumer);
        }

        if (consumer is not null && consumer.ConcurrencyToken == lease.ConcurrencyToken)
        {
            consumer.CancelLeaseLost();
        }

        wake.Writer.TryWrite(true);
    }

    private async Task RunDispatchLoopAsync(CancellationToken cancellationToken)
    {
        await Task.Yield();

        // Lease events and ended shard consumers wake the loop at once. A timed pass follows one second after a pass that
        // left work behind (a shard consumer to restart or to wait for); otherwise the only timed pass is due when the
        // first held lease would expire locally, so an idle worker does not wake every second for nothing.
        var interval = options.Leases.RenewalInterval.Value < TimeSpan.FromSeconds(1) ? options.Leases.RenewalInterval.Value : TimeSpan.FromSeconds(1);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var pending = Reconcile();
                var wait = pending ? interval : UntilFirstLocalExpiry(interval);
                using var timeout = new CancellationTokenSource(wait, options.TimeProvider);
                using var wakeOrTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
                await ((Task)wake.Reader.WaitToReadAsync(wakeOrTimeout.Token).AsTask()).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                wake.Reader.TryRead(out _);
            }
            catch (Exception ex)
            {
                ConsumerLog.DispatchLoopFailed(logger, coordinator.WorkerId, ex);
                await Task.Delay(interval, options.TimeProvider, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    /// <summary>
    /// How long an idle dispatch loop may wait: until just after the first held lease expires locally (its renewals
    /// failing), at least <paramref name="interval"/>, at most the failover time.
    /// </summary>
    private TimeSpan UntilFirstLocalExpiry(TimeSpan interval)
    {
        var failover = options.Leases.FailoverTime;
        var time = options.TimeProvider;
        var now = time.GetTimestamp();
        var wait = failover;
        foreach (var lease in coordinator.GetHeldLeases())
        {
            // Expired once more than the failover time passed since the last renewal; the margin covers a timer firing early.
            var untilExpiry = failover - time.GetElapsedTime(lease.LastRenewalTimestamp, now) + ExpiryMargin;
            if (untilExpiry < wait)
            {
                wait = untilExpiry;
            }
        }

        return wait < interval ? interval : wait;
    }

    /// <summary>Starts a shard consumer for each held lease without one and stops those whose lease is gone.</summary>
    /// <returns>Whether work is left for a pass one interval later: a faulted consumer to restart, a stopping one to wait for.</returns>
    private bool Reconcile()
    {
        counters.AddDispatchPass();
        var held = coordinator.GetHeldLeases();
        var heldByKey = new Dictionary<string, HeldLease>(held.Count, StringComparer.Ordinal);
        foreach (var lease in held)
        {
            heldByKey[lease.LeaseKey] = lease;
        }

        var pending = false;
        lock (gate)
        {
            HashSet<string>? restartLater = null;
            foreach (var (key, consumer) in consumers.ToArray())
            {
                var stillHeld = heldByKey.TryGetValue(key, out var lease) && lease.ConcurrencyToken == consumer.ConcurrencyToken;
                if (!stillHeld)
                {
                    consumer.CancelLeaseLost();
                    if (consumer.Completion.IsCompleted)
                    {
                        consumers.Remove(key);
                    }
                    else
                    {
                        pending = true;
                    }
                }
                else if (consumer.Completion is { IsFaulted: true, Exception: { } fault })
                {
                    // A bug or an unexpected fault: restart the shard from its checkpoint while the lease is held, one
                    // interval later (the consumer's end woke this pass at once; a consumer that fails at every start
                    // must not be restarted in a tight loop).
                    ConsumerLog.ShardConsumerFailed(logger, key, fault.GetBaseException());
                    consumers.Remove(key);
                    (restartLater ??= new HashSet<string>(StringComparer.Ordinal)).Add(key);
                    pending = true;
                }
            }

            foreach (var lease in held)
            {
                if (consumers.ContainsKey(lease.LeaseKey) || restartLater?.Contains(lease.LeaseKey) == true)
                {
                    continue;
                }

                if (StreamOf(lease.Lease) is not { } stream)
                {
                    continue;
                }

                var consumer = new ShardConsumer(lease, coordinator, shardId => processorFactory(stream.Identity, shardId), (shardId, start) => CreatePublisher(stream, shardId, start), deaggregator, stream.Options, counters, logger)
                {
                    OnStopped = (shardId, exception) => onShardStopped(stream.Identity, lease.LeaseKey, shardId, exception),
                    Metrics = metrics,
                };
                consumers[lease.LeaseKey] = consumer;
                consumer.Start();
                _ = consumer.Completion.ContinueWith(static (_, state) => ((Channel<bool>?)state)?.Writer.TryWrite(true), wake, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }

        return pending;
    }

    private IRecordsPublisher CreatePublisher(TrackedStream stream, string shardId, ExtendedSequenceNumber start) => stream.Registration is not { } registration
        ? new PollingRecordsPublisher(api, stream.Options.ValidatedStream, shardId, start, stream.Options, counters, logger) { Metrics = metrics, Schedule = idlePollSchedule }
        : new FanOutRecordsPublisher(api, registration, stream.Options.ValidatedStream, shardId, start, stream.Options, counters, logger) { Metrics = metrics };

    /// <summary>The stream a held lease belongs to; <see langword="null"/> for a lease of no stream this worker can read.</summary>
    private TrackedStream? StreamOf(Lease lease) =>
        streams.Get(lease.StreamIdentifier ?? string.Empty) ?? multiStream?.StreamOfUntracked(lease);

    private async Task RunSyncLoopAsync(CancellationToken cancellationToken)
    {
        await Task.Yield();
        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(options.ShardSyncInterval, options.TimeProvider, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            foreach (var stream in streams.Snapshot())
            {
                if (!stream.IsListed || cancellationToken.IsCancellationRequested)
                {
                    continue;
                }

                try
                {
                    await stream.Syncer.SyncAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    ConsumerLog.ShardSyncFailed(logger, stream.Options.ValidatedStream.ToString(), ex);
                    if (ex is KinesisApiException { ErrorCode: KinesisErrorCodes.ResourceNotFound } && stream.Identity is { } gone)
                    {
                        // Deleted: the next stream sync describes it again, finds it missing and treats it as a former stream.
                        multiStream?.StreamGone(gone);
                    }
                }
            }
        }
    }

    private async Task RunStreamSyncLoopAsync(CancellationToken cancellationToken)
    {
        await Task.Yield();
        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(options.MultiStream.StreamSyncInterval, options.TimeProvider, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            try
            {
                await multiStream!.SyncStreamsAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                MultiStreamLog.StreamSyncFailed(logger, ex);
            }
        }
    }
}
