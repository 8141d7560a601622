using Amazon.DynamoDBv2.Model;

namespace Kinesis.Client.Leases;

/// <summary>
/// A lease store in memory with the conditional semantics of <see cref="DynamoDbLeaseRefresher"/>: creation only when
/// the key is absent; renew, evict and checkpoint writes conditional on the counter and the owner; take conditional
/// on the counter only; every write increments the counter; a failed condition returns <see langword="null"/>. The
/// same contract tests run against both stores. For unit tests of the taker, renewer, shard syncer and cleanup, and
/// for scale simulations.
/// </summary>
/// <remarks>
/// Safe for concurrent use: each operation is atomic. Leases are stored as immutable records (a created lease is
/// normalized by a round trip through <see cref="LeaseSerializer"/>, as DynamoDB would store it). Optional
/// <see cref="Latency"/> is waited with the <see cref="TimeProvider"/>, so a simulation on a
/// virtual clock sees scans and writes overlap as they do against DynamoDB; <see cref="Fault"/> replaces an operation by
/// an exception. An operation on a table not created yet throws <see cref="ResourceNotFoundException"/>, as DynamoDB does.
/// </remarks>
internal sealed class InMemoryLeaseRefresher : ILeaseRefresher
{
    private static readonly int OperationCount = Enum.GetValues<LeaseStoreOperation>().Length;

    private readonly object gate = new();
    private readonly Dictionary<string, Lease> leases = new(StringComparer.Ordinal);
    private readonly long[] calls = new long[OperationCount];
    private readonly long[] conditionFailures = new long[OperationCount];
    private readonly TimeProvider timeProvider;
    private bool tableExists;
    private Func<LeaseStoreOperation, string?, Exception?>? fault;

    /// <param name="timeProvider">The clock that <see cref="Latency"/> is waited on (default: the system clock).</param>
    /// <param name="tableExists">Whether the table exists from the start (default: created by <see cref="CreateTableIfNotExistsAsync"/>).</param>
    public InMemoryLeaseRefresher(TimeProvider? timeProvider = null, bool tableExists = false)
    {
        this.timeProvider = timeProvider ?? TimeProvider.System;
        this.tableExists = tableExists;
    }

    /// <summary>
    /// How long an operation takes, given the operation and the number of items it reads (a scan: the leases in the table;
    /// otherwise 1), waited on the <see cref="TimeProvider"/>. A write applies after its latency; a read returns what the
    /// table held when it started, so a slow scan returns stale counters as DynamoDB's does. <see langword="null"/> or
    /// zero: instant.
    /// </summary>
    public Func<LeaseStoreOperation, int, TimeSpan>? Latency { get; init; }

    /// <summary>
    /// Fault injection: called with the operation and its lease key (<see langword="null"/> for table operations and
    /// scans) before the operation applies; an exception it returns is thrown instead. Can be changed at any time.
    /// </summary>
    public Func<LeaseStoreOperation, string?, Exception?>? Fault
    {
        get => Volatile.Read(ref fault);
        set => Volatile.Write(ref fault, value);
    }

    /// <summary>How many times <paramref name="operation"/> was called (including faulted calls and failed conditions).</summary>
    public long Calls(LeaseStoreOperation operation) => Interlocked.Read(ref calls[(int)operation]);

    /// <summary>How many calls of <paramref name="operation"/> failed their condition.</summary>
    public long ConditionFailures(LeaseStoreOperation operation) => Interlocked.Read(ref conditionFailures[(int)operation]);

    /// <summary>Write calls of every kind (a failed conditional write consumes write capacity in DynamoDB too).</summary>
    public long WriteCalls =>
        Calls(LeaseStoreOperation.CreateLease) + Calls(LeaseStoreOperation.RenewLease) + Calls(LeaseStoreOperation.TakeLease)
        + Calls(LeaseStoreOperation.EvictLease) + Calls(LeaseStoreOperation.UpdateCheckpoint) + Calls(LeaseStoreOperation.PrepareCheckpoint)
        + Calls(LeaseStoreOperation.DeleteLease);

    /// <summary>The number of leases in the table.</summary>
    public int Count
    {
        get
        {
            lock (gate)
            {
                return leases.Count;
            }
        }
    }

    /// <summary>The leases now, without latency, faults or counting: for assertions and simulations.</summary>
    public IReadOnlyList<Lease> Snapshot()
    {
        lock (gate)
        {
            return [.. leases.Values];
        }
    }

    /// <inheritdoc />
    public async Task<bool> CreateTableIfNotExistsAsync(CancellationToken cancellationToken = default)
    {
        await BeginAsync(LeaseStoreOperation.CreateTable, null, requiresTable: false, cancellationToken).ConfigureAwait(false);
        lock (gate)
        {
            var created = !tableExists;
            tableExists = true;
            return created;
        }
    }

    /// <inheritdoc />
    public async Task<bool> TableExistsAsync(CancellationToken cancellationToken = default)
    {
        await BeginAsync(LeaseStoreOperation.DescribeTable, null, requiresTable: false, cancellationToken).ConfigureAwait(false);
        lock (gate)
        {
            return tableExists;
        }
    }

