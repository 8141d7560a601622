namespace Kinesis.Client;

/// <summary>
/// What the consumer does with records the processor keeps failing on (<see cref="KinesisConsumerOptions.PoisonRecords"/>),
/// with the semantics of AWS Lambda's Kinesis event source mapping: bounded retries, a record age limit, bisecting a failing
/// batch, and an on-failure destination (<see cref="DeadLetterSink"/>). Applies with <see cref="ProcessorErrorMode.RetryBatch"/>.
/// By default nothing is limited: a failing batch is retried for as long as the lease is held, as without these options.
/// Setters reject out-of-range values with an <see cref="ArgumentOutOfRangeException"/> naming the option and its range.
/// </summary>
/// <remarks>
/// Records are never lost silently: once a limit is reached the failed records go to <see cref="DeadLetterSink"/> (retried with
/// backoff until it accepts them, the shard waiting meanwhile), or, only with the explicit opt-in <see cref="SkipWithoutDeadLetter"/>,
/// are logged (event 3083) and counted and then skipped. Either way they become checkpointable only afterwards. See
/// docs/configuration.md, "Poison records".
/// </remarks>
public sealed class PoisonRecordOptions
{
    /// <summary>Largest value of <see cref="MaxRetryAttempts"/> (Lambda's limit).</summary>
    public const int MaxMaxRetryAttempts = 10_000;

    /// <summary>Smallest value of <see cref="MaximumRecordAge"/>.</summary>
    public static readonly TimeSpan MinMaximumRecordAge = TimeSpan.FromSeconds(1);

    /// <summary>Largest value of <see cref="MaximumRecordAge"/>: 365 days, the longest Kinesis retention.</summary>
    public static readonly TimeSpan MaxMaximumRecordAge = TimeSpan.FromDays(365);

    private int? maxRetryAttempts;
    private TimeSpan? maximumRecordAge;

    /// <summary>
    /// How many times a failing batch (or, after bisecting or a partial-batch report, the failing part of it) is delivered again
    /// after its first failure before its records go to <see cref="DeadLetterSink"/>; 0 to <see cref="MaxMaxRetryAttempts"/>,
    /// default <see langword="null"/>: no limit. Retries wait a full-jitter backoff (<see cref="KinesisConsumerOptions.ProcessorRetryBaseDelay"/>
    /// to <see cref="KinesisConsumerOptions.ProcessorRetryMaxDelay"/>). Splitting a batch does not count as a retry; a partial-batch
    /// report that moves past records counts from zero again for the new failing record.
    /// </summary>
    public int? MaxRetryAttempts
    {
        get => maxRetryAttempts;
        set => maxRetryAttempts = value is null or (>= 0 and <= MaxMaxRetryAttempts)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(MaxRetryAttempts), value, $"{nameof(MaxRetryAttempts)} must be between 0 and {MaxMaxRetryAttempts}, or null for no limit.");
    }

    /// <summary>
    /// Failing records whose <see cref="KinesisClientRecord.ApproximateArrivalTimestamp"/> is at least this old are not delivered
    /// again: they go to <see cref="DeadLetterSink"/> at once. <see cref="MinMaximumRecordAge"/> to <see cref="MaxMaximumRecordAge"/>,
    /// default <see langword="null"/>: no limit. Records that do not fail are delivered whatever their age. The age is measured
    /// with <see cref="KinesisConsumerOptions.TimeProvider"/>.
    /// </summary>
    public TimeSpan? MaximumRecordAge
    {
        get => maximumRecordAge;
        set => maximumRecordAge = value is null || (value >= MinMaximumRecordAge && value <= MaxMaximumRecordAge)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(MaximumRecordAge), value, $"{nameof(MaximumRecordAge)} must be between {MinMaximumRecordAge} and {MaxMaximumRecordAge}, or null for no limit.");
    }

    /// <summary>
    /// Whether a failing batch of more than one record is split in two halves, each delivered on its own (first half first),
    /// recursively, until the failing records are isolated; default <see langword="false"/>. The halves that succeed are
    /// delivered in shard order and can be checkpointed; a failing single record is then retried per <see cref="MaxRetryAttempts"/>
    /// and <see cref="MaximumRecordAge"/>. Each split is counted (<c>BatchesBisected</c>). Without a limit, an isolated record
    /// that keeps failing is retried for as long as the lease is held.
    /// </summary>
    public bool BisectBatchOnError { get; set; }

    /// <summary>
    /// Where records go when <see cref="MaxRetryAttempts"/> or <see cref="MaximumRecordAge"/> is reached, before they are skipped;
    /// default <see langword="null"/>. Called on the shard's processing task, one call at a time per shard; while it throws it is
    /// called again after a backoff for as long as the lease is held, and the shard does not move past the records. Use
    /// <c>Kinesis.Client.DeadLetter.KinesisStreamDeadLetterSink</c> (package Kinesis.Client.DeadLetter) to write them to another stream.
    /// </summary>
    public IDeadLetterSink? DeadLetterSink { get; set; }

    /// <summary>
    /// The explicit opt-in to skip records that reached a limit when no <see cref="DeadLetterSink"/> is set; default
    /// <see langword="false"/>, and a limit without a sink is then rejected by <see cref="KinesisConsumerOptions.Validate"/>.
    /// Skipped records are logged (event 3083, with their sequence range) and counted (<c>RecordsSkipped</c>), and are lost to
    /// the application.
    /// </summary>
    public bool SkipWithoutDeadLetter { get; set; }

    /// <summary>Whether a retry limit or an age limit is set.</summary>
    internal bool HasLimit => MaxRetryAttempts is not null || MaximumRecordAge is not null;

    /// <summary>Checks the cross-option rules (called by <see cref="KinesisConsumerOptions.Validate"/>).</summary>
    /// <param name="errorMode">The consumer's error mode.</param>
    /// <exception cref="ArgumentException">The options contradict each other; the message names the option.</exception>
    internal void Validate(ProcessorErrorMode errorMode)
    {
        const string Prefix = nameof(KinesisConsumerOptions.PoisonRecords) + ".";
        if ((HasLimit || BisectBatchOnError || DeadLetterSink is not null) && errorMode != ProcessorErrorMode.RetryBatch)
        {
            throw new ArgumentException(
                $"{Prefix}{nameof(MaxRetryAttempts)}, {nameof(MaximumRecordAge)}, {nameof(BisectBatchOnError)} and {nameof(DeadLetterSink)} apply only with {nameof(KinesisConsumerOptions.ErrorMode)} = {nameof(ProcessorErrorMode.RetryBatch)} (it is {errorMode}).",
                nameof(KinesisConsumerOptions.ErrorMode));
        }

        if (HasLimit && DeadLetterSink is null && !SkipWithoutDeadLetter)
        {
            throw new ArgumentException(
                $"{Prefix}{nameof(MaxRetryAttempts)} or {Prefix}{nameof(MaximumRecordAge)} is set but {Prefix}{nameof(DeadLetterSink)} is not: set a sink for the records that reach the limit, or set {Prefix}{nameof(SkipWithoutDeadLetter)} = true to skip them (they are then lost to the application).",
                Prefix + nameof(DeadLetterSink));
        }
    }

    /// <summary>A copy for a consumer to keep (the sink, a service, is shared).</summary>
    internal PoisonRecordOptions Clone() => (PoisonRecordOptions)MemberwiseClone();
}
