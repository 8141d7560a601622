using Kinesis.Client.Leases;

namespace Kinesis.Client.Tests.Leases;

/// <summary>Set-up helpers for unit tests of the lease components on <see cref="InMemoryLeaseRefresher"/>.</summary>
internal static class InMemoryLeases
{
    /// <summary>A store with an existing table and <paramref name="count"/> unowned leases shardId-000000000000 … at TRIM_HORIZON.</summary>
    public static async Task<(InMemoryLeaseRefresher Store, IReadOnlyList<string> Keys)> CreateAsync(int count, TimeProvider? clock = null, Func<LeaseStoreOperation, int, TimeSpan>? latency = null)
    {
        var store = new InMemoryLeaseRefresher(clock, tableExists: true) { Latency = latency };
        var keys = await LeaseTestEnvironment.CreateLeasesAsync(store, count);
        return (store, keys);
    }

    /// <summary>Takes each lease for <paramref name="owner"/> directly in the store (no renewer).</summary>
    public static async Task<List<Lease>> AssignAsync(ILeaseRefresher store, string owner, IEnumerable<string> keys)
    {
        var taken = new List<Lease>();
        foreach (var key in keys)
        {
            var lease = await store.GetLeaseAsync(key);
            taken.Add(await store.TryTakeLeaseAsync(lease!, owner) ?? throw new InvalidOperationException($"could not assign {key} to {owner}"));
        }

        return taken;
    }

    /// <summary>Leases per owner in the table (unowned leases under the empty string).</summary>
    public static async Task<Dictionary<string, int>> OwnerCountsAsync(ILeaseRefresher store)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var lease in await store.ListLeasesAsync())
        {
            var owner = lease.LeaseOwner ?? string.Empty;
            counts[owner] = counts.GetValueOrDefault(owner) + 1;
        }

        return counts;
    }
}
