using Kinesis.Core.Api;

namespace Kinesis.Client.Coordination;

/// <summary>
/// Turns a <see cref="StreamConfig"/> into the stream's <see cref="StreamIdentifier"/>: from its ARN and
/// <see cref="StreamConfig.CreationEpoch"/> when both are given, otherwise from DescribeStreamSummary (the account from the
/// StreamARN, the epoch from StreamCreationTimestamp in whole seconds). Identities are cached per name or ARN, so the list is
/// not described again at every stream sync; <see cref="Forget"/> drops one (a stream found deleted).
/// </summary>
internal sealed class StreamResolver
{
    private readonly KinesisApiClient api;
    private readonly Dictionary<string, StreamIdentifier> cache = new(StringComparer.Ordinal);
    private readonly object gate = new();

    public StreamResolver(KinesisApiClient api)
    {
        this.api = api;
    }

    public async Task<StreamIdentifier> ResolveAsync(StreamConfig config, CancellationToken cancellationToken)
    {
        var key = config.ToString();
        lock (gate)
        {
            if (cache.TryGetValue(key, out var known))
            {
                return known;
            }
        }

        var address = config.Address();
        StreamIdentifier identity;
        if (config.CreationEpoch is { } epoch && address.AccountId is { } account)
        {
            identity = new StreamIdentifier(account, address.StreamName, epoch);
        }
        else
        {
            var summary = (await api.DescribeStreamSummaryAsync(address.DescribeRequest(), cancellationToken).ConfigureAwait(false)).StreamDescriptionSummary;
            if (!StreamAddress.TryParseArn(summary.StreamARN, out var described) || described.AccountId is not { } accountId)
            {
                throw new InvalidOperationException($"DescribeStreamSummary of '{address}' returned no stream ARN ('{summary.StreamARN}'); a multi-stream consumer needs the account id from it.");
            }

            var created = summary.StreamCreationTimestamp
                ?? throw new InvalidOperationException($"DescribeStreamSummary of '{address}' returned no StreamCreationTimestamp; a multi-stream consumer needs it for the lease keys (or give the StreamArn with a CreationEpoch).");
            identity = new StreamIdentifier(accountId, summary.StreamName, Math.Max(1, created.ToUnixTimeSeconds()));
        }

        lock (gate)
        {
            cache[key] = identity;
        }

        return identity;
    }

    /// <summary>Drops the cached identity of a stream that was found deleted, so that the next stream sync describes it again.</summary>
    public void Forget(StreamIdentifier identity)
    {
        lock (gate)
        {
            foreach (var (key, value) in cache.ToArray())
            {
                if (value.Equals(identity))
                {
                    cache.Remove(key);
                }
            }
        }
    }
}
