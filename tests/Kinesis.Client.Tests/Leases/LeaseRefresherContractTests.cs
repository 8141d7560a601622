using Amazon.DynamoDBv2.Model;
using Kinesis.Client.Leases;
using Kinesis.Testing;

namespace Kinesis.Client.Tests.Leases;

/// <summary>
/// The conditional semantics every <see cref="ILeaseRefresher"/> must have, run against DynamoDB (dynalite) and the
/// in-memory store alike, so tests and simulations on the in-memory store tell the truth about the real one.
/// </summary>
public abstract class LeaseRefresherContractTests
{
    private const string ShardId = "shardId-000000000007";
    private const string SequenceNumber = "49590338271490256608559692538361571095921575989136588898";

    /// <summary>A store whose table does not exist yet.</summary>
    private protected abstract ILeaseRefresher CreateStore();

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task CreateTableIfNotExists_Absent_CreatesOnceAndReportsItExists()
    {
        var store = CreateStore();
        Assert.False(await store.TableExistsAsync());

        Assert.True(await store.CreateTableIfNotExistsAsync());
        Assert.False(await store.CreateTableIfNotExistsAsync());

        Assert.True(await store.TableExistsAsync());
        await store.WaitUntilActiveAsync();
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task ListLeases_TableAbsent_ThrowsResourceNotFound()
    {
        var store = CreateStore();

        await Assert.ThrowsAsync<ResourceNotFoundException>(() => store.ListLeasesAsync());
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task CreateLeaseIfNotExists_AllFields_ReadBackAsWritten()
    {
        var store = await CreateTableAsync();
        var lease = Lease.CreateNew(ShardId, new ExtendedSequenceNumber(SequenceNumber, 3), ["shardId-000000000001"], "0", "170141183460469231731687303715884105727");

        Assert.True(await store.CreateLeaseIfNotExistsAsync(lease));

        var stored = await store.GetLeaseAsync(ShardId);
        Assert.NotNull(stored);
        Assert.Null(stored.LeaseOwner);
        Assert.Equal(0, stored.LeaseCounter);
        Assert.Equal(0, stored.OwnerSwitchesSinceCheckpoint);
        Assert.Equal(new ExtendedSequenceNumber(SequenceNumber, 3), stored.Checkpoint);
        Assert.Null(stored.PendingCheckpoint);
        Assert.Null(stored.PendingCheckpointState);
        Assert.Equal(["shardId-000000000001"], stored.ParentShardIds);
        Assert.Empty(stored.ChildShardIds);
        Assert.Equal("0", stored.StartingHashKey);
        Assert.Equal("170141183460469231731687303715884105727", stored.EndingHashKey);
        Assert.Null(await store.GetLeaseAsync("shardId-000000000099"));
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task GetLeases_MoreKeysThanOneBatchSomeMissingOneTwice_EveryKeyReadMissingOnesNull()
    {
        var store = await CreateTableAsync();
        var keys = Enumerable.Range(0, 130).Select(i => $"shardId-{i:D12}").ToList();
        foreach (var key in keys.Where((_, i) => i % 3 != 0))
        {
            Assert.True(await store.CreateLeaseIfNotExistsAsync(Lease.CreateNew(key, ExtendedSequenceNumber.TrimHorizon, [], null, null)));
        }

        var read = await store.GetLeasesAsync([.. keys, keys[5]]);

        Assert.Equal(keys.Order(StringComparer.Ordinal), read.Keys.Order(StringComparer.Ordinal));
        for (var i = 0; i < keys.Count; i++)
        {
            if (i % 3 == 0)
            {
                Assert.Null(read[keys[i]]);
            }
            else
            {
                Assert.Equal(keys[i], read[keys[i]]!.LeaseKey);
            }
        }
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task CreateLeaseIfNotExists_Twice_SecondReturnsFalseAndKeepsItem()
    {
        var store = await CreateTableAsync();
        var lease = Lease.CreateNew(ShardId, ExtendedSequenceNumber.TrimHorizon);
        Assert.True(await store.CreateLeaseIfNotExistsAsync(lease));
        var taken = await store.TryTakeLeaseAsync(lease, "worker-a");
        Assert.NotNull(taken);

        Assert.False(await store.CreateLeaseIfNotExistsAsync(lease with { Checkpoint = ExtendedSequenceNumber.Latest }));

        var stored = await store.GetLeaseAsync(ShardId);
        Assert.NotNull(stored);
        Assert.Equal("worker-a", stored.LeaseOwner);
        Assert.Equal(taken.LeaseCounter, stored.LeaseCounter);
        Assert.Equal(ExtendedSequenceNumber.TrimHorizon, stored.Checkpoint);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task ListLeases_SeveralLeases_ReturnsEveryLease()
    {
        var store = await CreateTableAsync();
        var keys = await LeaseTestEnvironment.CreateLeasesAsync(store, 5);

        var leases = await store.ListLeasesAsync();

        Assert.Equal(keys, leases.Select(l => l.LeaseKey).Order(StringComparer.Ordinal));
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task TryRenewLease_CurrentCounterThenStaleCounter_FirstIncrementsSecondFails()
    {
        var store = await CreateTableAsync();
        var taken = await CreateTakenAsync(store, "worker-a");

        var renewed = await store.TryRenewLeaseAsync(taken);
        var stale = await store.TryRenewLeaseAsync(taken with { LeaseCounter = taken.LeaseCounter + 5 });

        Assert.NotNull(renewed);
        Assert.Equal(taken.LeaseCounter + 1, renewed.LeaseCounter);
        Assert.Null(stale);
        Assert.Equal(renewed.LeaseCounter, (await store.GetLeaseAsync(ShardId))!.LeaseCounter);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task TryRenewLease_SameRenewalTwice_SecondConfirmedFromTheTable()
    {
        var store = await CreateTableAsync();
        var taken = await CreateTakenAsync(store, "worker-a");
        Assert.NotNull(await store.TryRenewLeaseAsync(taken));

        // The table holds exactly what this renewal would write (its first attempt may have been applied unseen).
        var again = await store.TryRenewLeaseAsync(taken);

        Assert.NotNull(again);
        Assert.Equal(taken.LeaseCounter + 1, again.LeaseCounter);
        Assert.Equal(taken.LeaseCounter + 1, (await store.GetLeaseAsync(ShardId))!.LeaseCounter);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task TryRenewLease_LeaseTakenByOtherWorker_ReturnsNull()
    {
        var store = await CreateTableAsync();
        var mine = await CreateTakenAsync(store, "worker-a");
        Assert.NotNull(await store.TryTakeLeaseAsync(mine, "worker-b"));

        Assert.Null(await store.TryRenewLeaseAsync(mine));
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task TryRenewLease_OtherOwnerWithSameCounter_ReturnsNull()
    {
        var store = await CreateTableAsync();
        var taken = await CreateTakenAsync(store, "worker-a");

        Assert.Null(await store.TryRenewLeaseAsync(taken with { LeaseOwner = "worker-b" }));
        Assert.Equal(taken.LeaseCounter, (await store.GetLeaseAsync(ShardId))!.LeaseCounter);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task TryTakeLease_Unowned_SetsOwnerWithoutCountingASwitch()
    {
        var store = await CreateTableAsync();
        var lease = Lease.CreateNew(ShardId, ExtendedSequenceNumber.TrimHorizon);
        Assert.True(await store.CreateLeaseIfNotExistsAsync(lease));

        var taken = await store.TryTakeLeaseAsync(lease, "worker-a");

        Assert.NotNull(taken);
        Assert.Equal("worker-a", taken.LeaseOwner);
        Assert.Equal(1, taken.LeaseCounter);
        Assert.Equal(0, taken.OwnerSwitchesSinceCheckpoint);
        var stored = await store.GetLeaseAsync(ShardId);
        Assert.Equal("worker-a", stored!.LeaseOwner);
        Assert.Equal(1, stored.LeaseCounter);
        Assert.Equal(0, stored.OwnerSwitchesSinceCheckpoint);
        Assert.Equal(ExtendedSequenceNumber.TrimHorizon, stored.Checkpoint);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task TryTakeLease_FromOtherOwner_IncrementsCounterAndOwnerSwitches()
    {
        var store = await CreateTableAsync();
        var fromA = await CreateTakenAsync(store, "worker-a");
        Assert.Equal(0, fromA.OwnerSwitchesSinceCheckpoint);

        var stolen = await store.TryTakeLeaseAsync(fromA, "worker-b");
        var stale = await store.TryTakeLeaseAsync(fromA, "worker-c");

        Assert.NotNull(stolen);
        Assert.Null(stale);
        var stored = await store.GetLeaseAsync(ShardId);
        Assert.Equal("worker-b", stored!.LeaseOwner);
        Assert.Equal(fromA.LeaseCounter + 1, stored.LeaseCounter);
        Assert.Equal(1, stored.OwnerSwitchesSinceCheckpoint);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task TryTakeLease_ManyTakersSameCounter_ExactlyOneWins()
    {
        var store = await CreateTableAsync();
        var lease = Lease.CreateNew(ShardId, ExtendedSequenceNumber.TrimHorizon);
        Assert.True(await store.CreateLeaseIfNotExistsAsync(lease));

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => store.TryTakeLeaseAsync(lease, $"worker-{i}"))));

        var winner = Assert.Single(results, r => r is not null);
        var stored = await store.GetLeaseAsync(ShardId);
        Assert.Equal(winner!.LeaseOwner, stored!.LeaseOwner);
        Assert.Equal(1, stored.LeaseCounter);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task TryTakeLease_NeverTakenLeaseDeletedSinceScan_ReturnsNullAndDoesNotRecreateIt()
    {
        var store = await CreateTableAsync();
        var lease = Lease.CreateNew(ShardId, ExtendedSequenceNumber.TrimHorizon);
        Assert.True(await store.CreateLeaseIfNotExistsAsync(lease));
        await store.DeleteLeaseAsync(ShardId);

        Assert.Null(await store.TryTakeLeaseAsync(lease, "worker-a"));
        Assert.Null(await store.GetLeaseAsync(ShardId));
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task OwnerWrites_LeaseDeleted_ReturnNull()
    {
        var store = await CreateTableAsync();
        var taken = await CreateTakenAsync(store, "worker-a");
        await store.DeleteLeaseAsync(ShardId);

        Assert.Null(await store.TryRenewLeaseAsync(taken));
        Assert.Null(await store.TryEvictLeaseAsync(taken));
        Assert.Null(await store.TryUpdateCheckpointAsync(taken, ExtendedSequenceNumber.Latest));
        Assert.Null(await store.TryMarkShardEndAsync(taken, []));
        Assert.Null(await store.TryPrepareCheckpointAsync(taken, ExtendedSequenceNumber.Latest, null));
        Assert.Null(await store.GetLeaseAsync(ShardId));
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task TryEvictLease_HeldLease_RemovesOwnerAndStaleEvictFails()
    {
        var store = await CreateTableAsync();
        var taken = await CreateTakenAsync(store, "worker-a");

        var evicted = await store.TryEvictLeaseAsync(taken);
        var again = await store.TryEvictLeaseAsync(taken);

        Assert.NotNull(evicted);
        Assert.Null(evicted.LeaseOwner);
        Assert.Null(again);
        var stored = await store.GetLeaseAsync(ShardId);
        Assert.Null(stored!.LeaseOwner);
        Assert.Equal(taken.LeaseCounter + 1, stored.LeaseCounter);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task TryEvictLease_OtherOwnerWithSameCounter_ReturnsNull()
    {
        var store = await CreateTableAsync();
        var taken = await CreateTakenAsync(store, "worker-a");

        Assert.Null(await store.TryEvictLeaseAsync(taken with { LeaseOwner = "worker-b" }));
        Assert.Equal("worker-a", (await store.GetLeaseAsync(ShardId))!.LeaseOwner);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task TryUpdateCheckpoint_AfterPrepareAndSteal_ResetsSwitchesClearsPendingAndStaleFails()
    {
        var store = await CreateTableAsync();
        var a = await CreateTakenAsync(store, "worker-a");
        var b = await store.TryTakeLeaseAsync(a, "worker-b");
        Assert.NotNull(b);
        var prepared = await store.TryPrepareCheckpointAsync(b, new ExtendedSequenceNumber(SequenceNumber), new byte[] { 7 });
        Assert.NotNull(prepared);

        var checkpoint = new ExtendedSequenceNumber(SequenceNumber, 2);
        var updated = await store.TryUpdateCheckpointAsync(prepared, checkpoint);
        var stale = await store.TryUpdateCheckpointAsync(prepared, checkpoint);

        Assert.NotNull(updated);
        Assert.Null(stale);
        Assert.Equal(checkpoint, updated.Checkpoint);
        Assert.Null(updated.PendingCheckpoint);
        var stored = await store.GetLeaseAsync(ShardId);
        Assert.Equal(checkpoint, stored!.Checkpoint);
        Assert.Equal(0, stored.OwnerSwitchesSinceCheckpoint);
        Assert.Equal("worker-b", stored.LeaseOwner);
        Assert.Equal(b.LeaseCounter + 2, stored.LeaseCounter);
        Assert.Null(stored.PendingCheckpoint);
        Assert.Null(stored.PendingCheckpointState);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task TryUpdateCheckpoint_OtherOwnerWithSameCounter_ReturnsNull()
    {
        var store = await CreateTableAsync();
        var taken = await CreateTakenAsync(store, "worker-a");

        Assert.Null(await store.TryUpdateCheckpointAsync(taken with { LeaseOwner = "worker-b" }, ExtendedSequenceNumber.Latest));
        Assert.Equal(ExtendedSequenceNumber.TrimHorizon, (await store.GetLeaseAsync(ShardId))!.Checkpoint);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task TryPrepareCheckpoint_WithAndWithoutState_KeepsCommittedCheckpointAndReplacesState()
    {
        var store = await CreateTableAsync();
        var taken = await CreateTakenAsync(store, "worker-a");

        var first = await store.TryPrepareCheckpointAsync(taken, new ExtendedSequenceNumber(SequenceNumber, 1), new byte[] { 1, 2 });
        Assert.NotNull(first);
        var withState = await store.GetLeaseAsync(ShardId);
        var second = await store.TryPrepareCheckpointAsync(first, new ExtendedSequenceNumber(SequenceNumber, 2), null);
        Assert.NotNull(second);
        var withoutState = await store.GetLeaseAsync(ShardId);

        Assert.Equal(new ExtendedSequenceNumber(SequenceNumber, 1), withState!.PendingCheckpoint);
        Assert.Equal(new byte[] { 1, 2 }, withState.PendingCheckpointState!.Value.ToArray());
        Assert.Equal(ExtendedSequenceNumber.TrimHorizon, withState.Checkpoint);
        Assert.Equal(new ExtendedSequenceNumber(SequenceNumber, 2), withoutState!.PendingCheckpoint);
        Assert.Null(withoutState.PendingCheckpointState);
        Assert.Equal(ExtendedSequenceNumber.TrimHorizon, withoutState.Checkpoint);
        Assert.Equal(taken.LeaseCounter + 2, withoutState.LeaseCounter);
        Assert.Null(await store.TryPrepareCheckpointAsync(first, ExtendedSequenceNumber.Latest, null));
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task TryMarkShardEnd_HeldLease_WritesShardEndAndChildrenAndStaleFails()
    {
        var store = await CreateTableAsync();
        var taken = await CreateTakenAsync(store, "worker-a");

        var ended = await store.TryMarkShardEndAsync(taken, ["shardId-000000000010", "shardId-000000000011"]);
        var stale = await store.TryMarkShardEndAsync(taken, ["shardId-000000000012"]);

        Assert.NotNull(ended);
        Assert.Null(stale);
        var stored = await store.GetLeaseAsync(ShardId);
        Assert.Equal(ExtendedSequenceNumber.ShardEnd, stored!.Checkpoint);
        Assert.Equal(["shardId-000000000010", "shardId-000000000011"], stored.ChildShardIds.Order(StringComparer.Ordinal));
        Assert.Equal(taken.LeaseCounter + 1, stored.LeaseCounter);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task DeleteLease_ExistingAndMissing_RemovesItemWithoutError()
    {
        var store = await CreateTableAsync();
        await CreateTakenAsync(store, "worker-a");

        await store.DeleteLeaseAsync(ShardId);
        await store.DeleteLeaseAsync(ShardId);

        Assert.Null(await store.GetLeaseAsync(ShardId));
        Assert.Empty(await store.ListLeasesAsync());
    }

    private async Task<ILeaseRefresher> CreateTableAsync()
    {
        var store = CreateStore();
        await store.CreateTableIfNotExistsAsync();
        return store;
    }

    private static async Task<Lease> CreateTakenAsync(ILeaseRefresher store, string owner)
    {
        var lease = Lease.CreateNew(ShardId, ExtendedSequenceNumber.TrimHorizon);
        Assert.True(await store.CreateLeaseIfNotExistsAsync(lease));
        var taken = await store.TryTakeLeaseAsync(lease, owner);
        Assert.NotNull(taken);
        return taken;
    }
}
