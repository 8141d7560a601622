namespace Kinesis.Client.Tests.Consumer;

/// <summary>Holds every ProcessRecords call until <paramref name="release"/> completes, then passes it on to <paramref name="inner"/>.</summary>
internal sealed class GatedProcessor(Task release, IShardRecordProcessor inner) : IShardRecordProcessor
{
    public Task InitializeAsync(InitializationInput input, CancellationToken cancellationToken = default) => inner.InitializeAsync(input, cancellationToken);

    public async Task ProcessRecordsAsync(ProcessRecordsInput input, CancellationToken cancellationToken = default)
    {
        await release.WaitAsync(cancellationToken);
        await inner.ProcessRecordsAsync(input, cancellationToken);
    }

    public Task LeaseLostAsync(LeaseLostInput input, CancellationToken cancellationToken = default) => inner.LeaseLostAsync(input, cancellationToken);

    public Task ShardEndedAsync(ShardEndedInput input, CancellationToken cancellationToken = default) => inner.ShardEndedAsync(input, cancellationToken);

    public Task ShutdownRequestedAsync(ShutdownRequestedInput input, CancellationToken cancellationToken = default) => inner.ShutdownRequestedAsync(input, cancellationToken);
}
