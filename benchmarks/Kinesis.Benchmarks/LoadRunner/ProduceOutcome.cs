using Kinesis.Producer;

namespace Kinesis.Benchmarks.LoadRunner;

/// <summary>What became of the user records of one producer-e2e scenario: how many failed, and the first failure's message.</summary>
internal sealed class ProduceOutcome
{
    /// <summary>An outcome with no failures, for scenarios whose calls throw on failure.</summary>
    public static ProduceOutcome None => new();

    public long Failed { get; private set; }

    public string? FirstError { get; private set; }

    /// <summary>Waits for a record; a failure is counted, never thrown. Not thread-safe: observe from one loop.</summary>
    public ValueTask ObserveAsync(Task<UserRecordResult> record) =>
        record.IsCompletedSuccessfully ? ValueTask.CompletedTask : ObserveSlowAsync(record);

    private async ValueTask ObserveSlowAsync(Task<UserRecordResult> record)
    {
        try
        {
            await record.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Failed++;
            FirstError ??= $"{ex.GetType().Name}: {ex.Message}";
        }
    }
}
