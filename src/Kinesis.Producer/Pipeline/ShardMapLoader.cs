using Kinesis.Core.Api;
using Kinesis.Core.Hashing;
using Microsoft.Extensions.Logging;

namespace Kinesis.Producer.Pipeline;

/// <summary>
/// Loads each stream's shard map with ListShards (paged): lazily on first use, after a record lands on an
/// unexpected shard, and every <see cref="KinesisProducerOptions.ShardMapRefreshInterval"/>. Concurrent
/// requests for one stream share one load.
/// </summary>
internal sealed partial class ShardMapLoader
{
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(1);

    private readonly KinesisApiClient client;
    private readonly KinesisProducerOptions options;
    private readonly TimeProvider time;
    private readonly ILogger logger;

    public ShardMapLoader(KinesisApiClient client, KinesisProducerOptions options, TimeProvider time, ILogger logger)
    {
        this.client = client;
        this.options = options;
        this.time = time;
        this.logger = logger;
    }

    /// <summary>Raised after a load succeeded or failed and records were routed again, so the sender looks at them.</summary>
    public event Action? RoutingChanged;

    /// <summary>Loads the map again (or joins a load in progress). Never throws: failures are logged and yield null.</summary>
    public Task<ShardMap?> RefreshAsync(StreamPipeline stream)
    {
        lock (stream.MapLoadGate)
        {
            if (stream.MapLoad is { IsCompleted: false } running)
            {
                return running;
            }

            var load = LoadAsync(stream);
            stream.MapLoad = load;
            return load;
        }
    }

    /// <summary>Starts a refresh when one is requested or due; does not wait for it.</summary>
    public void RefreshIfDue(StreamPipeline stream)
    {
        var due = stream.MapRefreshRequested
            || (stream.Map is null
                ? time.GetElapsedTime(stream.MapLoadedAt) >= RetryAfterFailure
                : time.GetElapsedTime(stream.MapLoadedAt) >= options.ShardMapRefreshInterval);
        if (due && stream.MapLoad is not { IsCompleted: false })
        {
            _ = RefreshAsync(stream);
        }
    }

    /// <summary>Starts the first load of a stream's map unless one is running; does not wait for it.</summary>
    public void EnsureLoading(StreamPipeline stream)
    {
        if (stream.MapLoad is not { IsCompleted: false })
        {
            _ = RefreshAsync(stream);
        }
    }

    private async Task<ShardMap?> LoadAsync(StreamPipeline stream)
    {
        try
        {
            // Every page is bounded by the API client's request timeout (the producer's RequestTimeout).
            var shards = await client.ListAllShardsAsync(new ListShardsRequest { StreamName = stream.RequestStreamName, StreamARN = stream.StreamArn }).ConfigureAwait(false);
            var entries = new List<ShardMapEntry>(shards.Count);
            foreach (var shard in shards)
            {
                entries.Add(ShardMapEntry.FromListShards(
                    shard.ShardId,
                    shard.ParentShardId,
                    shard.AdjacentParentShardId,
                    shard.HashKeyRange,
                    shard.SequenceNumberRange.EndingSequenceNumber));
            }

            var map = new ShardMap(entries);
            if (!map.IsCoverageComplete)
            {
                LogIncompleteMap(logger, stream.Stream, map.CoverageIssues.Count);
            }

            stream.ApplyMap(map);
            RoutingChanged?.Invoke();
            return map;
        }
        catch (Exception ex)
        {
            // Any exception, not only the API's: a user's HTTP handler may throw anything, and a faulted load would be
            // awaited by nobody (RefreshIfDue, EnsureLoading) or fail the records of a call already answered.
            LogMapLoadFailed(logger, ex, stream.Stream);
            stream.MapLoadFailed(ex is KinesisApiException { ErrorCode: KinesisErrorCodes.ResourceNotFound } ? ex : null);
            RoutingChanged?.Invoke();
            return null;
        }
    }

    [LoggerMessage(EventId = 4201, Level = LogLevel.Warning, Message = "Loading the shard map of stream {StreamName} failed; records are sent without shard prediction until it loads.")]
    private static partial void LogMapLoadFailed(ILogger logger, Exception exception, string streamName);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Warning, Message = "The open shards of stream {StreamName} do not cover the hash key space exactly ({IssueCount} gaps or overlaps); records in gaps are sent without prediction.")]
    private static partial void LogIncompleteMap(ILogger logger, string streamName, int issueCount);
}
