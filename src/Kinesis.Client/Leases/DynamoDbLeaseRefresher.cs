using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Kinesis.Core.Resilience;
using Microsoft.Extensions.Logging;

namespace Kinesis.Client.Leases;

/// <summary>
/// The lease table: creation, reads, and conditional writes in the KCL 2.x schema. Every write that changes a lease
/// is conditional on the lease counter the caller last saw and increments it; a failed condition means someone else
/// changed the lease and is reported as a <see langword="null"/> result of the <c>Try</c> methods. Throttling, 5xx and
/// network faults are retried with exponential backoff and full jitter, then rethrown.
/// </summary>
/// <remarks>Safe for concurrent use. Reads are strongly consistent.</remarks>
internal sealed class DynamoDbLeaseRefresher : ILeaseRefresher
{
    /// <summary>The most keys one BatchGetItem may read.</summary>
    internal const int MaxKeysPerBatchGet = 100;

    private const string ConditionCounter = "#counter = :expectedCounter";
    // An UpdateItem on a missing key whose condition holds creates the item, so "counter absent" needs the key to exist;
    // otherwise taking a never-taken lease deleted since the scan would recreate it without checkpoint or parents.
    private const string ConditionCounterOrAbsent = "(#counter = :expectedCounter OR (attribute_exists(#key) AND attribute_not_exists(#counter)))";

    private readonly IAmazonDynamoDB client;
    private readonly LeaseManagementOptions options;
    private readonly TimeProvider timeProvider;
    private readonly ILogger logger;
    private readonly RetryBackoff backoff;

    /// <param name="client">The DynamoDB client; not disposed by this type.</param>
    /// <param name="tableName">The lease table's name (the KCL uses the application name).</param>
    /// <param name="options">Table creation and retry settings.</param>
    /// <param name="timeProvider">The clock for retry delays and table polling.</param>
    /// <param name="logger">Receives retries and skipped items.</param>
    public DynamoDbLeaseRefresher(IAmazonDynamoDB client, string tableName, LeaseManagementOptions options, TimeProvider timeProvider, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrEmpty(tableName);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        options.Validate();
        this.client = client;
        TableName = tableName;
        this.options = options;
        this.timeProvider = timeProvider;
        this.logger = logger;
        backoff = new RetryBackoff(
            new RetryBackoffOptions { BaseDelay = options.RetryBaseDelay, MaxDelay = options.RetryMaxDelay, MaxRetryAttempts = options.MaxRetryAttempts },
            DynamoDbRetryClassifier.IsRetryable,
            timeProvider,
            (exception, retry, delay) => LeaseLog.LeaseTableRetry(logger, TableName, retry + 1, delay, exception));
    }

    public string TableName { get; }

    /// <summary>Items per Scan page; <see langword="null"/> lets DynamoDB fill 1 MB pages. Small values exercise paging in tests.</summary>
    public int? ScanPageLimit { get; init; }

    /// <summary>Creates the table when it does not exist, then waits until it is ACTIVE.</summary>
    /// <returns><see langword="true"/> when this call created the table.</returns>
    /// <exception cref="TimeoutException">The table did not become ACTIVE within <see cref="LeaseManagementOptions.TableActiveTimeout"/>.</exception>
    public async Task<bool> CreateTableIfNotExistsAsync(CancellationToken cancellationToken = default)
    {
        var created = false;
        if (await DescribeStatusAsync(cancellationToken).ConfigureAwait(false) is null)
        {
            var request = new CreateTableRequest
            {
                TableName = TableName,
                KeySchema = [new KeySchemaElement(LeaseAttributes.LeaseKey, KeyType.HASH)],
                AttributeDefinitions = [new AttributeDefinition(LeaseAttributes.LeaseKey, ScalarAttributeType.S)],
            };
            if (options.BillingMode == LeaseTableBillingMode.Provisioned)
            {
                // Both capacities must be set together (KCL issue #1357).
                request.BillingMode = BillingMode.PROVISIONED;
                request.ProvisionedThroughput = new ProvisionedThroughput(options.ReadCapacityUnits, options.WriteCapacityUnits);
            }
            else
            {
                request.BillingMode = BillingMode.PAY_PER_REQUEST;
            }

            try
            {
                await RunAsync(ct => client.CreateTableAsync(request, ct), cancellationToken).ConfigureAwait(false);
                created = true;
                LeaseLog.TableCreated(logger, TableName, options.BillingMode);
            }
            catch (ResourceInUseException)
            {
                // Another worker created it first; waiting for ACTIVE below is all that is left to do.
            }
        }

        await WaitUntilActiveAsync(cancellationToken).ConfigureAwait(false);
        return created;
    }

