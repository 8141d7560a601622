namespace Kinesis.Client;

/// <summary>
/// Settings of a consumer that reads several streams with one worker and one lease table (the Java KCL 2.3+'s
/// <c>MultiStreamTracker</c>). Set <see cref="Streams"/> or <see cref="StreamProvider"/>, and leave
/// <see cref="KinesisConsumerOptions.StreamName"/> and <see cref="KinesisConsumerOptions.StreamArn"/> unset. Leases are then keyed
/// <c>ACCOUNT:STREAM:EPOCH:SHARDID</c> (<see cref="StreamIdentifier"/>), as the Java KCL keys them, so Java and .NET workers of
/// one application can share the table; a single-stream table (keyed by shard id) is not read in this mode.
/// </summary>
public sealed class MultiStreamOptions
{
    /// <summary>Default of <see cref="StreamSyncInterval"/>: 60 s, the Java KCL's fixed interval of stream list checks.</summary>
    public static readonly TimeSpan DefaultStreamSyncInterval = TimeSpan.FromSeconds(60);

    /// <summary>Default of <see cref="FormerStreamsLeasesDeletionDelay"/>: 1 h.</summary>
    public static readonly TimeSpan DefaultFormerStreamsLeasesDeletionDelay = TimeSpan.FromHours(1);

    /// <summary>Default of <see cref="FormerStreamsLeasesDeletion"/>.</summary>
    public const FormerStreamsLeasesDeletion DefaultFormerStreamsLeasesDeletion = Client.FormerStreamsLeasesDeletion.AutoDetectionDeferred;

    private TimeSpan streamSyncInterval = DefaultStreamSyncInterval;
    private TimeSpan formerStreamsLeasesDeletionDelay = DefaultFormerStreamsLeasesDeletionDelay;
    private FormerStreamsLeasesDeletion formerStreamsLeasesDeletion = DefaultFormerStreamsLeasesDeletion;

    /// <summary>A fixed list of streams; default empty. Ignored when <see cref="StreamProvider"/> is set.</summary>
    public IList<StreamConfig> Streams { get; set; } = new List<StreamConfig>();

    /// <summary>
    /// Returns the streams to read; called at start and then every <see cref="StreamSyncInterval"/> on a thread-pool thread, so the
    /// list may change while the consumer runs. When it throws at start the start fails; later, the failure is logged (event
    /// id 3062) and the previous list stays. Default <see langword="null"/>: <see cref="Streams"/>.
    /// </summary>
    public Func<CancellationToken, ValueTask<IReadOnlyList<StreamConfig>>>? StreamProvider { get; set; }

    /// <summary>How often the stream list is evaluated and former streams' leases are considered for deletion; 10 ms to 1 h, default <see cref="DefaultStreamSyncInterval"/>.</summary>
    public TimeSpan StreamSyncInterval
    {
        get => streamSyncInterval;
        set => streamSyncInterval = OptionRange.Check(value, TimeSpan.FromMilliseconds(10), TimeSpan.FromHours(1), nameof(StreamSyncInterval));
    }

    /// <summary>What happens to the leases of a stream that left the list; default <see cref="DefaultFormerStreamsLeasesDeletion"/>.</summary>
    public FormerStreamsLeasesDeletion FormerStreamsLeasesDeletion
    {
        get => formerStreamsLeasesDeletion;
        set => formerStreamsLeasesDeletion = OptionRange.CheckDefined(value, nameof(FormerStreamsLeasesDeletion));
    }

    /// <summary>
    /// How long a stream must stay out of the list before its leases are deleted (with
    /// <see cref="FormerStreamsLeasesDeletion.AutoDetectionDeferred"/>); it gives workers with an older list time to learn of a new
    /// one. 0 to 30 days, default <see cref="DefaultFormerStreamsLeasesDeletionDelay"/>. Counted by each worker from the pass that
    /// first found the stream missing.
    /// </summary>
    public TimeSpan FormerStreamsLeasesDeletionDelay
    {
        get => formerStreamsLeasesDeletionDelay;
        set => formerStreamsLeasesDeletionDelay = OptionRange.Check(value, TimeSpan.Zero, TimeSpan.FromDays(30), nameof(FormerStreamsLeasesDeletionDelay));
    }

    /// <summary>Whether the consumer runs in multi-stream mode: streams or a provider are set.</summary>
    internal bool IsEnabled => StreamProvider is not null || Streams is { Count: > 0 };

    internal void Validate(string? region)
    {
        if (Streams is null)
        {
            throw new ArgumentException($"{nameof(KinesisConsumerOptions.MultiStream)}.{nameof(Streams)} must not be null.", $"{nameof(KinesisConsumerOptions.MultiStream)}.{nameof(Streams)}");
        }

        for (var i = 0; i < Streams.Count; i++)
        {
            var name = $"{nameof(KinesisConsumerOptions.MultiStream)}.{nameof(Streams)}[{i}]";
            (Streams[i] ?? throw new ArgumentException($"{name} is null.", name)).Validate(region, name);
        }
    }

    internal MultiStreamOptions Clone()
    {
        var copy = (MultiStreamOptions)MemberwiseClone();
        copy.Streams = Streams is null ? null! : Streams.Select(s => s?.Clone()!).ToList();
        return copy;
    }
}
