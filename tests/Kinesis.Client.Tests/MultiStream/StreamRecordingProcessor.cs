using System.Collections.Concurrent;
using System.Text;

namespace Kinesis.Client.Tests.MultiStream;

/// <summary>One user record as a multi-stream test processor saw it: the stream it was told at initialization, the shard and the payload.</summary>
internal sealed record StreamDelivery(string WorkerId, string? StreamName, string ShardId, string PartitionKey, string Payload);

/// <summary>Records every delivery with the stream from <see cref="InitializationInput.Stream"/>, checkpoints after each batch, counts lost leases.</summary>
internal sealed class StreamRecordingProcessor(string workerId, ConcurrentQueue<StreamDelivery> deliveries, ConcurrentQueue<(string? Stream, string ShardId)> leasesLost, Func<string, Task>? beforeBatch = null) : IShardRecordProcessor
{
    private StreamIdentifier? stream;

    public Task InitializeAsync(InitializationInput input, CancellationToken cancellationToken = default)
    {
        stream = input.Stream;
        return Task.CompletedTask;
    }

    public async Task ProcessRecordsAsync(ProcessRecordsInput input, CancellationToken cancellationToken = default)
    {
        if (beforeBatch is not null)
        {
            await beforeBatch(input.ShardId);
        }

        foreach (var record in input.Records)
        {
            deliveries.Enqueue(new StreamDelivery(workerId, stream?.StreamName, input.ShardId, record.PartitionKey, Encoding.UTF8.GetString(record.Data.Span)));
        }

        await input.Checkpointer.CheckpointAsync(cancellationToken);
    }

    public Task LeaseLostAsync(LeaseLostInput input, CancellationToken cancellationToken = default)
    {
        leasesLost.Enqueue((stream?.StreamName, input.ShardId));
        return Task.CompletedTask;
    }

    public Task ShardEndedAsync(ShardEndedInput input, CancellationToken cancellationToken = default) => input.Checkpointer.CheckpointAsync(cancellationToken);

    public Task ShutdownRequestedAsync(ShutdownRequestedInput input, CancellationToken cancellationToken = default) => input.Checkpointer.CheckpointAsync(cancellationToken);
}
