namespace Kinesis.Client;

/// <summary>
/// Settings of enhanced fan-out retrieval (<see cref="RetrievalMode.FanOut"/>). Setters reject out-of-range values with an
/// <see cref="ArgumentOutOfRangeException"/> naming the option and its range.
/// </summary>
public sealed class FanOutOptions
{
    /// <summary>Default of <see cref="MaxBufferedEvents"/>: 10, the Java KCL's delivery queue.</summary>
    public const int DefaultMaxBufferedEvents = 10;

    /// <summary>Default of <see cref="EmptyEventsBeforeShardEndCheck"/>.</summary>
    public const int DefaultEmptyEventsBeforeShardEndCheck = 10;

    /// <summary>Default of <see cref="SilenceTimeout"/>: 60 s, the Java KCL's MAX_TIME_BETWEEN_REQUEST_RESPONSE.</summary>
    public static readonly TimeSpan DefaultSilenceTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Default of <see cref="RetryBaseDelay"/>: 1 s (a subscription dropped less than a few seconds ago is still in use at the service).</summary>
    public static readonly TimeSpan DefaultRetryBaseDelay = TimeSpan.FromSeconds(1);

    /// <summary>Default of <see cref="RetryMaxDelay"/>.</summary>
    public static readonly TimeSpan DefaultRetryMaxDelay = TimeSpan.FromSeconds(10);

    /// <summary>Default of <see cref="RegistrationTimeout"/>.</summary>
    public static readonly TimeSpan DefaultRegistrationTimeout = TimeSpan.FromSeconds(120);

    private int maxBufferedEvents = DefaultMaxBufferedEvents;
    private int emptyEventsBeforeShardEndCheck = DefaultEmptyEventsBeforeShardEndCheck;
    private TimeSpan silenceTimeout = DefaultSilenceTimeout;
    private TimeSpan retryBaseDelay = DefaultRetryBaseDelay;
    private TimeSpan retryMaxDelay = DefaultRetryMaxDelay;
    private TimeSpan registrationTimeout = DefaultRegistrationTimeout;

    /// <summary>The stream consumer's name; default <see langword="null"/>: <see cref="KinesisConsumerOptions.ApplicationName"/>, as the KCL. Applications reading one stream independently need different names.</summary>
    public string? ConsumerName { get; set; }

    /// <summary>An existing consumer's ARN; when set, the consumer is neither looked up nor registered. Default <see langword="null"/>.</summary>
    public string? ConsumerArn { get; set; }

    /// <summary>Whether <see cref="KinesisConsumer.StopAsync"/> (or a dispose without it) deregisters the stream consumer after every shard stopped. Default <see langword="false"/>: other workers of the application keep using it.</summary>
    public bool DeregisterOnShutdown { get; set; }

    /// <summary>
    /// Events received and not yet handed to the processor, per shard, 1 to 1,000; default <see cref="DefaultMaxBufferedEvents"/>.
    /// When the buffer is full the subscription is not read, so a slow processor holds back the HTTP/2 stream (flow control)
    /// instead of growing memory; the stream's window (<see cref="Core.Api.KinesisApiClientOptions.SubscribeToShardStreamWindowSize"/>
    /// with the default handler) may still arrive unread. An event holds at most 10 MiB.
    /// </summary>
    public int MaxBufferedEvents
    {
        get => maxBufferedEvents;
        set => maxBufferedEvents = OptionRange.Check(value, 1, 1000, nameof(MaxBufferedEvents));
    }

    /// <summary>
    /// How long a subscription may stay silent (no event, not even an empty one) before it is cancelled and resubscribed from the
    /// last event; 100 ms to 1 h, default <see cref="DefaultSilenceTimeout"/>. Time spent waiting for buffer space does not count.
    /// </summary>
    public TimeSpan SilenceTimeout
    {
        get => silenceTimeout;
        set => silenceTimeout = OptionRange.Check(value, TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1), nameof(SilenceTimeout));
    }

    /// <summary>First backoff (full jitter) after a failed or refused subscription (ResourceInUse, throttling, a dropped connection); 1 ms to 1 h, default <see cref="DefaultRetryBaseDelay"/>.</summary>
    public TimeSpan RetryBaseDelay
    {
        get => retryBaseDelay;
        set => retryBaseDelay = OptionRange.Check(value, TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(1), nameof(RetryBaseDelay));
    }

    /// <summary>Cap of the subscription backoff; 1 ms to 1 h, default <see cref="DefaultRetryMaxDelay"/>.</summary>
    public TimeSpan RetryMaxDelay
    {
        get => retryMaxDelay;
        set => retryMaxDelay = OptionRange.Check(value, TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(1), nameof(RetryMaxDelay));
    }

    /// <summary>How long registering the consumer and waiting for it to become ACTIVE may take; 1 s to 1 h, default <see cref="DefaultRegistrationTimeout"/>.</summary>
    public TimeSpan RegistrationTimeout
    {
        get => registrationTimeout;
        set => registrationTimeout = OptionRange.Check(value, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1), nameof(RegistrationTimeout));
    }

    /// <summary>
    /// Consecutive empty events after which the shard is looked up with ListShards to detect its end, 1 to 10,000; default
    /// <see cref="DefaultEmptyEventsBeforeShardEndCheck"/>. Kinesis ends a closed shard's subscription with an event that lists its
    /// child shards; this check covers services (such as emulators) that only send empty events on a closed shard. A closed shard
    /// whose records have all been received (the last event's continuation sequence number reached the shard's ending sequence
    /// number, or no record arrived since the previous check) ends like a shard whose children were announced.
    /// </summary>
    public int EmptyEventsBeforeShardEndCheck
    {
        get => emptyEventsBeforeShardEndCheck;
        set => emptyEventsBeforeShardEndCheck = OptionRange.Check(value, 1, 10_000, nameof(EmptyEventsBeforeShardEndCheck));
    }

    /// <summary>Checks cross-option rules.</summary>
    /// <exception cref="ArgumentException">Two options contradict each other or a name is malformed; the message names the option.</exception>
    public void Validate()
    {
        if (RetryMaxDelay < RetryBaseDelay)
        {
            throw new ArgumentException($"{nameof(RetryMaxDelay)} must be at least {nameof(RetryBaseDelay)} ({RetryBaseDelay}).", nameof(RetryMaxDelay));
        }

        if (ConsumerName is { } name && (name.Length is < 1 or > 128 || string.IsNullOrWhiteSpace(name)))
        {
            throw new ArgumentException($"{nameof(ConsumerName)} must be 1 to 128 characters.", nameof(ConsumerName));
        }
    }

    /// <summary>A copy for a consumer to keep (every setting is a value).</summary>
    internal FanOutOptions Clone() => (FanOutOptions)MemberwiseClone();
}
