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
    /// <summary>Records whose data starts with this fail processing, to show the dead-letter mode.</summary>
    public const string PoisonPrefix = "poison";

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
            var order = Encoding.UTF8.GetString(record.Data.Span);

            // Stands for a record the application cannot handle (bad JSON, an unknown customer). Throwing hands the batch
            // back to the consumer: by default it is retried until it succeeds; with --dead-letter the failing record is
            // isolated, retried twice more and then written to the dead-letter stream (see Program.cs).
            if (order.StartsWith(PoisonPrefix, StringComparison.Ordinal))
            {
                throw new FormatException($"Cannot process order '{order}' (it starts with '{PoisonPrefix}').");
            }

            LogRecord(shardId, record.PartitionKey, order);
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
