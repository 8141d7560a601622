using Kinesis.Client.Diagnostics;
using Kinesis.Client.Leases;
using Kinesis.Core.Api;
using Kinesis.Core.Metrics;
using Microsoft.Extensions.Logging;

namespace Kinesis.Client.Coordination;

/// <summary>
/// The stream list of a multi-stream consumer (the Java KCL's MultiStreamTracker handling in its Scheduler): evaluates the list
/// (fixed or from the provider), resolves each stream's identity, starts reading new streams, and deletes the leases of former
/// streams once <see cref="FormerStreamsPlanner"/> says they are due.
/// </summary>
internal sealed class MultiStreamSyncer
{
    private readonly KinesisApiClient api;
    private readonly KinesisConsumerOptions options;
    private readonly TrackedStreams streams;
    private readonly LeaseCoordinator coordinator;
    private readonly ConsumerCounters counters;
    private readonly ConsumerMetrics metrics;
    private readonly ILogger logger;
    private readonly StreamResolver resolver;
    private readonly FormerStreamsPlanner formerStreams;

    public MultiStreamSyncer(KinesisApiClient api, KinesisConsumerOptions options, TrackedStreams streams, LeaseCoordinator coordinator, ConsumerCounters counters, ConsumerMetrics metrics, ILogger logger)
    {
        this.api = api;
        this.options = options;
        this.streams = streams;
        this.coordinator = coordinator;
        this.counters = counters;
        this.metrics = metrics;
        this.logger = logger;
        resolver = new StreamResolver(api);
        formerStreams = new FormerStreamsPlanner(options.MultiStream.FormerStreamsLeasesDeletion, options.MultiStream.FormerStreamsLeasesDeletionDelay, options.TimeProvider);
    }

    /// <summary>Evaluates the list at start and checks and resolves every stream; any failure fails the start.</summary>
    public async Task AddListedStreamsAtStartAsync(ConsumerStartup startup, CancellationToken cancellationToken)
    {
        IReadOnlyList<StreamConfig> configs = [];
        await startup.RunKinesisStepAsync(async ct => configs = await EvaluateStreamListAsync(ct).ConfigureAwait(false), "evaluating the stream list", cancellationToken).ConfigureAwait(false);
        foreach (var config in configs)
        {
            var summary = await startup.CheckStreamAsync(api, config.Address(), cancellationToken).ConfigureAwait(false);
            StreamIdentifier identity = null!;
            await startup.RunKinesisStepAsync(
                _ =>
                {
                    identity = resolver.Resolve(config, summary);
                    return Task.CompletedTask;
                },
                $"describing stream '{config}'",
                cancellationToken).ConfigureAwait(false);
            streams.Set(streams.Create(options.ForStream(identity, config.Address(), config.InitialPosition, config.InitialPositionTimestamp)));
            MultiStreamLog.StreamAdded(logger, config.ToString(), identity.Serialize());
        }
    }

    /// <summary>
    /// The stream of a lease whose stream is not tracked (a former stream, or one that another worker lists): read to the end of
    /// its leases by name from the lease's stream identity, new shards of it starting at LATEST (the Java KCL's orphaned-stream
    /// position), without periodic shard sync. <see langword="null"/> when the lease names no stream identity.
    /// </summary>
    public TrackedStream? StreamOfUntracked(Lease lease)
    {
        if (!StreamIdentifier.TryParse(lease.StreamIdentifier, out var identity))
        {
            return null;
        }

        var stream = streams.Create(options.ForStream(identity, StreamAddress.ForName(identity.StreamName), InitialPositionInStream.Latest, null));
        stream.IsListed = false;
        return streams.GetOrAdd(stream);
    }

    /// <summary>A listed stream was found deleted by shard sync: the next stream sync describes it again (and treats it as a former stream).</summary>
    public void StreamGone(StreamIdentifier identity) => resolver.Forget(identity);

    /// <summary>
    /// One stream sync (the Java KCL's checkAndSyncStreamShardsAndLeases): evaluates the list, starts reading new streams
    /// (fan-out registration, shard sync), and deletes the leases of streams out of the list for longer than the deletion delay.
    /// A stream that cannot be described (deleted, or failing) counts as out of the list for this pass.
    /// </summary>
    public async Task SyncStreamsAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<StreamConfig> configs;
        try
        {
            configs = await EvaluateStreamListAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The previous list stays: nothing is un-listed or deleted on a provider failure.
            MultiStreamLog.StreamListFailed(logger, "(provider)", ex);
            return;
        }

