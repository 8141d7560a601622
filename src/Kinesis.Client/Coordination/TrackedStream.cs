using Kinesis.Client.Retrieval;

namespace Kinesis.Client.Coordination;

/// <summary>
/// One stream the scheduler reads: its own copy of the options (address, initial position, identity in multi-stream mode), its
/// shard syncer and, with fan-out, its stream consumer registration.
/// </summary>
internal sealed class TrackedStream
{
    public TrackedStream(KinesisConsumerOptions options, ShardSyncer syncer, FanOutConsumerRegistration? registration)
    {
        Options = options;
        Syncer = syncer;
        Registration = registration;
    }

    /// <summary>The options of this stream (<see cref="KinesisConsumerOptions.ForStream"/> in multi-stream mode).</summary>
    public KinesisConsumerOptions Options { get; }

    /// <summary>The stream's identity in multi-stream mode; <see langword="null"/> in single-stream mode.</summary>
    public StreamIdentifier? Identity => Options.MultiStreamIdentity;

    /// <summary>The key of <see cref="Leases.Lease.StreamIdentifier"/> for this stream's leases: the serialized identity, or the empty string in single-stream mode.</summary>
    public string Key => Identity?.Serialize() ?? string.Empty;

    public ShardSyncer Syncer { get; }

    public FanOutConsumerRegistration? Registration { get; }

    /// <summary>Whether the stream is in the current list (its shards are synced periodically); a former stream is only read to the end of its leases.</summary>
    public bool IsListed { get; set; } = true;
}
