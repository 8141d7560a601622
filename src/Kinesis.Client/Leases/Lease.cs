namespace Kinesis.Client.Leases;

/// <summary>
/// One item of the lease table, in the Java KCL 2.x schema (see <see cref="LeaseAttributes"/>). Immutable: every
/// write returns the lease as it now stands in the table.
/// </summary>
internal sealed record Lease
{
    /// <summary>The hash key: the shard id for a single-stream application, <c>ACCOUNT:STREAM:EPOCH:SHARDID</c> for a multi-stream one.</summary>
    public required string LeaseKey { get; init; }

    /// <summary>
    /// The serialized <see cref="StreamIdentifier"/> of a multi-stream lease (attribute <c>streamName</c>, so named by the Java
    /// KCL "for legacy reasons"); <see langword="null"/> for a single-stream lease.
    /// </summary>
    public string? StreamIdentifier { get; init; }

    /// <summary>The <c>shardId</c> attribute of a multi-stream lease; <see langword="null"/> for a single-stream lease.</summary>
    public string? ShardIdAttribute { get; init; }

    /// <summary>The shard: the <c>shardId</c> attribute of a multi-stream lease, the <see cref="LeaseKey"/> of a single-stream one.</summary>
    public string ShardId => ShardIdAttribute ?? LeaseKey;

    /// <summary>The lease key of another shard of the same stream (a parent or a child).</summary>
    public string KeyOf(string otherShardId) => StreamIdentifier is null ? otherShardId : StreamIdentifier + ":" + otherShardId;

    /// <summary>This new lease as one of a multi-stream application: keyed <c>ACCOUNT:STREAM:EPOCH:SHARDID</c>, with the stream and shard attributes.</summary>
    public Lease InStream(StreamIdentifier? stream) => stream is null ? this : this with
    {
        LeaseKey = stream.LeaseKey(ShardId),
        StreamIdentifier = stream.Serialize(),
        ShardIdAttribute = ShardId,
    };

    /// <summary>The worker holding the lease, or <see langword="null"/> when unassigned.</summary>
    public string? LeaseOwner { get; init; }

    /// <summary>The optimistic-lock and heartbeat counter; every write increments it. 0 when the item has none.</summary>
    public long LeaseCounter { get; init; }

    /// <summary>How often the owner changed since the last checkpoint.</summary>
    public long OwnerSwitchesSinceCheckpoint { get; init; }

    /// <summary>The last checkpoint (<c>checkpoint</c> + <c>checkpointSubSequenceNumber</c>), or <see langword="null"/> when the item has none.</summary>
    public ExtendedSequenceNumber? Checkpoint { get; init; }

    /// <summary>A prepared, not yet committed checkpoint (<c>pendingCheckpoint</c> + <c>pendingCheckpointSubSequenceNumber</c>).</summary>
    public ExtendedSequenceNumber? PendingCheckpoint { get; init; }

    /// <summary>Application bytes attached to <see cref="PendingCheckpoint"/> (<c>pendingCheckpointState</c>).</summary>
    public ReadOnlyMemory<byte>? PendingCheckpointState { get; init; }

    /// <summary>Parent shard ids (<c>parentShardId</c>); empty for a shard without parents.</summary>
    public IReadOnlyList<string> ParentShardIds { get; init; } = [];

    /// <summary>Child shard ids (<c>childShardIds</c>), written at shard end.</summary>
    public IReadOnlyList<string> ChildShardIds { get; init; } = [];

    /// <summary>The first hash key of the shard as a decimal string (<c>startingHashKey</c>).</summary>
    public string? StartingHashKey { get; init; }

    /// <summary>The last hash key of the shard as a decimal string (<c>endingHashKey</c>).</summary>
    public string? EndingHashKey { get; init; }

    /// <summary>The lease as a take by <paramref name="newOwner"/> writes it: owner set, counter incremented, an owner switch counted when the owner changes.</summary>
    public Lease TakenBy(string newOwner) => this with
    {
        LeaseOwner = newOwner,
        LeaseCounter = LeaseCounter + 1,
        OwnerSwitchesSinceCheckpoint = OwnerSwitchesSinceCheckpoint + (LeaseOwner is not null && !string.Equals(LeaseOwner, newOwner, StringComparison.Ordinal) ? 1 : 0),
    };

    /// <summary>
    /// The lease as a checkpoint write leaves it: counter incremented, <paramref name="checkpoint"/> set, the pending
    /// checkpoint and owner switches cleared, and <paramref name="childShardIds"/> recorded when given.
    /// </summary>
    public Lease Checkpointed(ExtendedSequenceNumber checkpoint, IReadOnlyList<string>? childShardIds) => this with
    {
        LeaseCounter = LeaseCounter + 1,
        Checkpoint = checkpoint,
        OwnerSwitchesSinceCheckpoint = 0,
        PendingCheckpoint = null,
        PendingCheckpointState = null,
        ChildShardIds = childShardIds ?? ChildShardIds,
    };

    /// <summary>A new, unowned lease for a shard, starting at <paramref name="initialPosition"/>.</summary>
    public static Lease CreateNew(
        string shardId,
        ExtendedSequenceNumber initialPosition,
        IReadOnlyList<string>? parentShardIds = null,
        string? startingHashKey = null,
        string? endingHashKey = null) => new()
        {
            LeaseKey = shardId,
            Checkpoint = initialPosition,
            ParentShardIds = parentShardIds ?? [],
            StartingHashKey = startingHashKey,
            EndingHashKey = endingHashKey,
        };
}
