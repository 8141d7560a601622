namespace Kinesis.Agent.Configuration;

/// <summary>One entry of <c>flows</c>: a set of files tailed into one stream.</summary>
public sealed class FlowConfiguration
{
    /// <summary>Default of <see cref="MinTimeBetweenFilePolls"/> (<c>minTimeBetweenFilePollsMillis</c>), as the Java agent's.</summary>
    public static readonly TimeSpan DefaultMinTimeBetweenFilePolls = TimeSpan.FromMilliseconds(100);

    /// <summary>Default of <see cref="PartialLineTimeout"/> (<c>partialLineTimeoutMillis</c>, a key of this agent only).</summary>
    public static readonly TimeSpan DefaultPartialLineTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Default of <see cref="TruncatedRecordTerminator"/>: a line break.</summary>
    public const string DefaultTruncatedRecordTerminator = "\n";

    /// <summary>
    /// <c>filePattern</c>: an absolute path whose directory and file name may hold the wildcards <c>*</c> and <c>?</c>,
    /// e.g. <c>/var/log/app*/access.log*</c>. Compressed files (<c>.gz</c>, <c>.bz2</c>, <c>.zip</c>) are never tailed.
    /// </summary>
    public required string FilePattern { get; init; }

    /// <summary><c>kinesisStream</c>: the destination stream's name.</summary>
    public required string KinesisStream { get; init; }

    /// <summary><c>partitionKeyOption</c>; default <see cref="PartitionKeyOption.Random"/>.</summary>
    public PartitionKeyOption PartitionKeyOption { get; init; } = PartitionKeyOption.Random;

    /// <summary><c>initialPosition</c>; default <see cref="InitialPosition.EndOfFile"/>.</summary>
    public InitialPosition InitialPosition { get; init; } = InitialPosition.EndOfFile;

    /// <summary><c>skipHeaderLines</c>: lines skipped at the start of every file; default 0.</summary>
    public int SkipHeaderLines { get; init; }

    /// <summary><c>truncatedRecordTerminator</c>: appended to a line cut at the record size limit; default <see cref="DefaultTruncatedRecordTerminator"/>.</summary>
    public string TruncatedRecordTerminator { get; init; } = DefaultTruncatedRecordTerminator;

    /// <summary><c>maxBufferAgeMillis</c> (1 s to 15 min): when set, the producer's buffering time; null leaves the producer's default.</summary>
    public TimeSpan? MaxBufferAge { get; init; }

    /// <summary><c>maxBufferSizeRecords</c> (1 to 500): when set, the records per PutRecords call.</summary>
    public int? MaxBufferSizeRecords { get; init; }

    /// <summary><c>maxBufferSizeBytes</c> (1 to 5 MiB): when set, the bytes per PutRecords call.</summary>
    public int? MaxBufferSizeBytes { get; init; }

    /// <summary><c>minTimeBetweenFilePollsMillis</c>: how often files are listed and read; default <see cref="DefaultMinTimeBetweenFilePolls"/>.</summary>
    public TimeSpan MinTimeBetweenFilePolls { get; init; } = DefaultMinTimeBetweenFilePolls;

    /// <summary>
    /// <c>partialLineTimeoutMillis</c> (this agent only): a last line without a line break that has not grown for
    /// this long is sent as it is; default <see cref="DefaultPartialLineTimeout"/>.
    /// </summary>
    public TimeSpan PartialLineTimeout { get; init; } = DefaultPartialLineTimeout;

    /// <summary>
    /// <c>multiLineStartPattern</c>: a regular expression that a line beginning a record matches at its start; the lines
    /// up to the next such line belong to the same record. Null (the default): every line is a record.
    /// </summary>
    public string? MultiLineStartPattern { get; init; }

    /// <summary>
    /// <c>fileFooterPattern</c>: a regular expression that a whole record (trimmed, as the Java agent matches it) matches
    /// when it is a file's footer. That record and everything after it in the file are not sent. Null (the default): no footer.
    /// </summary>
    public string? FileFooterPattern { get; init; }

    /// <summary><c>dataProcessingOptions</c>, applied in order.</summary>
    public IReadOnlyList<DataProcessingOption> DataProcessingOptions { get; init; } = [];

    /// <summary>The flow's identity in checkpoints, as the Java agent forms it: <c>kinesis:STREAM:PATTERN</c>.</summary>
    public string Id => $"kinesis:{KinesisStream}:{FilePattern}";
}
