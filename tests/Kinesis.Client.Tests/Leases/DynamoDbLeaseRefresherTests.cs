using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Kinesis.Client.Leases;
using Kinesis.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kinesis.Client.Tests.Leases;

/// <summary>What only the DynamoDB store has: the table and item format, paging, retries; the conditional semantics are in <see cref="LeaseRefresherContractTests"/>.</summary>
[Collection(LocalAwsCollection.Name)]
public sealed class DynamoDbLeaseRefresherTests(LocalAwsFixture fixture)
{
    private const string ShardId = "shardId-000000000007";
    private const string SequenceNumber = "49590338271490256608559692538361571095921575989136588898";

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task CreateTableIfNotExists_Absent_CreatesLeaseKeyHashKeyAndPayPerRequest()
    {
        using var env = new LeaseTestEnvironment(fixture);
        var refresher = env.CreateRefresher();

        Assert.True(await refresher.CreateTableIfNotExistsAsync());
        Assert.False(await refresher.CreateTableIfNotExistsAsync());

        var table = (await env.Client.DescribeTableAsync(env.TableName)).Table;
        Assert.Equal(TableStatus.ACTIVE, table.TableStatus);
        var key = Assert.Single(table.KeySchema);
        Assert.Equal("leaseKey", key.AttributeName);
        Assert.Equal(KeyType.HASH, key.KeyType);
        var definition = Assert.Single(table.AttributeDefinitions);
        Assert.Equal(ScalarAttributeType.S, definition.AttributeType);
        Assert.Equal(BillingMode.PAY_PER_REQUEST, table.BillingModeSummary?.BillingMode);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task CreateTableIfNotExists_ProvisionedOption_CreatesTableWithCapacities()
    {
        var options = LeaseTestEnvironment.CreateOptions();
        options.BillingMode = LeaseTableBillingMode.Provisioned;
        options.ReadCapacityUnits = 7;
        options.WriteCapacityUnits = 9;
        using var env = new LeaseTestEnvironment(fixture, options);

        await env.CreateTableAsync();

        var table = (await env.Client.DescribeTableAsync(env.TableName)).Table;
        Assert.Equal(7, table.ProvisionedThroughput.ReadCapacityUnits);
        Assert.Equal(9, table.ProvisionedThroughput.WriteCapacityUnits);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task LeaseWrites_AllFieldsSet_ItemHasExactKclAttributeNamesAndTypes()
    {
        using var env = new LeaseTestEnvironment(fixture);
        var refresher = await env.CreateTableAsync();
        var lease = Lease.CreateNew(ShardId, ExtendedSequenceNumber.TrimHorizon, ["shardId-000000000001", "shardId-000000000002"], "0", "340282366920938463463374607431768211455");
        Assert.True(await refresher.CreateLeaseIfNotExistsAsync(lease));
        var taken = await refresher.TryTakeLeaseAsync(lease, "worker-a");
        Assert.NotNull(taken);
        var prepared = await refresher.TryPrepareCheckpointAsync(taken, new ExtendedSequenceNumber(SequenceNumber, 3), new byte[] { 1, 2, 3 });
        Assert.NotNull(prepared);
        var ended = await refresher.TryMarkShardEndAsync(prepared with { }, ["shardId-000000000009"]);
        Assert.NotNull(ended);
        Assert.NotNull(await refresher.TryPrepareCheckpointAsync(ended, new ExtendedSequenceNumber(SequenceNumber, 4), new byte[] { 9 }));

        var item = await GetRawItemAsync(env, ShardId);

        Assert.Equal(
            new[]
            {
                "checkpoint", "checkpointSubSequenceNumber", "childShardIds", "endingHashKey", "leaseCounter", "leaseKey", "leaseOwner",
                "ownerSwitchesSinceCheckpoint", "parentShardId", "pendingCheckpoint", "pendingCheckpointState",
                "pendingCheckpointSubSequenceNumber", "startingHashKey",
            },
            item.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(ShardId, item["leaseKey"].S);
        Assert.Equal("worker-a", item["leaseOwner"].S);
        Assert.Equal("4", item["leaseCounter"].N);
        Assert.Equal("0", item["ownerSwitchesSinceCheckpoint"].N);
        Assert.Equal("SHARD_END", item["checkpoint"].S);
        Assert.Equal("0", item["checkpointSubSequenceNumber"].N);
        Assert.Equal(SequenceNumber, item["pendingCheckpoint"].S);
        Assert.Equal("4", item["pendingCheckpointSubSequenceNumber"].N);
        Assert.Equal(new byte[] { 9 }, item["pendingCheckpointState"].B.ToArray());
        Assert.Equal(["shardId-000000000001", "shardId-000000000002"], item["parentShardId"].SS.Order(StringComparer.Ordinal));
        Assert.Equal(["shardId-000000000009"], item["childShardIds"].SS);
        Assert.Equal("0", item["startingHashKey"].S);
        Assert.Equal("340282366920938463463374607431768211455", item["endingHashKey"].S);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task GetLease_ItemWrittenLikeJavaKcl_ReadsEveryField()
    {
        using var env = new LeaseTestEnvironment(fixture);
        var refresher = await env.CreateTableAsync();

        // As the Java KCL's serializer writes it, including its quirk of a numeric pendingCheckpointState on PutItem.
        await env.Client.PutItemAsync(new PutItemRequest
        {
            TableName = env.TableName,
            Item = new Dictionary<string, AttributeValue>
            {
                ["leaseKey"] = new() { S = ShardId },
                ["leaseOwner"] = new() { S = "java-worker" },
                ["leaseCounter"] = new() { N = "42" },
                ["ownerSwitchesSinceCheckpoint"] = new() { N = "2" },
                ["checkpoint"] = new() { S = SequenceNumber },
                ["checkpointSubSequenceNumber"] = new() { N = "5" },
                ["pendingCheckpoint"] = new() { S = "LATEST" },
                ["pendingCheckpointSubSequenceNumber"] = new() { N = "0" },
                ["pendingCheckpointState"] = new() { N = "5" },
                ["parentShardId"] = new() { SS = ["shardId-000000000001"] },
                ["childShardIds"] = new() { SS = ["shardId-000000000010", "shardId-000000000011"] },
                ["startingHashKey"] = new() { S = "0" },
                ["endingHashKey"] = new() { S = "170141183460469231731687303715884105727" },
            },
        });

        var lease = await refresher.GetLeaseAsync(ShardId);

        Assert.NotNull(lease);
        Assert.Equal("java-worker", lease.LeaseOwner);
        Assert.Equal(42, lease.LeaseCounter);
        Assert.Equal(2, lease.OwnerSwitchesSinceCheckpoint);
        Assert.Equal(new ExtendedSequenceNumber(SequenceNumber, 5), lease.Checkpoint);
        Assert.Equal(ExtendedSequenceNumber.Latest, lease.PendingCheckpoint);
        Assert.Null(lease.PendingCheckpointState);
        Assert.Equal(["shardId-000000000001"], lease.ParentShardIds);
        Assert.Equal(["shardId-000000000010", "shardId-000000000011"], lease.ChildShardIds.Order(StringComparer.Ordinal));
        Assert.Equal("170141183460469231731687303715884105727", lease.EndingHashKey);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task TryRenewLease_ItemWithoutCounter_TreatsCounterAsZero()
    {
        using var env = new LeaseTestEnvironment(fixture);
        var refresher = await env.CreateTableAsync();
        await env.Client.PutItemAsync(env.TableName, new Dictionary<string, AttributeValue>
        {
            ["leaseKey"] = new() { S = ShardId },
            ["checkpoint"] = new() { S = "TRIM_HORIZON" },
        });
        var lease = await refresher.GetLeaseAsync(ShardId);
        var taken = await refresher.TryTakeLeaseAsync(lease!, "worker-a");

        Assert.NotNull(taken);
        Assert.Equal(1, taken.LeaseCounter);
        Assert.Equal(0, taken.OwnerSwitchesSinceCheckpoint);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task ListLeases_MorePagesThanOne_ReturnsEveryLease()
    {
        using var env = new LeaseTestEnvironment(fixture);
        await env.CreateTableAsync();
        var refresher = new DynamoDbLeaseRefresher(env.Client, env.TableName, env.Options, TimeProvider.System, NullLogger.Instance) { ScanPageLimit = 2 };
        var keys = await LeaseTestEnvironment.CreateLeasesAsync(refresher, 5);
        env.Handler.ResetCounts();

        var leases = await refresher.ListLeasesAsync();

        Assert.Equal(keys, leases.Select(l => l.LeaseKey).Order(StringComparer.Ordinal));
        Assert.True(env.Handler.Count("Scan") >= 3);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task TryRenewLease_ThrottledThreeTimes_BacksOffThenSucceeds()
    {
        using var env = new LeaseTestEnvironment(fixture);
        var refresher = await env.CreateTableAsync();
        var taken = await CreateTakenAsync(refresher, "worker-a");
        env.Handler.ResetCounts();
        env.Handler.InjectFaults("UpdateItem", 3);

        var renewed = await refresher.TryRenewLeaseAsync(taken);

        Assert.NotNull(renewed);
        Assert.Equal(4, env.Handler.Count("UpdateItem"));
        Assert.Equal(taken.LeaseCounter + 1, (await refresher.GetLeaseAsync(ShardId))!.LeaseCounter);
    }

    [Theory(Timeout = TestTimeouts.Integration)]
    [InlineData("ThrottlingException")]
    [InlineData("RequestLimitExceeded")]
    public async Task ListLeases_OtherThrottlingCodes_AreRetried(string faultType)
    {
        using var env = new LeaseTestEnvironment(fixture);
        var refresher = await env.CreateTableAsync();
        await LeaseTestEnvironment.CreateLeasesAsync(refresher, 2);
        env.Handler.FaultType = faultType;
        env.Handler.InjectFaults("Scan", 2);

        var leases = await refresher.ListLeasesAsync();

        Assert.Equal(2, leases.Count);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task TryRenewLease_ThrottledBeyondRetryLimit_ThrowsThrottlingError()
    {
        using var env = new LeaseTestEnvironment(fixture);
        var refresher = await env.CreateTableAsync();
        var taken = await CreateTakenAsync(refresher, "worker-a");
        env.Handler.ResetCounts();
        env.Handler.InjectFaults("UpdateItem", 100);

        await Assert.ThrowsAsync<ProvisionedThroughputExceededException>(() => refresher.TryRenewLeaseAsync(taken));
        Assert.Equal(env.Options.MaxRetryAttempts + 1, env.Handler.Count("UpdateItem"));
    }

    [Theory(Timeout = TestTimeouts.Integration)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TryTakeOrRenew_WriteAppliedButResponseLost_RetryConfirmsSuccess(bool renew)
    {
        using var env = new LeaseTestEnvironment(fixture);
        var refresher = await env.CreateTableAsync();
        var taken = await CreateTakenAsync(refresher, "worker-a");
        env.Handler.ResetCounts();
        env.Handler.InjectLostResponses("UpdateItem", 1);

        var result = renew ? await refresher.TryRenewLeaseAsync(taken) : await refresher.TryTakeLeaseAsync(taken, "worker-b");

        Assert.NotNull(result);
        Assert.Equal(taken.LeaseCounter + 1, result.LeaseCounter);
        Assert.Equal(renew ? "worker-a" : "worker-b", result.LeaseOwner);
        Assert.Equal(2, env.Handler.Count("UpdateItem"));
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task CreateTableIfNotExists_CreateTableFailsPersistently_ThrowsAfterRetries()
    {
        using var env = new LeaseTestEnvironment(fixture);
        var refresher = env.CreateRefresher();
        env.Handler.FaultType = "InternalServerError";
        env.Handler.InjectFaults("CreateTable", 1_000);

        await Assert.ThrowsAnyAsync<Amazon.Runtime.AmazonServiceException>(() => refresher.CreateTableIfNotExistsAsync());

        Assert.Equal(env.Options.MaxRetryAttempts + 1, env.Handler.Count("CreateTable"));
        Assert.False(await refresher.TableExistsAsync());
    }

    private static async Task<Lease> CreateTakenAsync(DynamoDbLeaseRefresher refresher, string owner)
    {
        var lease = Lease.CreateNew(ShardId, ExtendedSequenceNumber.TrimHorizon);
        Assert.True(await refresher.CreateLeaseIfNotExistsAsync(lease));
        var taken = await refresher.TryTakeLeaseAsync(lease, owner);
        Assert.NotNull(taken);
        return taken;
    }

    private static async Task<Dictionary<string, AttributeValue>> GetRawItemAsync(LeaseTestEnvironment env, string key)
    {
        var response = await env.Client.GetItemAsync(new GetItemRequest
        {
            TableName = env.TableName,
            Key = new Dictionary<string, AttributeValue> { ["leaseKey"] = new() { S = key } },
            ConsistentRead = true,
        });
        return response.Item;
    }
}
