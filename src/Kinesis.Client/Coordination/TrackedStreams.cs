using Kinesis.Client.Diagnostics;
using Kinesis.Client.Leases;
using Kinesis.Client.Retrieval;
using Kinesis.Core.Api;
using Microsoft.Extensions.Logging;

namespace Kinesis.Client.Coordination;

/// <summary>
/// The streams a worker reads, by the key of their leases' stream identity (<see cref="TrackedStream.Key"/>: the empty string
/// in single-stream mode), and how one is set up (shard syncer, fan-out registration). Safe for concurrent use.
/// </summary>
internal sealed class TrackedStreams
{
    private readonly KinesisApiClient api;
    private readonly LeaseCoordinator coordinator;
    private readonly ConsumerCounters counters;
    private readonly ILogger logger;
    private readonly object gate = new();
    private readonly Dictionary<string, TrackedStream> streams = new(StringComparer.Ordinal);

    public TrackedStreams(KinesisApiClient api, LeaseCoordinator coordinator, ConsumerCounters counters, ILogger logger)
    {
        this.api = api;
        this.coordinator = coordinator;
        this.counters = counters;
        this.logger = logger;
    }

    /// <summary>Sets up a stream from its options (the consumer's in single-stream mode, a <see cref="KinesisConsumerOptions.ForStream"/> copy otherwise).</summary>
    public TrackedStream Create(KinesisConsumerOptions streamOptions)
    {
        var registration = streamOptions.Retrieval == RetrievalMode.FanOut
            ? new FanOutConsumerRegistration(api, streamOptions.ValidatedStream, streamOptions.FanOut.ConsumerName ?? streamOptions.ValidatedApplicationName, streamOptions.FanOut, streamOptions.TimeProvider, logger)
            : null;
        return new TrackedStream(streamOptions, new ShardSyncer(api, coordinator.Refresher, coordinator, streamOptions, counters, logger), registration);
    }

    public TrackedStream? Get(string key)
    {
        lock (gate)
        {
            return streams.TryGetValue(key, out var stream) ? stream : null;
        }
    }

    /// <summary>Adds or replaces the stream of <see cref="TrackedStream.Key"/>.</summary>
    public void Set(TrackedStream stream)
    {
        lock (gate)
        {
            streams[stream.Key] = stream;
        }
    }

    /// <summary>Adds <paramref name="stream"/> unless one with its key is there; returns the one kept.</summary>
    public TrackedStream GetOrAdd(TrackedStream stream)
    {
        lock (gate)
        {
            if (streams.TryGetValue(stream.Key, out var known))
            {
                return known;
            }

            streams[stream.Key] = stream;
            return stream;
        }
    }

    public void Remove(string key)
    {
        lock (gate)
        {
            streams.Remove(key);
        }
    }

    public List<TrackedStream> Snapshot()
    {
        lock (gate)
        {
            return [.. streams.Values];
        }
    }
}
