using Amazon.DynamoDBv2.Model;
using Kinesis.Client.Leases;

namespace Kinesis.Client.Tests.MultiStream;

/// <summary>Lease keys and items of a multi-stream application, as the Java KCL 2.3+ writes them (MultiStreamLease, DynamoDBMultiStreamLeaseSerializer).</summary>
public sealed class MultiStreamLeaseKeyTests
{
    private const string SequenceNumber = "49590338271490256608559692538361571095921575989136588898";

    [Fact]
    public void StreamIdentifier_Serialize_IsAccountStreamEpoch()
    {
        var stream = new StreamIdentifier("123456789012", "orders", 1_700_000_000);

        Assert.Equal("123456789012:orders:1700000000", stream.Serialize());
        Assert.Equal("123456789012:orders:1700000000:shardId-000000000003", stream.LeaseKey("shardId-000000000003"));
        Assert.Equal(stream, StreamIdentifier.Parse(stream.Serialize()));
        Assert.Equal(stream.GetHashCode(), StreamIdentifier.Parse("123456789012:orders:1700000000").GetHashCode());
        Assert.NotEqual(stream, new StreamIdentifier("123456789012", "orders", 1_700_000_001));
    }

    [Theory]
    [InlineData("orders")]
    [InlineData("123456789012:orders")]
    [InlineData("123456789012:orders:")]
    [InlineData(":orders:1700000000")]
    [InlineData("12345678901a:orders:1700000000")]
    [InlineData("123456789012:a:b:1700000000")]
    [InlineData("123456789012:orders:0")]
    [InlineData("123456789012:orders:-5")]
    [InlineData("123456789012::1700000000")]
    public void StreamIdentifier_TryParse_RejectsWhatJavaRejects(string value)
    {
        Assert.False(StreamIdentifier.TryParse(value, out _));
        Assert.Throws<FormatException>(() => StreamIdentifier.Parse(value));
    }

    [Fact]
    public void StreamIdentifier_Constructor_RejectsOutOfRangeParts()
    {
        Assert.Equal("accountId", Assert.Throws<ArgumentException>(() => new StreamIdentifier("acct", "s", 1)).ParamName);
        Assert.Equal("streamName", Assert.Throws<ArgumentException>(() => new StreamIdentifier("1", "a:b", 1)).ParamName);
        Assert.Equal("creationEpoch", Assert.Throws<ArgumentOutOfRangeException>(() => new StreamIdentifier("1", "s", 0)).ParamName);
    }

    [Fact]
    public void FromItem_ItemWrittenByJavaMultiStreamSerializer_ReadsStreamAndShard()
    {
        // As DynamoDBMultiStreamLeaseSerializer writes a lease of a MultiStreamTracker application: the lease key is the
        // serialized stream identity plus the shard id; "streamName" holds the serialized identity, "shardId" the shard.
        var item = new Dictionary<string, AttributeValue>
        {
            ["leaseKey"] = new() { S = "123456789012:orders:1700000000:shardId-000000000002" },
            ["leaseOwner"] = new() { S = "java-worker" },
            ["leaseCounter"] = new() { N = "7" },
            ["ownerSwitchesSinceCheckpoint"] = new() { N = "0" },
            ["checkpoint"] = new() { S = SequenceNumber },
            ["checkpointSubSequenceNumber"] = new() { N = "0" },
            ["pendingCheckpointState"] = new() { N = "0" },
            ["parentShardId"] = new() { SS = ["shardId-000000000000", "shardId-000000000001"] },
            ["startingHashKey"] = new() { S = "0" },
            ["endingHashKey"] = new() { S = "340282366920938463463374607431768211455" },
            ["streamName"] = new() { S = "123456789012:orders:1700000000" },
            ["shardId"] = new() { S = "shardId-000000000002" },
        };

        var lease = LeaseSerializer.FromItem(item);

        Assert.Equal("123456789012:orders:1700000000:shardId-000000000002", lease.LeaseKey);
        Assert.Equal("shardId-000000000002", lease.ShardId);
        Assert.Equal(new StreamIdentifier("123456789012", "orders", 1_700_000_000), StreamIdentifier.Parse(lease.StreamIdentifier!));
        Assert.Equal("123456789012:orders:1700000000:shardId-000000000000", lease.KeyOf(lease.ParentShardIds[0]));

        var written = LeaseSerializer.ToItem(lease);
        Assert.Equal("123456789012:orders:1700000000:shardId-000000000002", written["leaseKey"].S);
        Assert.Equal("123456789012:orders:1700000000", written["streamName"].S);
        Assert.Equal("shardId-000000000002", written["shardId"].S);
    }

    [Fact]
    public void InStream_NewLease_IsKeyedAsTheJavaMultiStreamTracker()
    {
        var stream = new StreamIdentifier("000000000000", "clicks", 1_733_000_000);

        var lease = Lease.CreateNew("shardId-000000000004", ExtendedSequenceNumber.TrimHorizon, ["shardId-000000000001"]).InStream(stream);
        var item = LeaseSerializer.ToItem(lease);

        Assert.Equal("000000000000:clicks:1733000000:shardId-000000000004", item["leaseKey"].S);
        Assert.Equal("000000000000:clicks:1733000000", item["streamName"].S);
        Assert.Equal("shardId-000000000004", item["shardId"].S);
        Assert.Equal(["shardId-000000000001"], item["parentShardId"].SS);
        var read = LeaseSerializer.FromItem(item);
        Assert.Equal((lease.LeaseKey, lease.StreamIdentifier, lease.ShardIdAttribute), (read.LeaseKey, read.StreamIdentifier, read.ShardIdAttribute));
    }

    [Fact]
    public void ToItem_SingleStreamLease_HasNoStreamAttributesAndShardIdIsTheKey()
    {
        var lease = Lease.CreateNew("shardId-000000000004", ExtendedSequenceNumber.Latest);
        var item = LeaseSerializer.ToItem(lease);

        Assert.Equal("shardId-000000000004", item["leaseKey"].S);
        Assert.False(item.ContainsKey("streamName"));
        Assert.False(item.ContainsKey("shardId"));
        Assert.Equal("shardId-000000000004", LeaseSerializer.FromItem(item).ShardId);
        Assert.Equal("shardId-000000000009", lease.KeyOf("shardId-000000000009"));
        Assert.Same(lease, lease.InStream(null));
    }
}
