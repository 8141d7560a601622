namespace Kinesis.Client;

/// <summary>
/// A processor for small applications: runs a delegate for each batch and checkpoints at the batch's last record when the
/// delegate returns (after a <see cref="ProcessRecordsInput.ReportFailure(KinesisClientRecord, Exception?)"/>, just before the
/// reported record). On shard end and on a graceful stop it checkpoints what was processed. It keeps no state, so it is safe
/// with <see cref="KinesisConsumerOptions.ParallelizationFactor"/> above 1 as long as the delegate is: the delegate then runs
/// concurrently for the lanes of a shard, and each checkpoint is written at the shard's low-water mark.
/// </summary>
public sealed class DelegateShardRecordProcessor : IShardRecordProcessor
{
    private readonly Func<ProcessRecordsInput, CancellationToken, Task> handler;

    /// <param name="handler">Processes one batch; see <see cref="IShardRecordProcessor.ProcessRecordsAsync"/> for threading and error handling.</param>
    public DelegateShardRecordProcessor(Func<ProcessRecordsInput, CancellationToken, Task> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        this.handler = handler;
    }

    /// <inheritdoc/>
    public Task InitializeAsync(InitializationInput input, CancellationToken cancellationToken = default) => Task.CompletedTask;

    /// <inheritdoc/>
    public async Task ProcessRecordsAsync(ProcessRecordsInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        await handler(input, cancellationToken).ConfigureAwait(false);
        // The checkpointer's bound is the batch's last record, or just before a record the delegate reported failed.
        await input.Checkpointer.CheckpointAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public Task LeaseLostAsync(LeaseLostInput input, CancellationToken cancellationToken = default) => Task.CompletedTask;

    /// <inheritdoc/>
    public Task ShardEndedAsync(ShardEndedInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Checkpointer.CheckpointAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public Task ShutdownRequestedAsync(ShutdownRequestedInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Checkpointer.CheckpointAsync(cancellationToken);
    }
}
