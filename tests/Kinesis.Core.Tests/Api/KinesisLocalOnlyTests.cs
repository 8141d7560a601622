using System.Text;
using Kinesis.Core.Api;
using Kinesis.Testing;

namespace Kinesis.Core.Tests.Api;

/// <summary>Operations and options kinesalite lacks (paging, filters, on-demand, UpdateShardCount, consumers, SubscribeToShard, HTTP/2): kinesis-local only.</summary>
[Collection(LocalAwsCollection.Name)]
public sealed class KinesisLocalOnlyTests(LocalAwsFixture fixture)
{
    private static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(60);

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task ListShards_MaxResultsAndNextToken_PagesThroughEveryShard()
    {
        using var client = ApiTestClients.Create(fixture.KinesisLocalEndpoint);
        var name = LocalAwsFixture.UniqueName("paging");
        await ApiTestClients.CreateActiveStreamAsync(client, name, 5);

        var first = await client.ListShardsAsync(new ListShardsRequest { StreamName = name, MaxResults = 2 });
        var all = new List<Shard>(first.Shards);
        var token = first.NextToken;
        var pages = 1;
        while (token is not null)
        {
            var page = await client.ListShardsAsync(new ListShardsRequest { NextToken = token, MaxResults = 2 });
            all.AddRange(page.Shards);
            token = page.NextToken;
            pages++;
        }

        Assert.Equal(2, first.Shards.Count);
        Assert.Equal(3, pages);
        Assert.Equal(5, all.Select(s => s.ShardId).Distinct().Count());
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task ListShards_ByArnWithAtLatestFilter_ReturnsOnlyOpenShards()
    {
        using var client = ApiTestClients.Create(fixture.KinesisLocalEndpoint);
        var name = LocalAwsFixture.UniqueName("filter");
        var summary = await ApiTestClients.CreateActiveStreamAsync(client, name, 1);
        var parent = (await client.ListShardsAsync(new ListShardsRequest { StreamARN = summary.StreamARN })).Shards.Single();
        await client.SplitShardAsync(new SplitShardRequest { StreamARN = summary.StreamARN, ShardToSplit = parent.ShardId, NewStartingHashKey = "1000" });
        await Eventually.HoldsAsync(
            async () => (await client.ListShardsAsync(new ListShardsRequest { StreamName = name })).Shards.Count == 3,
            ApiTestClients.ActiveTimeout,
            "the split");

        var open = await client.ListShardsAsync(new ListShardsRequest { StreamARN = summary.StreamARN, ShardFilter = new ShardFilter { Type = ShardFilterType.AtLatest } });
        var after = await client.ListShardsAsync(new ListShardsRequest { StreamName = name, ShardFilter = new ShardFilter { Type = ShardFilterType.AfterShardId, ShardId = parent.ShardId } });

        Assert.Equal(2, open.Shards.Count);
        Assert.DoesNotContain(open.Shards, s => s.ShardId == parent.ShardId);
        Assert.All(open.Shards, s => Assert.Null(s.SequenceNumberRange.EndingSequenceNumber));
        Assert.Equal(2, after.Shards.Count);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task CreateStream_OnDemand_ReportsOnDemandMode()
    {
        using var client = ApiTestClients.Create(fixture.KinesisLocalEndpoint);
        var name = LocalAwsFixture.UniqueName("ondemand");

        await client.CreateStreamAsync(new CreateStreamRequest { StreamName = name, StreamMode = StreamMode.OnDemand });
        var summary = await client.WaitForStreamActiveAsync(name, ApiTestClients.ActiveTimeout);

        Assert.Equal(StreamMode.OnDemand, summary.StreamMode);
        Assert.True(summary.OpenShardCount > 0);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task UpdateShardCount_Doubling_OpensTwiceTheShards()
    {
        using var client = ApiTestClients.Create(fixture.KinesisLocalEndpoint);
        var name = LocalAwsFixture.UniqueName("scale");
        await ApiTestClients.CreateActiveStreamAsync(client, name, 2);

        var response = await client.UpdateShardCountAsync(new UpdateShardCountRequest { StreamName = name, TargetShardCount = 4 });

        Assert.Equal(2, response.CurrentShardCount);
        Assert.Equal(4, response.TargetShardCount);
        await Eventually.HoldsAsync(
            async () => (await client.DescribeStreamSummaryAsync(new DescribeStreamSummaryRequest { StreamName = name })).StreamDescriptionSummary is { StreamStatus: StreamStatus.Active, OpenShardCount: 4 },
            ApiTestClients.ActiveTimeout,
            "four open shards");
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task GetRecords_ClosedParentReadToEnd_ReturnsChildShardsAndNoIterator()
    {
        using var client = ApiTestClients.Create(fixture.KinesisLocalEndpoint);
        var name = LocalAwsFixture.UniqueName("children");
        await ApiTestClients.CreateActiveStreamAsync(client, name, 1);
        var parent = (await client.ListShardsAsync(new ListShardsRequest { StreamName = name })).Shards.Single();
        await client.PutRecordAsync(new PutRecordRequest { StreamName = name, PartitionKey = "k", Data = new byte[] { 42 } });
        await client.SplitShardAsync(new SplitShardRequest { StreamName = name, ShardToSplit = parent.ShardId, NewStartingHashKey = "1000" });
        await Eventually.HoldsAsync(
            async () => (await client.ListShardsAsync(new ListShardsRequest { StreamName = name })).Shards.Count == 3,
            ApiTestClients.ActiveTimeout,
            "the split");

        var iterator = (await client.GetShardIteratorAsync(new GetShardIteratorRequest { StreamName = name, ShardId = parent.ShardId, ShardIteratorType = ShardIteratorType.TrimHorizon })).ShardIterator;
        GetRecordsResponse? last = null;
        var records = 0;
        for (var i = 0; i < 20 && iterator is not null; i++)
        {
            last = await client.GetRecordsAsync(new GetRecordsRequest { ShardIterator = iterator, Limit = 100 });
            records += last.Records.Count;
            iterator = last.NextShardIterator;
        }

        Assert.Equal(1, records);
        Assert.Null(iterator);
        Assert.NotNull(last);
        Assert.Equal(2, last.ChildShards.Count);
        Assert.All(last.ChildShards, c => Assert.Equal([parent.ShardId], c.ParentShards));
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task PutRecords_OverHttp2PriorKnowledge_Succeeds()
    {
        using var client = ApiTestClients.Create(fixture.KinesisLocalEndpoint, http2: true);
        var name = LocalAwsFixture.UniqueName("http2");
        await ApiTestClients.CreateActiveStreamAsync(client, name, 1);

        var put = await client.PutRecordsAsync(new PutRecordsRequest { StreamName = name, Records = [new PutRecordsRequestEntry { PartitionKey = "k", Data = "hello"u8.ToArray() }] });

        Assert.Equal(0, put.FailedRecordCount);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task StreamConsumers_RegisterDescribeListDeregister_FollowTheLifecycle()
    {
        using var client = ApiTestClients.Create(fixture.KinesisLocalEndpoint);
        // kinesis-local 0.6.2 mis-parses a consumer ARN whose stream name contains "consumer" (".../stream/undefined/..."),
        // hence the "fanout" stream name.
        var name = LocalAwsFixture.UniqueName("fanout");
        var stream = await ApiTestClients.CreateActiveStreamAsync(client, name, 1);

        var registered = await client.RegisterStreamConsumerAsync(new RegisterStreamConsumerRequest { StreamARN = stream.StreamARN!, ConsumerName = "lifecycle" });
        var active = await client.WaitForConsumerActiveAsync(registered.Consumer.ConsumerARN, ApiTestClients.ActiveTimeout);
        var byArn = await client.DescribeStreamConsumerAsync(new StreamConsumerRequest { ConsumerARN = registered.Consumer.ConsumerARN });
        var byName = await client.DescribeStreamConsumerAsync(new StreamConsumerRequest { StreamARN = stream.StreamARN, ConsumerName = "lifecycle" });
        var listed = await client.ListStreamConsumersAsync(new ListStreamConsumersRequest { StreamARN = stream.StreamARN! });
        await client.DeregisterStreamConsumerAsync(new StreamConsumerRequest { ConsumerARN = registered.Consumer.ConsumerARN });

        Assert.Equal("lifecycle", registered.Consumer.ConsumerName);
        Assert.Equal(ConsumerStatus.Active, active.ConsumerStatus);
        Assert.Equal(stream.StreamARN, active.StreamARN);
        Assert.Equal("lifecycle", byArn.ConsumerDescription.ConsumerName);
        Assert.Equal(registered.Consumer.ConsumerARN, byName.ConsumerDescription.ConsumerARN);
        Assert.Contains(listed.Consumers, c => c.ConsumerARN == registered.Consumer.ConsumerARN);
        await Eventually.HoldsAsync(
            async () => !(await client.ListStreamConsumersAsync(new ListStreamConsumersRequest { StreamARN = stream.StreamARN! })).Consumers.Any(c => c.ConsumerStatus == ConsumerStatus.Active),
            ApiTestClients.ActiveTimeout,
            "the consumer to go away");
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task SubscribeToShard_RecordPutAfterSubscribing_IsDelivered()
    {
        using var client = ApiTestClients.Create(fixture.KinesisLocalEndpoint);
        var name = LocalAwsFixture.UniqueName("subscribe");
        var stream = await ApiTestClients.CreateActiveStreamAsync(client, name, 1);
        var shardId = (await client.ListShardsAsync(new ListShardsRequest { StreamName = name })).Shards.Single().ShardId;
        var consumer = await client.RegisterStreamConsumerAsync(new RegisterStreamConsumerRequest { StreamARN = stream.StreamARN!, ConsumerName = "subscriber" });
        await client.WaitForConsumerActiveAsync(consumer.Consumer.ConsumerARN, ApiTestClients.ActiveTimeout);
        using var cancel = new CancellationTokenSource(EventTimeout);
        var request = new SubscribeToShardRequest { ConsumerARN = consumer.Consumer.ConsumerARN, ShardId = shardId, StartingPosition = new StartingPosition { Type = ShardIteratorType.Latest } };

        var received = new List<Kinesis.Core.Api.Record>();
        var events = 0;
        var put = false;
        await foreach (var subscribeEvent in client.SubscribeToShardAsync(request, cancel.Token))
        {
            events++;
            received.AddRange(subscribeEvent.Records);
            if (received.Count > 0)
            {
                break;
            }

            if (!put)
            {
                // The first event proves the subscription is open, so the record is certainly after its start.
                put = true;
                await client.PutRecordAsync(new PutRecordRequest { StreamName = name, PartitionKey = "pk", Data = Encoding.UTF8.GetBytes("after-subscribe") });
            }
        }

        var record = Assert.Single(received);
        Assert.Equal("after-subscribe", Encoding.UTF8.GetString(record.Data.Span));
        Assert.Equal("pk", record.PartitionKey);
        Assert.True(events >= 2);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task SubscribeToShard_EventOfAMebibytePutAfterSubscribing_ArrivesWholeThroughTheDefaultHandler()
    {
        using var client = ApiTestClients.Create(fixture.KinesisLocalEndpoint);
        var name = LocalAwsFixture.UniqueName("subscribe");
        var stream = await ApiTestClients.CreateActiveStreamAsync(client, name, 1);
        var shardId = (await client.ListShardsAsync(new ListShardsRequest { StreamName = name })).Shards.Single().ShardId;
        var consumer = await client.RegisterStreamConsumerAsync(new RegisterStreamConsumerRequest { StreamARN = stream.StreamARN!, ConsumerName = "large" });
        await client.WaitForConsumerActiveAsync(consumer.Consumer.ConsumerARN, ApiTestClients.ActiveTimeout);
        using var cancel = new CancellationTokenSource(EventTimeout);
        var request = new SubscribeToShardRequest { ConsumerARN = consumer.Consumer.ConsumerARN, ShardId = shardId, StartingPosition = new StartingPosition { Type = ShardIteratorType.TrimHorizon } };

        // Eight 128 KiB records in one PutRecords: one event of about 1.4 MB on the wire, 22 times .NET's default
        // HTTP/2 stream window; kinesis-local stalls such an event when it has to wait for window updates.
        var entries = Enumerable.Range(0, 8).Select(i => new PutRecordsRequestEntry { PartitionKey = "pk", Data = ApiTestClients.Bytes(128 * 1024, i) }).ToList();
        var received = new List<Kinesis.Core.Api.Record>();
        var put = false;
        await foreach (var subscribeEvent in client.SubscribeToShardAsync(request, cancel.Token))
        {
            received.AddRange(subscribeEvent.Records);
            if (received.Count >= entries.Count)
            {
                break;
            }

            if (!put)
            {
                put = true;
                await client.PutRecordsAsync(new PutRecordsRequest { StreamName = name, Records = entries });
            }
        }

        Assert.Equal(entries.Select(e => e.Data.ToArray()), received.Select(r => r.Data.ToArray()));
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task SubscribeToShard_Cancelled_StopsPromptly()
    {
        using var client = ApiTestClients.Create(fixture.KinesisLocalEndpoint);
        var name = LocalAwsFixture.UniqueName("subcancel");
        var stream = await ApiTestClients.CreateActiveStreamAsync(client, name, 1);
        var shardId = (await client.ListShardsAsync(new ListShardsRequest { StreamName = name })).Shards.Single().ShardId;
        var consumer = await client.RegisterStreamConsumerAsync(new RegisterStreamConsumerRequest { StreamARN = stream.StreamARN!, ConsumerName = "canceller" });
        await client.WaitForConsumerActiveAsync(consumer.Consumer.ConsumerARN, ApiTestClients.ActiveTimeout);
        using var cancel = new CancellationTokenSource();
        var request = new SubscribeToShardRequest { ConsumerARN = consumer.Consumer.ConsumerARN, ShardId = shardId, StartingPosition = new StartingPosition { Type = ShardIteratorType.TrimHorizon } };

        var consume = Task.Run(async () =>
        {
            await foreach (var subscribeEvent in client.SubscribeToShardAsync(request, cancel.Token))
            {
                // Cancel while the reader waits for the next event, not between events.
                cancel.CancelAfter(TimeSpan.FromMilliseconds(50));
            }
        });

        var ex = await Xunit.Record.ExceptionAsync(() => consume);
        Assert.IsAssignableFrom<OperationCanceledException>(ex);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task SubscribeToShard_UnknownConsumer_ThrowsServiceError()
    {
        using var client = ApiTestClients.Create(fixture.KinesisLocalEndpoint);
        var request = new SubscribeToShardRequest
        {
            ConsumerARN = "arn:aws:kinesis:us-east-1:000000000000:stream/missing/consumer/none:1",
            ShardId = "shardId-000000000000",
            StartingPosition = new StartingPosition { Type = ShardIteratorType.Latest },
        };

        var ex = await Assert.ThrowsAsync<KinesisApiException>(async () =>
        {
            await foreach (var subscribeEvent in client.SubscribeToShardAsync(request))
            {
                Assert.Fail("No event expected.");
            }
        });

        Assert.Equal(KinesisErrorKind.Service, ex.Kind);
        Assert.Equal(KinesisErrorCodes.ResourceNotFound, ex.ErrorCode);
    }
}
