namespace Kinesis.Client.Leases;

/// <summary>What one taker run decided.</summary>
/// <param name="ToTake">The leases to take (or steal).</param>
/// <param name="TotalLeases">Leases in the table.</param>
/// <param name="AvailableLeases">Unowned or expired leases.</param>
/// <param name="Workers">Distinct owners of non-expired leases, plus this worker.</param>
/// <param name="Target">Leases per worker aimed at.</param>
/// <param name="MyLeases">Non-expired leases this worker owned at the scan.</param>
/// <param name="Stealing">Whether <paramref name="ToTake"/> are stolen from the most loaded worker.</param>
internal sealed record LeaseTakePlan(IReadOnlyList<Lease> ToTake, int TotalLeases, int AvailableLeases, int Workers, int Target, int MyLeases, bool Stealing)
{
    /// <summary>Leases above <see cref="LeaseManagementOptions.MaxLeasesForWorker"/> that the fair share would have given this worker.</summary>
    public int Spillover { get; init; }

    /// <summary>Further available leases, in the order to try, when a take of <see cref="ToTake"/> finds another worker was faster.</summary>
    public IReadOnlyList<Lease> Spares { get; init; } = [];
}