    /// <inheritdoc />
    /// <remarks>The in-memory table is ready as soon as it exists.</remarks>
    public Task WaitUntilActiveAsync(CancellationToken cancellationToken = default) =>
        BeginAsync(LeaseStoreOperation.DescribeTable, null, requiresTable: true, cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<Lease>> ListLeasesAsync(CancellationToken cancellationToken = default)
    {
        Begin(LeaseStoreOperation.ListLeases, null, requiresTable: true, cancellationToken);
        Lease[] snapshot;
        lock (gate)
        {
            snapshot = [.. leases.Values];
        }

        await DelayAsync(LeaseStoreOperation.ListLeases, snapshot.Length, cancellationToken).ConfigureAwait(false);
        return snapshot;
    }

    /// <inheritdoc />
    public async Task<Lease?> GetLeaseAsync(string leaseKey, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(leaseKey);
        Begin(LeaseStoreOperation.GetLease, leaseKey, requiresTable: true, cancellationToken);
        Lease? lease;
        lock (gate)
        {
            lease = leases.GetValueOrDefault(leaseKey);
        }

        await DelayAsync(LeaseStoreOperation.GetLease, 1, cancellationToken).ConfigureAwait(false);
        return lease;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyDictionary<string, Lease?>> GetLeasesAsync(IReadOnlyList<string> leaseKeys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(leaseKeys);
        Begin(LeaseStoreOperation.GetLeases, null, requiresTable: true, cancellationToken);
        var result = new Dictionary<string, Lease?>(leaseKeys.Count, StringComparer.Ordinal);
        lock (gate)
        {
            foreach (var key in leaseKeys)
            {
                result[key] = leases.GetValueOrDefault(key);
            }
        }

        await DelayAsync(LeaseStoreOperation.GetLeases, leaseKeys.Count, cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <inheritdoc />
    public async Task<bool> CreateLeaseIfNotExistsAsync(Lease lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        await BeginAsync(LeaseStoreOperation.CreateLease, lease.LeaseKey, requiresTable: true, cancellationToken).ConfigureAwait(false);

        // Stored as DynamoDB stores it: the round trip drops empty sets and copies the caller's lists and bytes.
        var stored = LeaseSerializer.FromItem(LeaseSerializer.ToItem(lease));
        lock (gate)
        {
            if (leases.TryAdd(lease.LeaseKey, stored))
            {
                return true;
            }
        }

        Interlocked.Increment(ref conditionFailures[(int)LeaseStoreOperation.CreateLease]);
        return false;
    }

    /// <inheritdoc />
    public async Task<Lease?> TryRenewLeaseAsync(Lease lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var owner = lease.LeaseOwner ?? throw new ArgumentException("Only an owned lease can be renewed.", nameof(lease));
        await BeginAsync(LeaseStoreOperation.RenewLease, lease.LeaseKey, requiresTable: true, cancellationToken).ConfigureAwait(false);
        var renewed = lease with { LeaseCounter = lease.LeaseCounter + 1 };

        // DynamoDbLeaseRefresher confirms a failed renewal by a read: the lease exactly as the renewal leaves it counts as renewed.
        return Update(LeaseStoreOperation.RenewLease, lease, owner, stored => stored with { LeaseCounter = stored.LeaseCounter + 1 }, renewed, confirm: true);
    }

    /// <inheritdoc />
    public async Task<Lease?> TryTakeLeaseAsync(Lease lease, string newOwner, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentException.ThrowIfNullOrEmpty(newOwner);
        await BeginAsync(LeaseStoreOperation.TakeLease, lease.LeaseKey, requiresTable: true, cancellationToken).ConfigureAwait(false);
        var taken = lease.TakenBy(newOwner);
        var switches = taken.OwnerSwitchesSinceCheckpoint - lease.OwnerSwitchesSinceCheckpoint;
        return Update(
            LeaseStoreOperation.TakeLease,
            lease,
            expectedOwner: null,
            stored => stored with { LeaseOwner = newOwner, LeaseCounter = stored.LeaseCounter + 1, OwnerSwitchesSinceCheckpoint = stored.OwnerSwitchesSinceCheckpoint + switches },
            taken,
            confirm: false);
    }

    /// <inheritdoc />
    public async Task<Lease?> TryEvictLeaseAsync(Lease lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var owner = lease.LeaseOwner ?? throw new ArgumentException("Only an owned lease can be evicted.", nameof(lease));
        await BeginAsync(LeaseStoreOperation.EvictLease, lease.LeaseKey, requiresTable: true, cancellationToken).ConfigureAwait(false);
        var evicted = lease with { LeaseOwner = null, LeaseCounter = lease.LeaseCounter + 1 };
        return Update(LeaseStoreOperation.EvictLease, lease, owner, stored => stored with { LeaseOwner = null, LeaseCounter = stored.LeaseCounter + 1 }, evicted, confirm: false);
    }

    /// <inheritdoc />
    public Task<Lease?> TryUpdateCheckpointAsync(Lease lease, ExtendedSequenceNumber checkpoint, CancellationToken cancellationToken = default) =>
        WriteCheckpointAsync(lease, checkpoint, childShardIds: null, cancellationToken);

    /// <inheritdoc />
    public Task<Lease?> TryMarkShardEndAsync(Lease lease, IReadOnlyList<string> childShardIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(childShardIds);
        return WriteCheckpointAsync(lease, ExtendedSequenceNumber.ShardEnd, childShardIds, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<Lease?> TryPrepareCheckpointAsync(Lease lease, ExtendedSequenceNumber pendingCheckpoint, ReadOnlyMemory<byte>? applicationState, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(pendingCheckpoint);
        var owner = lease.LeaseOwner ?? throw new ArgumentException("Only an owned lease can be checkpointed.", nameof(lease));
        await BeginAsync(LeaseStoreOperation.PrepareCheckpoint, lease.LeaseKey, requiresTable: true, cancellationToken).ConfigureAwait(false);
        ReadOnlyMemory<byte>? state = applicationState is { } bytes ? (ReadOnlyMemory<byte>?)bytes.ToArray() : null;
        var prepared = lease with { LeaseCounter = lease.LeaseCounter + 1, PendingCheckpoint = pendingCheckpoint, PendingCheckpointState = applicationState };
        return Update(
            LeaseStoreOperation.PrepareCheckpoint,
            lease,
            owner,
            stored => stored with { LeaseCounter = stored.LeaseCounter + 1, PendingCheckpoint = pendingCheckpoint, PendingCheckpointState = state },
            prepared,
            confirm: false);
    }

    /// <inheritdoc />
    public async Task DeleteLeaseAsync(string leaseKey, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(leaseKey);
        await BeginAsync(LeaseStoreOperation.DeleteLease, leaseKey, requiresTable: true, cancellationToken).ConfigureAwait(false);
        lock (gate)
        {
            leases.Remove(leaseKey);
        }
    }

    private async Task<Lease?> WriteCheckpointAsync(Lease lease, ExtendedSequenceNumber checkpoint, IReadOnlyList<string>? childShardIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(checkpoint);
        var owner = lease.LeaseOwner ?? throw new ArgumentException("Only an owned lease can be checkpointed.", nameof(lease));
        await BeginAsync(LeaseStoreOperation.UpdateCheckpoint, lease.LeaseKey, requiresTable: true, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<string>? children = childShardIds is { Count: > 0 } ? [.. childShardIds] : null;
        var updated = lease.Checkpointed(checkpoint, children);
        return Update(
            LeaseStoreOperation.UpdateCheckpoint,
            lease,
            owner,
            stored => stored with
            {
                LeaseCounter = stored.LeaseCounter + 1,
                Checkpoint = checkpoint,
                OwnerSwitchesSinceCheckpoint = 0,
                PendingCheckpoint = null,
                PendingCheckpointState = null,
                ChildShardIds = children ?? stored.ChildShardIds,
            },
            updated,
            confirm: false);
    }

    /// <summary>
    /// The conditional update: the lease must exist with the caller's counter (and owner, when given). On success the
    /// stored lease is replaced by <paramref name="apply"/>'s result and <paramref name="result"/> returned.
    /// </summary>
    private Lease? Update(LeaseStoreOperation operation, Lease lease, string? expectedOwner, Func<Lease, Lease> apply, Lease result, bool confirm)
    {
        lock (gate)
        {
            if (leases.TryGetValue(lease.LeaseKey, out var stored)
                && stored.LeaseCounter == lease.LeaseCounter
                && (expectedOwner is null || string.Equals(stored.LeaseOwner, expectedOwner, StringComparison.Ordinal)))
            {
                leases[lease.LeaseKey] = apply(stored);
                return result;
            }

            Interlocked.Increment(ref conditionFailures[(int)operation]);
            return confirm
                && stored is not null
                && stored.LeaseCounter == result.LeaseCounter
                && string.Equals(stored.LeaseOwner, result.LeaseOwner, StringComparison.Ordinal)
                ? stored
                : null;
        }
    }

    private async Task BeginAsync(LeaseStoreOperation operation, string? leaseKey, bool requiresTable, CancellationToken cancellationToken)
    {
        await DelayAsync(operation, 1, cancellationToken).ConfigureAwait(false);
        Begin(operation, leaseKey, requiresTable, cancellationToken);
    }

    private void Begin(LeaseStoreOperation operation, string? leaseKey, bool requiresTable, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Interlocked.Increment(ref calls[(int)operation]);
        if (Fault?.Invoke(operation, leaseKey) is { } exception)
        {
            throw exception;
        }

        if (requiresTable)
        {
            lock (gate)
            {
                if (!tableExists)
                {
                    throw new ResourceNotFoundException("Requested resource not found: the in-memory lease table does not exist.");
                }
            }
        }
    }

    private Task DelayAsync(LeaseStoreOperation operation, int items, CancellationToken cancellationToken)
    {
        var delay = Latency?.Invoke(operation, items) ?? TimeSpan.Zero;
        return delay > TimeSpan.Zero ? Task.Delay(delay, timeProvider, cancellationToken) : Task.CompletedTask;
    }
}
