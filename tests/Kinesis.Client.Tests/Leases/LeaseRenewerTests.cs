using Kinesis.Client.Leases;
using Kinesis.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kinesis.Client.Tests.Leases;

/// <summary>The renewer and the checkpoint writer on the in-memory store and a manual clock.</summary>
public sealed class LeaseRenewerTests
{
    private static readonly LeaseManagementOptions Options = new();
    private static readonly TimeSpan FailoverTime = Options.FailoverTime;
    private static readonly TimeSpan RenewalInterval = Options.RenewalInterval!.Value;
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task RenewAll_HeldLeases_IncrementEveryCounterAndStayHeld()
    {
        var (clock, store, renewer, held) = await HoldAsync(3);

        for (var i = 1; i <= 5; i++)
        {
            clock.Advance(RenewalInterval);
            await renewer.RenewAllAsync();
        }

        Assert.All(await store.ListLeasesAsync(), lease => Assert.Equal(6, lease.LeaseCounter));
        Assert.All(held, lease => Assert.True(renewer.IsHeld(lease.LeaseKey, lease.ConcurrencyToken)));
        Assert.Equal(3, renewer.GetHeldLeases().Count);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task RenewAll_LeaseStolen_LostAsRenewalRejectedAndNotHeld()
    {
        var (_, store, renewer, held) = await HoldAsync(2);
        var lost = new List<LeaseLostEventArgs>();
        renewer.LeaseLost += (_, e) => lost.Add(e);
        Assert.NotNull(await store.TryTakeLeaseAsync(held[0].Lease, "worker-b"));

        await renewer.RenewAllAsync();

        var loss = Assert.Single(lost);
        Assert.Equal(held[0].LeaseKey, loss.HeldLease.LeaseKey);
        Assert.Equal(LeaseLostReason.RenewalRejected, loss.Reason);
        Assert.False(renewer.IsHeld(held[0].LeaseKey, held[0].ConcurrencyToken));
        Assert.True(renewer.IsHeld(held[1].LeaseKey, held[1].ConcurrencyToken));
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task RenewAll_StoreFailing_KeepsLeaseWithinFailoverTimeThenLosesItLocally()
    {
        var (clock, store, renewer, held) = await HoldAsync(1);
        var lost = new List<LeaseLostEventArgs>();
        renewer.LeaseLost += (_, e) => lost.Add(e);
        store.Fault = (op, _) => op == LeaseStoreOperation.RenewLease ? new TimeoutException("injected") : null;

        clock.Advance(FailoverTime - Tick);
        await renewer.RenewAllAsync();
        Assert.True(renewer.IsHeld(held[0].LeaseKey, held[0].ConcurrencyToken));
        Assert.Empty(lost);

        clock.Advance(Tick * 2);
        await renewer.RenewAllAsync();

        Assert.Equal(LeaseLostReason.LocallyExpired, Assert.Single(lost).Reason);
        Assert.False(renewer.IsHeld(held[0].LeaseKey, held[0].ConcurrencyToken));
        Assert.Equal(1, store.Calls(LeaseStoreOperation.RenewLease));
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task GetHeldLeases_NotRenewedForFailoverTime_ExcludedBeforeAnyRenewalPass()
    {
        var (clock, _, renewer, held) = await HoldAsync(1);

        clock.Advance(FailoverTime);
        Assert.Single(renewer.GetHeldLeases());
        clock.Advance(Tick);

        Assert.Empty(renewer.GetHeldLeases());
        Assert.False(renewer.IsHeld(held[0].LeaseKey, held[0].ConcurrencyToken));
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task Checkpoint_HeldLease_WritesAndCountsAsRenewal()
    {
        var (clock, store, renewer, held) = await HoldAsync(1);
        var writer = new LeaseCheckpointWriter(renewer, store);

        clock.Advance(FailoverTime - Tick);
        await writer.CheckpointAsync(held[0].LeaseKey, held[0].ConcurrencyToken, ExtendedSequenceNumber.Latest);
        clock.Advance(FailoverTime - Tick);

        Assert.True(renewer.IsHeld(held[0].LeaseKey, held[0].ConcurrencyToken));
        var stored = await store.GetLeaseAsync(held[0].LeaseKey);
        Assert.Equal(ExtendedSequenceNumber.Latest, stored!.Checkpoint);
        Assert.Equal(2, stored.LeaseCounter);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task Checkpoint_LeaseStolenSinceLastRenewal_ThrowsLeaseLostAndLeavesTheThiefsLeaseAlone()
    {
        var (_, store, renewer, held) = await HoldAsync(1);
        var writer = new LeaseCheckpointWriter(renewer, store);
        var stolen = await store.TryTakeLeaseAsync(held[0].Lease, "worker-b");

        await Assert.ThrowsAsync<LeaseLostException>(() => writer.CheckpointAsync(held[0].LeaseKey, held[0].ConcurrencyToken, ExtendedSequenceNumber.Latest));

        Assert.False(renewer.IsHeld(held[0].LeaseKey, held[0].ConcurrencyToken));
        Assert.Equal(stolen, await store.GetLeaseAsync(held[0].LeaseKey));
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task Checkpoint_ReacquiredSince_OldConcurrencyTokenRejected()
    {
        var (clock, store, renewer, held) = await HoldAsync(1);
        var writer = new LeaseCheckpointWriter(renewer, store);
        var again = renewer.AddLeases([held[0].Lease], clock.GetTimestamp()).Single();

        await Assert.ThrowsAsync<LeaseLostException>(() => writer.CheckpointAsync(held[0].LeaseKey, held[0].ConcurrencyToken, ExtendedSequenceNumber.Latest));
        await writer.CheckpointAsync(again.LeaseKey, again.ConcurrencyToken, ExtendedSequenceNumber.Latest);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task ReleaseLease_Held_ClearsOwnerSoAnotherTakerTakesItAtOnce()
    {
        var (clock, store, renewer, held) = await HoldAsync(2);
        var lost = new List<LeaseLostEventArgs>();
        renewer.LeaseLost += (_, e) => lost.Add(e);

        Assert.True(await renewer.ReleaseLeaseAsync(held[0].LeaseKey));
        var taker = new LeaseTaker(store, "worker-b", Options, clock, NullLogger.Instance, new Random(1));
        var (taken, _) = await taker.TakeLeasesAsync();

        Assert.Equal(LeaseLostReason.Released, Assert.Single(lost).Reason);
        Assert.Equal(held[0].LeaseKey, Assert.Single(taken).LeaseKey);
        Assert.False(await renewer.ReleaseLeaseAsync(held[0].LeaseKey));
    }

    private static async Task<(ManualTimeProvider Clock, InMemoryLeaseRefresher Store, LeaseRenewer Renewer, IReadOnlyList<HeldLease> Held)> HoldAsync(int count)
    {
        var clock = new ManualTimeProvider();
        var (store, keys) = await InMemoryLeases.CreateAsync(count, clock);
        var taken = await InMemoryLeases.AssignAsync(store, "worker-a", keys);
        var renewer = new LeaseRenewer(store, "worker-a", Options, clock, NullLogger.Instance);
        var held = renewer.AddLeases(taken, clock.GetTimestamp());
        return (clock, store, renewer, held);
    }
}
