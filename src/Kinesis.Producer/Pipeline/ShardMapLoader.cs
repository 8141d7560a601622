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

    /// <summary>Raised after a new map is applied, so the sender can look at the new buffers.</summary>
    public event Action? MapApplied;

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

    /// <summary>
    /// Loads the map the first time a stream is used. A stream that does not exist fails the call; any other
    /// error is logged and records are sent without prediction until a later load succeeds.
    /// </summary>
    public async Task EnsureLoadedAsync(StreamPipeline stream, CancellationToken cancellationToken)
    {
        if (stream.Map is not null)
        {
            return;
        }

        Task<ShardMap?> load;
        lock (stream.MapLoadGate)
        {
            load = stream.MapLoad ??= LoadAsync(stream);
        }

        await load.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (stream.Map is null && stream.MissingStreamError is { } missing)
        {
            lock (stream.MapLoadGate)
            {
                // Let the next call try again: the stream may be created later.
                stream.MapLoad = null;
            }

            throw new KinesisProducerException($"Stream '{stream.StreamName}' does not exist or is not accessible: {missing.Message}", missing);
        }
    }

    private async Task<ShardMap?> LoadAsync(StreamPipeline stream)
    {
        try
        {
            var entries = new List<ShardMapEntry>();
            string? nextToken = null;
            do
            {
                // Continuation pages carry only the token: the API refuses the stream name beside it.
                var request = nextToken is null
                    ? new ListShardsRequest { StreamName = stream.StreamName }
                    : new ListShardsRequest { NextToken = nextToken };
                using var timeout = new CancellationTokenSource(options.RequestTimeout, time);
                var response = await client.ListShardsAsync(request, timeout.Token).ConfigureAwait(false);
                foreach (var shard in response.Shards)
                {
                    entries.Add(ShardMapEntry.FromListShards(
                        shard.ShardId,
                        shard.ParentShardId,
                        shard.AdjacentParentShardId,
                        shard.HashKeyRange.StartingHashKey,
                        shard.HashKeyRange.EndingHashKey,
                        shard.SequenceNumberRange.EndingSequenceNumber));
                }

                nextToken = response.NextToken;
            }
            while (nextToken is not null);

            var map = new ShardMap(entries);
            if (!map.IsCoverageComplete)
            {
                LogIncompleteMap(logger, stream.StreamName, map.CoverageIssues.Count);
            }

            stream.MissingStreamError = null;
            stream.ApplyMap(map);
            MapApplied?.Invoke();
            return map;
        }
        catch (Exception ex) when (ex is KinesisApiException or OperationCanceledException or ArgumentException)
        {
            if (ex is KinesisApiException { ErrorCode: KinesisErrorCodes.ResourceNotFound } notFound)
            {
                stream.MissingStreamError = notFound;
            }

            stream.MarkMapLoadFailed();
            LogMapLoadFailed(logger, ex, stream.StreamName);
            return null;
        }
    }

    [LoggerMessage(EventId = 4201, Level = LogLevel.Warning, Message = "Loading the shard map of stream {StreamName} failed; records are sent without shard prediction until it loads.")]
    private static partial void LogMapLoadFailed(ILogger logger, Exception exception, string streamName);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Warning, Message = "The open shards of stream {StreamName} do not cover the hash key space exactly ({IssueCount} gaps or overlaps); records in gaps are sent without prediction.")]
    private static partial void LogIncompleteMap(ILogger logger, string streamName, int issueCount);
}