    /// <summary>Whether the table exists (in any status).</summary>
    public async Task<bool> TableExistsAsync(CancellationToken cancellationToken = default) =>
        await DescribeStatusAsync(cancellationToken).ConfigureAwait(false) is not null;

    /// <summary>Polls until the table is ACTIVE.</summary>
    /// <exception cref="TimeoutException">It did not become ACTIVE within <see cref="LeaseManagementOptions.TableActiveTimeout"/>.</exception>
    public async Task WaitUntilActiveAsync(CancellationToken cancellationToken = default)
    {
        var start = timeProvider.GetTimestamp();
        while (true)
        {
            var status = await DescribeStatusAsync(cancellationToken).ConfigureAwait(false);
            if (status == TableStatus.ACTIVE)
            {
                return;
            }

            if (timeProvider.GetElapsedTime(start) >= options.TableActiveTimeout)
            {
                throw new TimeoutException($"Lease table '{TableName}' was not ACTIVE after {options.TableActiveTimeout} (last status: {status?.Value ?? "absent"}).");
            }

            await Task.Delay(options.TableActivePollInterval, timeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>All leases, by a strongly consistent, paged Scan. Items that cannot be read are logged and skipped.</summary>
    public async Task<IReadOnlyList<Lease>> ListLeasesAsync(CancellationToken cancellationToken = default)
    {
        var leases = new List<Lease>();
        Dictionary<string, AttributeValue>? startKey = null;
        do
        {
            var request = new ScanRequest { TableName = TableName, ConsistentRead = true, ExclusiveStartKey = startKey, Limit = ScanPageLimit };
            var response = await RunAsync(ct => client.ScanAsync(request, ct), cancellationToken).ConfigureAwait(false);
            foreach (var item in response.Items ?? [])
            {
                try
                {
                    leases.Add(LeaseSerializer.FromItem(item));
                }
                catch (FormatException ex)
                {
                    LeaseLog.UnreadableLease(logger, TableName, ex);
                }
            }

            startKey = response.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (startKey is not null);

        return leases;
    }

    /// <summary>One lease by a strongly consistent read, or <see langword="null"/> when it does not exist.</summary>
    /// <exception cref="FormatException">The item is malformed.</exception>
    public async Task<Lease?> GetLeaseAsync(string leaseKey, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(leaseKey);
        var request = new GetItemRequest { TableName = TableName, Key = Key(leaseKey), ConsistentRead = true };
        var response = await RunAsync(ct => client.GetItemAsync(request, ct), cancellationToken).ConfigureAwait(false);
        return response.Item is { Count: > 0 } item ? LeaseSerializer.FromItem(item) : null;
    }

    /// <summary>
    /// Several leases with one strongly consistent BatchGetItem per <see cref="MaxKeysPerBatchGet"/> keys. Keys DynamoDB
    /// returns unprocessed are asked for again with backoff, up to <see cref="LeaseManagementOptions.MaxRetryAttempts"/>
    /// times; those still unread are left out of the result.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, Lease?>> GetLeasesAsync(IReadOnlyList<string> leaseKeys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(leaseKeys);
        var result = new Dictionary<string, Lease?>(leaseKeys.Count, StringComparer.Ordinal);
        var unread = new HashSet<string>(StringComparer.Ordinal);
        for (var start = 0; start < leaseKeys.Count; start += MaxKeysPerBatchGet)
        {
            var keys = new List<Dictionary<string, AttributeValue>>();
            for (var i = start; i < Math.Min(start + MaxKeysPerBatchGet, leaseKeys.Count); i++)
            {
                ArgumentException.ThrowIfNullOrEmpty(leaseKeys[i], nameof(leaseKeys));

                // BatchGetItem refuses a request that names a key twice.
                if (result.TryAdd(leaseKeys[i], null))
                {
                    keys.Add(Key(leaseKeys[i]));
                }
            }

            for (var attempt = 0; keys.Count > 0; attempt++)
            {
                if (attempt > options.MaxRetryAttempts)
                {
                    foreach (var key in keys)
                    {
                        unread.Add(key[LeaseAttributes.LeaseKey].S);
                    }

                    break;
                }

                if (attempt > 0)
                {
                    // Unprocessed keys are no exception for the backoff's pipeline to see: the same backoff, counted here.
                    await backoff.DelayAsync(backoff.GetDelay(attempt - 1), cancellationToken).ConfigureAwait(false);
                }

                var request = new BatchGetItemRequest
                {
                    RequestItems = new Dictionary<string, KeysAndAttributes>(StringComparer.Ordinal) { [TableName] = new KeysAndAttributes { Keys = keys, ConsistentRead = true } },
                };
                var response = await RunAsync(ct => client.BatchGetItemAsync(request, ct), cancellationToken).ConfigureAwait(false);
                if (response.Responses?.TryGetValue(TableName, out var items) == true)
                {
                    foreach (var item in items)
                    {
                        var lease = LeaseSerializer.FromItem(item);
                        result[lease.LeaseKey] = lease;
                    }
                }

                keys = response.UnprocessedKeys?.TryGetValue(TableName, out var unprocessed) == true && unprocessed.Keys is { Count: > 0 } left ? left : [];
            }
        }

        foreach (var key in unread)
        {
            result.Remove(key);
        }

        return result;
    }

    /// <summary>Writes a new lease unless one with its key exists.</summary>
    /// <returns><see langword="true"/> when this call created it; <see langword="false"/> when it already existed (left unchanged).</returns>
    public async Task<bool> CreateLeaseIfNotExistsAsync(Lease lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var request = new PutItemRequest
        {
            TableName = TableName,
            Item = LeaseSerializer.ToItem(lease),
            ConditionExpression = "attribute_not_exists(#key)",
            ExpressionAttributeNames = new Dictionary<string, string> { ["#key"] = LeaseAttributes.LeaseKey },
        };
        try
        {
            await RunAsync(ct => client.PutItemAsync(request, ct), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    /// <summary>Heartbeat: increments the counter if it and the owner are unchanged.</summary>
    /// <returns>The renewed lease, or <see langword="null"/> when the lease was changed by someone else (lost).</returns>
    public Task<Lease?> TryRenewLeaseAsync(Lease lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var owner = lease.LeaseOwner ?? throw new ArgumentException("Only an owned lease can be renewed.", nameof(lease));
        var update = new ConditionalUpdate(lease, owner, "SET #counter = :nextCounter");
        return TryUpdateAsync(update, lease with { LeaseCounter = lease.LeaseCounter + 1 }, alwaysConfirm: true, cancellationToken);
    }

    /// <summary>Takes (or steals) a lease for <paramref name="newOwner"/> if its counter is unchanged.</summary>
    /// <returns>The taken lease, or <see langword="null"/> when someone else changed it first.</returns>
    public Task<Lease?> TryTakeLeaseAsync(Lease lease, string newOwner, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentException.ThrowIfNullOrEmpty(newOwner);
        var ownerChanges = lease.LeaseOwner is not null && !string.Equals(lease.LeaseOwner, newOwner, StringComparison.Ordinal);
        var update = new ConditionalUpdate(lease, expectedOwner: null, ownerChanges
            ? "SET #counter = :nextCounter, #owner = :newOwner ADD #switches :one REMOVE #checkpointOwner"
            : "SET #counter = :nextCounter, #owner = :newOwner REMOVE #checkpointOwner");
        update.Names["#owner"] = LeaseAttributes.LeaseOwner;
        update.Names["#checkpointOwner"] = LeaseAttributes.CheckpointOwner;
        update.Values[":newOwner"] = new AttributeValue { S = newOwner };
        if (ownerChanges)
        {
            update.Names["#switches"] = LeaseAttributes.OwnerSwitchesSinceCheckpoint;
            update.Values[":one"] = LeaseSerializer.Number(1);
        }

        return TryUpdateAsync(update, lease.TakenBy(newOwner), alwaysConfirm: false, cancellationToken);
    }

    /// <summary>Releases a lease held by its current owner: removes the owner so any worker can take it at once.</summary>
    /// <returns>The released lease, or <see langword="null"/> when it had already changed (lost).</returns>
    public Task<Lease?> TryEvictLeaseAsync(Lease lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var owner = lease.LeaseOwner ?? throw new ArgumentException("Only an owned lease can be evicted.", nameof(lease));
        var update = new ConditionalUpdate(lease, owner, "SET #counter = :nextCounter REMOVE #owner");
        return TryUpdateAsync(update, lease with { LeaseOwner = null, LeaseCounter = lease.LeaseCounter + 1 }, alwaysConfirm: false, cancellationToken);
    }

    /// <summary>Commits a checkpoint: sets it, resets the owner-switch count and clears any pending checkpoint.</summary>
    /// <returns>The updated lease, or <see langword="null"/> when the lease had changed (lost).</returns>
    public Task<Lease?> TryUpdateCheckpointAsync(Lease lease, ExtendedSequenceNumber checkpoint, CancellationToken cancellationToken = default) =>
        TryWriteCheckpointAsync(lease, checkpoint, childShardIds: null, cancellationToken);

    /// <summary>Commits <see cref="ExtendedSequenceNumber.ShardEnd"/> and records the child shards in one conditional write.</summary>
    /// <returns>The updated lease, or <see langword="null"/> when the lease had changed (lost).</returns>
    public Task<Lease?> TryMarkShardEndAsync(Lease lease, IReadOnlyList<string> childShardIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(childShardIds);
        return TryWriteCheckpointAsync(lease, ExtendedSequenceNumber.ShardEnd, childShardIds, cancellationToken);
    }

    /// <summary>Records a prepared (two-phase) checkpoint without moving the committed one.</summary>
    /// <returns>The updated lease, or <see langword="null"/> when the lease had changed (lost).</returns>
    public Task<Lease?> TryPrepareCheckpointAsync(Lease lease, ExtendedSequenceNumber pendingCheckpoint, ReadOnlyMemory<byte>? applicationState, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(pendingCheckpoint);
        var owner = lease.LeaseOwner ?? throw new ArgumentException("Only an owned lease can be checkpointed.", nameof(lease));
        var expression = applicationState is null
            ? "SET #counter = :nextCounter, #pending = :pending, #pendingSub = :pendingSub REMOVE #pendingState"
            : "SET #counter = :nextCounter, #pending = :pending, #pendingSub = :pendingSub, #pendingState = :pendingState";
        var update = new ConditionalUpdate(lease, owner, expression);
        update.Names["#pending"] = LeaseAttributes.PendingCheckpoint;
        update.Names["#pendingSub"] = LeaseAttributes.PendingCheckpointSubSequenceNumber;
        update.Names["#pendingState"] = LeaseAttributes.PendingCheckpointState;
        update.Values[":pending"] = new AttributeValue { S = pendingCheckpoint.SequenceNumber };
        update.Values[":pendingSub"] = LeaseSerializer.Number(pendingCheckpoint.SubSequenceNumber);
        if (applicationState is { } state)
        {
            update.Values[":pendingState"] = LeaseSerializer.Binary(state);
        }

        var prepared = lease with { LeaseCounter = lease.LeaseCounter + 1, PendingCheckpoint = pendingCheckpoint, PendingCheckpointState = applicationState };
        return TryUpdateAsync(update, prepared, alwaysConfirm: false, cancellationToken);
    }

    /// <summary>Deletes a lease unconditionally, as the KCL does when cleaning up finished shards.</summary>
    public async Task DeleteLeaseAsync(string leaseKey, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(leaseKey);
        var request = new DeleteItemRequest { TableName = TableName, Key = Key(leaseKey) };
        await RunAsync(ct => client.DeleteItemAsync(request, ct), cancellationToken).ConfigureAwait(false);
    }

    private Task<Lease?> TryWriteCheckpointAsync(Lease lease, ExtendedSequenceNumber checkpoint, IReadOnlyList<string>? childShardIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(checkpoint);
        var owner = lease.LeaseOwner ?? throw new ArgumentException("Only an owned lease can be checkpointed.", nameof(lease));
        var children = childShardIds is { Count: > 0 } ? childShardIds : null;
        var expression = "SET #counter = :nextCounter, #checkpoint = :checkpoint, #checkpointSub = :checkpointSub, #switches = :zero"
            + (children is null ? string.Empty : ", #children = :children")
            + " REMOVE #pending, #pendingSub, #pendingState";
        var update = new ConditionalUpdate(lease, owner, expression);
        update.Names["#checkpoint"] = LeaseAttributes.Checkpoint;
        update.Names["#checkpointSub"] = LeaseAttributes.CheckpointSubSequenceNumber;
        update.Names["#switches"] = LeaseAttributes.OwnerSwitchesSinceCheckpoint;
        update.Names["#pending"] = LeaseAttributes.PendingCheckpoint;
        update.Names["#pendingSub"] = LeaseAttributes.PendingCheckpointSubSequenceNumber;
        update.Names["#pendingState"] = LeaseAttributes.PendingCheckpointState;
        update.Values[":checkpoint"] = new AttributeValue { S = checkpoint.SequenceNumber };
        update.Values[":checkpointSub"] = LeaseSerializer.Number(checkpoint.SubSequenceNumber);
        update.Values[":zero"] = LeaseSerializer.Number(0);
        if (children is not null)
        {
            update.Names["#children"] = LeaseAttributes.ChildShardIds;
            update.Values[":children"] = LeaseSerializer.StringSet(children);
        }

        var updated = lease.Checkpointed(checkpoint, children);
        return TryUpdateAsync(update, updated, alwaysConfirm: false, cancellationToken);
    }

    private async Task<Lease?> TryUpdateAsync(ConditionalUpdate update, Lease expected, bool alwaysConfirm, CancellationToken cancellationToken)
    {
        var request = update.ToRequest(TableName);
        var attempts = 0;
        try
        {
            await RunAsync(
                ct =>
                {
                    attempts++;
                    return client.UpdateItemAsync(request, ct);
                },
                cancellationToken).ConfigureAwait(false);
            return expected;
        }
        catch (ConditionalCheckFailedException) when (alwaysConfirm || attempts > 1)
        {
            // A retried (or timed-out) write may have been applied before its response was lost; the condition then
            // fails on our own change. Accept the lease if it is exactly in the state the write produces.
            var actual = await GetLeaseAsync(expected.LeaseKey, cancellationToken).ConfigureAwait(false);
            return actual is not null
                && actual.LeaseCounter == expected.LeaseCounter
                && string.Equals(actual.LeaseOwner, expected.LeaseOwner, StringComparison.Ordinal)
                ? actual
                : null;
        }
        catch (ConditionalCheckFailedException)
        {
            return null;
        }
    }

    private async Task<TableStatus?> DescribeStatusAsync(CancellationToken cancellationToken)
    {
        try
        {
            var response = await RunAsync(ct => client.DescribeTableAsync(new DescribeTableRequest { TableName = TableName }, ct), cancellationToken).ConfigureAwait(false);
            return response.Table.TableStatus;
        }
        catch (ResourceNotFoundException)
        {
            return null;
        }
    }

    private ValueTask<T> RunAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken) =>
        backoff.ExecuteAsync(ct => new ValueTask<T>(call(ct)), cancellationToken);

    private static Dictionary<string, AttributeValue> Key(string leaseKey) =>
        new(StringComparer.Ordinal) { [LeaseAttributes.LeaseKey] = new AttributeValue { S = leaseKey } };

    /// <summary>An UpdateItem conditional on the lease counter (and optionally the owner) that increments the counter.</summary>
    private sealed class ConditionalUpdate
    {
        private readonly string leaseKey;
        private readonly string condition;
        private readonly string expression;

        public ConditionalUpdate(Lease lease, string? expectedOwner, string expression)
        {
            leaseKey = lease.LeaseKey;
            this.expression = expression;

            // A lease written without a counter reads as 0; accept the missing attribute in that case.
            var counterCondition = lease.LeaseCounter == 0 ? ConditionCounterOrAbsent : ConditionCounter;
            if (lease.LeaseCounter == 0)
            {
                Names["#key"] = LeaseAttributes.LeaseKey;
            }

            condition = expectedOwner is null ? counterCondition : counterCondition + " AND #owner = :expectedOwner";
            Names["#counter"] = LeaseAttributes.LeaseCounter;
            Values[":expectedCounter"] = LeaseSerializer.Number(lease.LeaseCounter);
            Values[":nextCounter"] = LeaseSerializer.Number(lease.LeaseCounter + 1);
            if (expectedOwner is not null)
            {
                Names["#owner"] = LeaseAttributes.LeaseOwner;
                Values[":expectedOwner"] = new AttributeValue { S = expectedOwner };
            }
        }

        public Dictionary<string, string> Names { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, AttributeValue> Values { get; } = new(StringComparer.Ordinal);

        public UpdateItemRequest ToRequest(string tableName) => new()
        {
            TableName = tableName,
            Key = Key(leaseKey),
            ConditionExpression = condition,
            UpdateExpression = expression,
            ExpressionAttributeNames = Names,
            ExpressionAttributeValues = Values,
        };
    }
}