        var listed = new HashSet<StreamIdentifier>();
        var added = new List<TrackedStream>();
        foreach (var config in configs)
        {
            StreamIdentifier identity;
            try
            {
                identity = await resolver.ResolveAsync(config, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                MultiStreamLog.StreamListFailed(logger, config.ToString(), ex);
                continue;
            }

            // A stream read so far only for its leases (out of the list) gets its own settings back.
            if (!listed.Add(identity) || streams.Get(identity.Serialize()) is { IsListed: true })
            {
                continue;
            }

            var stream = streams.Create(options.ForStream(identity, config.Address(), config.InitialPosition, config.InitialPositionTimestamp));
            streams.Set(stream);
            added.Add(stream);
            MultiStreamLog.StreamAdded(logger, config.ToString(), identity.Serialize());
        }

        foreach (var stream in streams.Snapshot())
        {
            stream.IsListed = stream.Identity is { } identity && listed.Contains(identity);
        }

        foreach (var stream in added)
        {
            try
            {
                if (stream.Registration is { } fanOut)
                {
                    await fanOut.GetConsumerArnAsync(cancellationToken).ConfigureAwait(false);
                }

                await stream.Syncer.SyncAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // The periodic shard sync tries again.
                ConsumerLog.ShardSyncFailed(logger, stream.Options.ValidatedStream.ToString(), ex);
            }
        }

        var deleted = await DeleteFormerStreamsAsync(listed, cancellationToken).ConfigureAwait(false);
        metrics.StreamSyncCompleted(listed.Count, formerStreams.PendingCount, deleted);
    }

    /// <summary>The stream list: the provider's answer, validated and copied, or the fixed list of the options.</summary>
    private async Task<IReadOnlyList<StreamConfig>> EvaluateStreamListAsync(CancellationToken cancellationToken)
    {
        var multi = options.MultiStream;
        if (multi.StreamProvider is not { } provider)
        {
            return [.. multi.Streams];
        }

        var configs = await provider(cancellationToken).ConfigureAwait(false) ?? throw new InvalidOperationException($"{nameof(MultiStreamOptions.StreamProvider)} returned null.");
        var copies = new List<StreamConfig>(configs.Count);
        for (var i = 0; i < configs.Count; i++)
        {
            var name = $"{nameof(MultiStreamOptions.StreamProvider)}[{i}]";
            var config = configs[i]?.Clone() ?? throw new ArgumentException($"{name} is null.", name);
            config.Validate(options.ValidatedRegion, name);
            copies.Add(config);
        }

        return copies;
    }

    /// <returns>How many former streams had their leases deleted.</returns>
    private async Task<int> DeleteFormerStreamsAsync(HashSet<StreamIdentifier> listed, CancellationToken cancellationToken)
    {
        var byStream = new Dictionary<StreamIdentifier, List<Lease>>();
        foreach (var lease in await coordinator.Refresher.ListLeasesAsync(cancellationToken).ConfigureAwait(false))
        {
            if (StreamIdentifier.TryParse(lease.StreamIdentifier, out var identity))
            {
                if (!byStream.TryGetValue(identity, out var list))
                {
                    byStream[identity] = list = [];
                }

                list.Add(lease);
            }
        }

        var due = formerStreams.Plan(listed, byStream.Keys.ToHashSet(), (stream, at) => MultiStreamLog.StreamPendingDeletion(logger, stream.Serialize(), at));
        foreach (var stream in due)
        {
            // Deleting the leases makes every worker lose them (here at once, elsewhere at the next renewal), so the processors stop.
            foreach (var lease in byStream[stream])
            {
                coordinator.DropLease(lease.LeaseKey);
                await coordinator.Refresher.DeleteLeaseAsync(lease.LeaseKey, cancellationToken).ConfigureAwait(false);
                counters.AddLeaseCleanedUp();
            }

            formerStreams.Deleted(stream);
            streams.Remove(stream.Serialize());
            MultiStreamLog.FormerStreamLeasesDeleted(logger, stream.Serialize(), byStream[stream].Count);
        }

        return due.Count;
    }
}
