using System.Globalization;
using Kinesis.Core.Api;
using Kinesis.Samples.Shared;

namespace Kinesis.Samples.StreamAdmin;

/// <summary>
/// The sub-commands' work over <see cref="KinesisApiClient"/>. A command that changes a stream (create, scale, split,
/// merge) waits, unless told not to, until the stream is ACTIVE again and the change is visible in ListShards, so the
/// next command of a script sees the new shards. Failures are thrown as <see cref="AdminFailure"/> or
/// <see cref="KinesisApiException"/> (which <see cref="AdminErrors"/> turns into one line and an exit code).
/// </summary>
internal sealed class StreamCommands(KinesisApiClient client, StreamReport report, TimeSpan pollInterval)
{
    /// <summary>Whether a request that changes the stream was accepted (it takes effect even if the tool stops waiting).</summary>
    public bool ChangeRequested { get; private set; }

    public async Task CreateAsync(string stream, int? shards, int? maxRecordSizeKiB, bool wait, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var request = shards is { } count
            ? new CreateStreamRequest { StreamName = stream, ShardCount = count, MaxRecordSizeInKiB = maxRecordSizeKiB }
            : new CreateStreamRequest { StreamName = stream, StreamMode = StreamMode.OnDemand, MaxRecordSizeInKiB = maxRecordSizeKiB };
        try
        {
            await client.CreateStreamAsync(request, cancellationToken).ConfigureAwait(false);
            ChangeRequested = true;
        }
        catch (KinesisApiException ex) when (shards is null && ex.ErrorCode is "ValidationException" or "SerializationException" or "InvalidArgumentException")
        {
            // kinesalite has no capacity modes: it reads a create without ShardCount as a missing value.
            throw new AdminFailure(ExitCodes.Failed, $"this Kinesis endpoint ({client.Endpoint}) does not support on-demand streams ({ex.ErrorCode}); use --shards N, or kinesis-local or AWS for --on-demand");
        }

        var what = shards is { } n ? $"{n} shard{(n == 1 ? "" : "s")}" : "on-demand";
        if (!wait)
        {
            report.Done($"creating stream '{stream}' ({what}); not waiting for ACTIVE", w =>
            {
                w.WriteString("stream", stream);
                w.WriteString("status", "CREATING");
            });
            return;
        }

        var (summary, _) = await WaitAsync(stream, null, timeout, "the new stream", cancellationToken).ConfigureAwait(false);
        report.Done($"created stream '{stream}' ({what}): {StreamReport.Name(summary.StreamStatus)}", w =>
        {
            w.WriteString("stream", stream);
            w.WriteString("status", StreamReport.Name(summary.StreamStatus));
            w.WriteString("mode", StreamReport.Name(summary.StreamMode ?? StreamMode.Provisioned));
            w.WriteNumber("openShardCount", summary.OpenShardCount);
        });
    }

    public async Task ListAsync(CancellationToken cancellationToken)
    {
        var names = new List<string>();
        var summaries = new Dictionary<string, StreamSummary>(StringComparer.Ordinal);
        string? after = null;
        while (true)
        {
            // Paged by the last name, not NextToken: kinesalite knows only that way.
            var page = await client.ListStreamsAsync(new ListStreamsRequest { ExclusiveStartStreamName = after }, cancellationToken).ConfigureAwait(false);

            // kinesis-local starts again from the first stream when the start name was deleted meanwhile; names come
            // in order, so a page that does not move forward ends the listing instead of looping.
            if (after is not null && page.StreamNames.Count > 0 && string.CompareOrdinal(page.StreamNames[0], after) <= 0)
            {
                break;
            }

            names.AddRange(page.StreamNames);
            foreach (var summary in page.StreamSummaries)
            {
                summaries[summary.StreamName] = summary;
            }

            if (!page.HasMoreStreams || page.StreamNames.Count == 0)
            {
                break;
            }

            after = page.StreamNames[^1];
        }

        report.List(names, summaries);
    }

