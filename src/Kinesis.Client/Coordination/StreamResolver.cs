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
        if (Cached(config) is { } known)
        {
            return known;
        }

        var summary = FromConfig(config) is null
            ? (await api.DescribeStreamSummaryAsync(config.Address().DescribeRequest(), cancellationToken).ConfigureAwait(false)).StreamDescriptionSummary
            : null;
        return Resolve(config, summary);
    }

    /// <summary>
    /// The identity of <paramref name="config"/> from a DescribeStreamSummary answer the caller already has (the start-up
    /// check's), so the stream is not described twice; the config's ARN and epoch still win when both are given.
    /// </summary>
    public StreamIdentifier Resolve(StreamConfig config, StreamDescriptionSummary? summary)
    {
        if (Cached(config) is { } known)
        {
            return known;
        }

        var identity = FromConfig(config) ?? FromSummary(config.Address(), summary!);
        lock (gate)
        {
            cache[config.ToString()] = identity;
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

    private static StreamIdentifier? FromConfig(StreamConfig config)
    {
        var address = config.Address();
        return config.CreationEpoch is { } epoch && address.AccountId is { } account ? new StreamIdentifier(account, address.StreamName, epoch) : null;
    }

    private static StreamIdentifier FromSummary(StreamAddress address, StreamDescriptionSummary summary)
    {
        if (!StreamAddress.TryParseArn(summary.StreamARN, out var described) || described.AccountId is not { } accountId)
        {
            throw new InvalidOperationException($"DescribeStreamSummary of '{address}' returned no stream ARN ('{summary.StreamARN}'); a multi-stream consumer needs the account id from it.");
        }

        var created = summary.StreamCreationTimestamp
            ?? throw new InvalidOperationException($"DescribeStreamSummary of '{address}' returned no StreamCreationTimestamp; a multi-stream consumer needs it for the lease keys (or give the StreamArn with a CreationEpoch).");
        return new StreamIdentifier(accountId, summary.StreamName, Math.Max(1, created.ToUnixTimeSeconds()));
    }

    private StreamIdentifier? Cached(StreamConfig config)
    {
        lock (gate)
        {
            return cache.TryGetValue(config.ToString(), out var known) ? known : null;
        }
    }
}
