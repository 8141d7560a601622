namespace Kinesis.Client.Leases;

/// <summary>Data of <see cref="LeaseCoordinator.LeaseAcquired"/>.</summary>
internal sealed class LeaseAcquiredEventArgs(HeldLease heldLease) : EventArgs
{
    public HeldLease HeldLease { get; } = heldLease;
}
