namespace Kinesis.Client.Leases;

/// <summary>A lease this worker holds. The <see cref="ConcurrencyToken"/> identifies one acquisition: a consumer started for an earlier acquisition cannot write with it.</summary>
internal sealed class HeldLease
{
    private Lease lease;
    private long lastRenewalTimestamp;

    public HeldLease(Lease lease, long acquiredTimestamp)
    {
        this.lease = lease;
        lastRenewalTimestamp = acquiredTimestamp;
    }

    public string LeaseKey => lease.LeaseKey;

    public Guid ConcurrencyToken { get; } = Guid.NewGuid();

    /// <summary>The lease as this worker last wrote or read it.</summary>
    public Lease Lease
    {
        get => Volatile.Read(ref lease);
        set => Volatile.Write(ref lease, value);
    }

    /// <summary>The <see cref="TimeProvider.GetTimestamp"/> taken just before the last successful renewal (or the take) was sent.</summary>
    public long LastRenewalTimestamp
    {
        get => Volatile.Read(ref lastRenewalTimestamp);
        set => Volatile.Write(ref lastRenewalTimestamp, value);
    }

    /// <summary>Serializes the writes to this lease, which all depend on its counter.</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);
}
