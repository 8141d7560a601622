namespace Kinesis.Samples.ConsoleProducer;

/// <summary>
/// The run's tallies, printed as JSON to stderr: every line read is counted once, as put, rejected, failed or skipped
/// (<c>linesRead = recordsPut + rejected + failed + skippedEmptyLines</c>).
/// </summary>
internal sealed record ProducerSummary(
    long LinesRead,
    long RecordsPut,
    long Rejected,
    long Failed,
    long SkippedEmptyLines,
    bool Interrupted,
    IReadOnlyList<ErrorCount> Errors);

/// <summary>How many records failed with one error (code and message of the attempt that explains the failure).</summary>
internal sealed record ErrorCount(string Error, long Records);
