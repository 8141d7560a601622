using Kinesis.Client;

namespace Kinesis.Samples.ConsoleConsumer;

/// <summary>
/// Prints each shard's records and checkpoints exactly what was printed, so records cut off by --max-records
/// are read again by the next run instead of being skipped.
/// </summary>
internal sealed class PrintingRecordProcessor(RecordPrinter printer) : IShardRecordProcessor
{
    private bool truncated;

    public Task InitializeAsync(InitializationInput input, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public async Task ProcessRecordsAsync(ProcessRecordsInput input, CancellationToken cancellationToken = default)
    {
        var printed = printer.Print(input.ShardId, input.Records);
        truncated |= printed < input.Records.Count;
        if (printed > 0)
        {
            await input.Checkpointer.CheckpointAsync(input.Records[printed - 1], cancellationToken).ConfigureAwait(false);
        }
    }

    public Task LeaseLostAsync(LeaseLostInput input, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task ShardEndedAsync(ShardEndedInput input, CancellationToken cancellationToken = default) =>
        truncated ? Task.CompletedTask : input.Checkpointer.CheckpointAsync(cancellationToken);

    public Task ShutdownRequestedAsync(ShutdownRequestedInput input, CancellationToken cancellationToken = default) =>
        truncated ? Task.CompletedTask : input.Checkpointer.CheckpointAsync(cancellationToken);
}