    public async Task DescribeAsync(string stream, CancellationToken cancellationToken)
    {
        var summary = await DescribeSummaryAsync(stream, cancellationToken).ConfigureAwait(false);
        var shards = await ListShardsAsync(stream, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<Consumer>? consumers = null;
        if (summary.StreamARN is { } arn)
        {
            try
            {
                consumers = await ListConsumersAsync(arn, cancellationToken).ConfigureAwait(false);
            }
            catch (KinesisApiException ex) when (AdminErrors.IsUnsupported(ex))
            {
                // kinesalite has no stream consumers; the report says so instead of failing the whole describe.
            }
        }

        report.Describe(summary, shards, consumers);
    }

    public async Task ScaleAsync(string stream, int target, bool wait, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var response = await client.UpdateShardCountAsync(new UpdateShardCountRequest { StreamName = Name(stream), StreamARN = Arn(stream), TargetShardCount = target }, cancellationToken).ConfigureAwait(false);
        ChangeRequested = true;
        var from = response.CurrentShardCount;
        var status = "UPDATING";
        if (wait)
        {
            var (summary, _) = await WaitAsync(stream, (s, _) => s.OpenShardCount == target, timeout, $"{target} open shards", cancellationToken).ConfigureAwait(false);
            status = StreamReport.Name(summary.StreamStatus);
        }

        report.Done($"scaled stream '{stream}' from {from} to {target} open shards: {(wait ? status : "UPDATING; not waiting for ACTIVE")}", w =>
        {
            w.WriteString("stream", stream);
            w.WriteNumber("previousShardCount", from);
            w.WriteNumber("targetShardCount", target);
            w.WriteString("status", status);
        });
    }

    public async Task SplitAsync(string stream, string shardText, string? hashKey, bool wait, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var shards = await ListShardsAsync(stream, cancellationToken).ConfigureAwait(false);
        var shard = ReshardPlan.OpenShard(shards, ReshardPlan.ShardId(shardText), "--shard", stream);
        var key = ReshardPlan.SplitKey(shard, hashKey);
        await client.SplitShardAsync(new SplitShardRequest { StreamName = Name(stream), StreamARN = Arn(stream), ShardToSplit = shard.ShardId, NewStartingHashKey = key }, cancellationToken).ConfigureAwait(false);
        ChangeRequested = true;
        var line = $"split {shard.ShardId} of '{stream}' at hash key {key}";
        if (!wait)
        {
            report.Done($"{line}; not waiting for ACTIVE", w => WriteReshard(w, stream, [shard], key, [], "UPDATING"));
            return;
        }

        var (summary, after) = await WaitAsync(stream, (_, all) => Children(all!, shard.ShardId).Count == 2, timeout, $"the children of {shard.ShardId}", cancellationToken).ConfigureAwait(false);
        var children = Children(after!, shard.ShardId);
        var status = StreamReport.Name(summary.StreamStatus);
        report.Done($"{line}: children {Describe(children)}: {status}", w => WriteReshard(w, stream, [shard], key, children, status));
    }

    public async Task MergeAsync(string stream, string shardText, string adjacentText, bool wait, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var shards = await ListShardsAsync(stream, cancellationToken).ConfigureAwait(false);
        var shard = ReshardPlan.OpenShard(shards, ReshardPlan.ShardId(shardText), "--shard", stream);
        var adjacent = ReshardPlan.OpenShard(shards, ReshardPlan.ShardId(adjacentText), "--adjacent-shard", stream);
        ReshardPlan.CheckAdjacent(shard, adjacent);
        await client.MergeShardsAsync(new MergeShardsRequest { StreamName = Name(stream), StreamARN = Arn(stream), ShardToMerge = shard.ShardId, AdjacentShardToMerge = adjacent.ShardId }, cancellationToken).ConfigureAwait(false);
        ChangeRequested = true;
        var line = $"merged {shard.ShardId} and {adjacent.ShardId} of '{stream}'";
        if (!wait)
        {
            report.Done($"{line}; not waiting for ACTIVE", w => WriteReshard(w, stream, [shard, adjacent], null, [], "UPDATING"));
            return;
        }

        var (summary, after) = await WaitAsync(stream, (_, all) => MergedChild(all!, shard, adjacent) is not null, timeout, $"the merge of {shard.ShardId} and {adjacent.ShardId}", cancellationToken).ConfigureAwait(false);
        var child = MergedChild(after!, shard, adjacent)!;
        var status = StreamReport.Name(summary.StreamStatus);
        report.Done($"{line} into {Describe([child])}: {status}", w => WriteReshard(w, stream, [shard, adjacent], null, [child], status));
    }

    public async Task DeleteAsync(string stream, bool deleteConsumers, CancellationToken cancellationToken)
    {
        try
        {
            await client.DeleteStreamAsync(new DeleteStreamRequest { StreamName = Name(stream), StreamARN = Arn(stream), EnforceConsumerDeletion = deleteConsumers }, cancellationToken).ConfigureAwait(false);
        }
        catch (KinesisApiException ex) when (!deleteConsumers && ex.ErrorCode == KinesisErrorCodes.ResourceInUse && ex.Message.Contains("consumer", StringComparison.OrdinalIgnoreCase))
        {
            throw new AdminFailure(ExitCodes.Failed, $"stream '{stream}' has registered consumers; add --delete-consumers to delete them with it ({OneLine(ex.Message)})");
        }

        report.Done($"deleting stream '{stream}' (it disappears once DELETING ends)", w =>
        {
            w.WriteString("stream", stream);
            w.WriteString("status", "DELETING");
        });
    }

    public async Task WaitActiveAsync(string stream, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var (summary, _) = await WaitAsync(stream, null, timeout, "the stream", cancellationToken).ConfigureAwait(false);
        report.Done($"stream '{stream}' is {StreamReport.Name(summary.StreamStatus)} with {summary.OpenShardCount} open shards", w =>
        {
            w.WriteString("stream", stream);
            w.WriteString("status", StreamReport.Name(summary.StreamStatus));
            w.WriteNumber("openShardCount", summary.OpenShardCount);
        });
    }

    /// <summary>
    /// Sets the stream's maximum record size (UpdateMaxRecordSize, which names the stream by ARN only: a name is turned
    /// into its ARN first), then waits until the stream is ACTIVE and reports the size.
    /// </summary>
    public async Task MaxRecordSizeAsync(string stream, int kib, bool wait, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var arn = Arn(stream) ?? (await DescribeSummaryAsync(stream, cancellationToken).ConfigureAwait(false)).StreamARN
            ?? throw new AdminFailure(ExitCodes.Failed, $"the Kinesis endpoint {client.Endpoint} reports no ARN for stream '{stream}'; pass --stream ARN");
        await client.UpdateMaxRecordSizeAsync(new UpdateMaxRecordSizeRequest { StreamARN = arn, MaxRecordSizeInKiB = kib }, cancellationToken).ConfigureAwait(false);
        ChangeRequested = true;
        var status = "UPDATING";
        if (wait)
        {
            var (summary, _) = await WaitAsync(stream, (s, _) => s.MaxRecordSizeInKiB is null || s.MaxRecordSizeInKiB == kib, timeout, $"a maximum record size of {kib} KiB", cancellationToken).ConfigureAwait(false);
            status = StreamReport.Name(summary.StreamStatus);
        }

        report.Done($"set the maximum record size of '{stream}' to {kib} KiB: {(wait ? status : "not waiting for ACTIVE")}", w =>
        {
            w.WriteString("stream", stream);
            w.WriteString("arn", arn);
            w.WriteNumber("maxRecordSizeInKiB", kib);
            w.WriteString("status", status);
        });
    }

    /// <summary>One line of an exception message (service messages may hold line breaks).</summary>
    public static string OneLine(string message) => message.ReplaceLineEndings(" ");

    /// <summary>The request's <c>StreamName</c>: null when <c>--stream</c> is an ARN.</summary>
    private static string? Name(string stream) => ToolOptions.IsStreamArn(stream) ? null : stream;

    /// <summary>The request's <c>StreamARN</c>: <c>--stream</c> when it is an ARN.</summary>
    private static string? Arn(string stream) => ToolOptions.IsStreamArn(stream) ? stream : null;

    private static List<Shard> Children(IReadOnlyList<Shard> shards, string parent) =>
        shards.Where(s => s.ParentShardId == parent && s.AdjacentParentShardId is null)
            .OrderBy(s => ReshardPlan.Range(s).Start)
            .ToList();

    private static Shard? MergedChild(IReadOnlyList<Shard> shards, Shard a, Shard b) =>
        shards.FirstOrDefault(s => (s.ParentShardId == a.ShardId && s.AdjacentParentShardId == b.ShardId) || (s.ParentShardId == b.ShardId && s.AdjacentParentShardId == a.ShardId));

    private static string Describe(IEnumerable<Shard> shards) =>
        string.Join(" and ", shards.Select(s => $"{s.ShardId} ({s.HashKeyRange.Start}..{s.HashKeyRange.End})"));

    private static void WriteReshard(System.Text.Json.Utf8JsonWriter w, string stream, Shard[] parents, string? hashKey, IReadOnlyList<Shard> children, string status)
    {
        w.WriteString("stream", stream);
        w.WriteStartArray("parents");
        foreach (var parent in parents)
        {
            w.WriteStringValue(parent.ShardId);
        }

        w.WriteEndArray();
        if (hashKey is not null)
        {
            w.WriteString("hashKey", hashKey);
        }

        w.WriteStartArray("children");
        foreach (var child in children)
        {
            StreamReport.WriteShardRange(w, child);
        }

        w.WriteEndArray();
        w.WriteString("status", status);
    }

    /// <summary>
    /// Polls until the stream is ACTIVE and, when given, <paramref name="done"/> holds for its summary and shards. ACTIVE
    /// alone is not enough after a reshard: a service may report ACTIVE before the request was even applied.
    /// </summary>
    private async Task<(StreamDescriptionSummary Summary, IReadOnlyList<Shard>? Shards)> WaitAsync(
        string stream, Func<StreamDescriptionSummary, IReadOnlyList<Shard>?, bool>? done, TimeSpan timeout, string what, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var status = StreamStatus.Unknown;
        try
        {
            while (true)
            {
                var summary = await DescribeSummaryAsync(stream, deadline.Token).ConfigureAwait(false);
                status = summary.StreamStatus;
                if (status == StreamStatus.Active)
                {
                    if (done is null)
                    {
                        return (summary, null);
                    }

                    var shards = await ListShardsAsync(stream, deadline.Token).ConfigureAwait(false);
                    if (done(summary, shards))
                    {
                        return (summary, shards);
                    }
                }

                await Task.Delay(pollInterval, deadline.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or KinesisApiException { Kind: KinesisErrorKind.Timeout } && deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            var seconds = timeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture);
            throw new AdminFailure(ExitCodes.Failed, $"waited {seconds} s for {what} of stream '{stream}', which is {StreamReport.Name(status)}; run 'kinesis-streams wait --stream {stream}' to wait longer (--timeout SECONDS)");
        }
    }

    private async Task<StreamDescriptionSummary> DescribeSummaryAsync(string stream, CancellationToken cancellationToken) =>
        (await client.DescribeStreamSummaryAsync(new DescribeStreamSummaryRequest { StreamName = Name(stream), StreamARN = Arn(stream) }, cancellationToken).ConfigureAwait(false)).StreamDescriptionSummary;

    private async Task<List<Shard>> ListShardsAsync(string stream, CancellationToken cancellationToken) =>
        [.. await client.ListAllShardsAsync(new ListShardsRequest { StreamName = Name(stream), StreamARN = Arn(stream) }, cancellationToken).ConfigureAwait(false)];

    private async Task<List<Consumer>> ListConsumersAsync(string streamArn, CancellationToken cancellationToken)
    {
        var consumers = new List<Consumer>();
        string? token = null;
        do
        {
            var page = await client.ListStreamConsumersAsync(new ListStreamConsumersRequest { StreamARN = streamArn, NextToken = token }, cancellationToken).ConfigureAwait(false);
            consumers.AddRange(page.Consumers);
            token = page.NextToken;
        }
        while (token is not null);
        return consumers;
    }
}
