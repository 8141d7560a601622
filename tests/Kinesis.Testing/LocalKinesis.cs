using Amazon.Runtime;
using Kinesis.Core.Aggregation;
using Kinesis.Core.Api;
using Kinesis.LocalServices;

namespace Kinesis.Testing;

/// <summary>Shortcuts for tests that talk to a local Kinesis emulator.</summary>
public static class LocalKinesis
{
    /// <summary>Credentials the emulators accept.</summary>
    public static AWSCredentials Credentials { get; } = new BasicAWSCredentials(LocalAwsServices.AccessKeyId, LocalAwsServices.SecretAccessKey);

    /// <summary>A client for <paramref name="endpoint"/>, optionally sending through <paramref name="handler"/> (fault injection).</summary>
    public static KinesisApiClient CreateClient(Uri endpoint, HttpMessageHandler? handler = null) => new(new KinesisApiClientOptions
    {
        Region = LocalAwsServices.Region,
        ServiceUrl = endpoint,
        Credentials = Credentials,
        HttpHandler = handler,
    });

    /// <summary>Creates a provisioned stream with <paramref name="shardCount"/> shards and waits until it is active.</summary>
    public static async Task CreateStreamAsync(KinesisApiClient client, string streamName, int shardCount, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        await client.CreateStreamAsync(new CreateStreamRequest { StreamName = streamName, ShardCount = shardCount }, cancellationToken).ConfigureAwait(false);
        await client.WaitForStreamActiveAsync(streamName, TimeSpan.FromSeconds(30), cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads every record of every shard (open and closed) from TRIM_HORIZON and deaggregates them; stops
    /// reading a shard at its end or when a read returns nothing and the shard is caught up.
    /// </summary>
    public static async Task<List<(string ShardId, DeaggregatedRecord Record)>> ReadAllAsync(KinesisApiClient client, string streamName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        var shards = await client.ListShardsAsync(new ListShardsRequest { StreamName = streamName }, cancellationToken).ConfigureAwait(false);
        var deaggregator = new Deaggregator();
        var result = new List<(string, DeaggregatedRecord)>();
        var buffer = new List<DeaggregatedRecord>();
        foreach (var shard in shards.Shards)
        {
            var iterator = (await client.GetShardIteratorAsync(
                new GetShardIteratorRequest { StreamName = streamName, ShardId = shard.ShardId, ShardIteratorType = ShardIteratorType.TrimHorizon },
                cancellationToken).ConfigureAwait(false)).ShardIterator;
            while (iterator is not null)
            {
                var response = await client.GetRecordsAsync(new GetRecordsRequest { ShardIterator = iterator, Limit = 10_000 }, cancellationToken).ConfigureAwait(false);
                foreach (var record in response.Records)
                {
                    buffer.Clear();
                    deaggregator.Deaggregate(
                        new KinesisRecordInput(record.Data, record.PartitionKey, record.SequenceNumber, record.ApproximateArrivalTimestamp ?? DateTimeOffset.UtcNow),
                        buffer);
                    foreach (var user in buffer)
                    {
                        result.Add((shard.ShardId, user));
                    }
                }

                if (response.Records.Count == 0 && (response.MillisBehindLatest ?? 0) == 0)
                {
                    break;
                }

                iterator = response.NextShardIterator;
            }
        }

        return result;
    }

    /// <summary>
    /// Runs a split or merge (<paramref name="reshard"/>), retrying while the emulator still calls the stream busy, then waits
    /// until the stream is active again. kinesis-local reports ACTIVE (and the parents closed) a moment before it accepts the
    /// next reshard, so a second reshard right after the first met ResourceInUseException ("not currently ACTIVE") under load.
    /// </summary>
    public static async Task ReshardAsync(KinesisApiClient client, string streamName, Func<Task> reshard, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(reshard);
        var limit = timeout ?? TimeSpan.FromSeconds(60);
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            try
            {
                await reshard().ConfigureAwait(false);
                break;
            }
            catch (KinesisApiException ex) when (ex.ErrorCode == KinesisErrorCodes.ResourceInUse && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200).ConfigureAwait(false);
            }
        }

        await client.WaitForStreamActiveAsync(streamName, limit).ConfigureAwait(false);
    }
}
