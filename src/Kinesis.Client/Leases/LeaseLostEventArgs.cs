namespace Kinesis.Client.Leases;

/// <summary>Data of <see cref="LeaseCoordinator.LeaseLost"/>.</summary>
internal sealed class LeaseLostEventArgs(HeldLease heldLease, LeaseLostReason reason) : EventArgs
{
    public HeldLease HeldLease { get; } = heldLease;

    public LeaseLostReason Reason { get; } = reason;
}
