using System.Text;
using Kinesis.Client;
using Microsoft.Extensions.Logging;

namespace Kinesis.Samples.WorkerService;

/// <summary>
/// One instance per shard lease, created through dependency injection (constructor parameters are resolved from
/// the host's services). Calls for one shard never overlap; different shards run concurrently.
/// </summary>
internal sealed partial class OrderProcessor(ILogger<OrderProcessor> logger) : IShardRecordProcessor
{
    private string shardId = "?";

    public Task InitializeAsync(InitializationInput input, CancellationToken cancellationToken = default)
    {
        shardId = input.ShardId;
        LogStarting(shardId, input.Checkpoint.ToString());
        return Task.CompletedTask;
    }

    public async Task ProcessRecordsAsync(ProcessRecordsInput input, CancellationToken cancellationToken = default)
    {
        foreach (var record in input.Records)
        {
            LogRecord(shardId, record.PartitionKey, Encoding.UTF8.GetString(record.Data.Span));
        }

        // Checkpoint after the work is done: a crash replays at most this batch (at-least-once).
        await input.Checkpointer.CheckpointAsync(cancellationToken);
    }

    public Task LeaseLostAsync(LeaseLostInput input, CancellationToken cancellationToken = default)
    {
        // Another worker owns the shard now; checkpointing here would fail, so just stop.
        LogLeaseLost(input.ShardId);
        return Task.CompletedTask;
    }

    public Task ShardEndedAsync(ShardEndedInput input, CancellationToken cancellationToken = default) =>
        input.Checkpointer.CheckpointAsync(cancellationToken);

    public Task ShutdownRequestedAsync(ShutdownRequestedInput input, CancellationToken cancellationToken = default) =>
        input.Checkpointer.CheckpointAsync(cancellationToken);

    [LoggerMessage(1, LogLevel.Information, "Processing {ShardId} from {Checkpoint}")]
    private partial void LogStarting(string shardId, string checkpoint);

    [LoggerMessage(2, LogLevel.Information, "{ShardId} {PartitionKey}: {Data}")]
    private partial void LogRecord(string shardId, string partitionKey, string data);

    [LoggerMessage(3, LogLevel.Information, "Lost the lease on {ShardId}")]
    private partial void LogLeaseLost(string shardId);
}
