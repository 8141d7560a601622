using System.Net;
using Kinesis.Core.Api.EventStream;
using Kinesis.Core.Api.Serialization;
using Kinesis.Core.Api.Transport;
using Kinesis.Core.Http;

namespace Kinesis.Core.Api;

/// <summary>
/// A client for the Kinesis Data Streams operations this library needs, over the JSON 1.1 protocol, each request
/// signed with SigV4. Create one per endpoint and keep it for the life of the application: it is safe for concurrent
/// use and pools connections.
/// </summary>
/// <remarks>
/// <para>Every failure surfaces as a <see cref="KinesisApiException"/> (service error, network failure, timeout or
/// malformed response) with <see cref="KinesisApiException.IsRetryable"/> and <see cref="KinesisApiException.IsThrottling"/>;
/// the client never retries by itself, except that a request refused because of clock skew is re-signed once.
/// Invalid input fails before sending with <see cref="ArgumentException"/> naming the limit.
/// Cancelling a call's token throws <see cref="OperationCanceledException"/>.</para>
/// <para>Record data passed in is not copied; it must stay unchanged until the call completes.</para>
/// </remarks>
public sealed class KinesisApiClient : IDisposable, IAsyncDisposable
{
    /// <summary>The SigV4 service name of Kinesis.</summary>
    public const string SigningServiceName = "kinesis";

    // PutRecords bodies from about this size on are written to the connection in pieces (PutRecordsBody): below it, one
    // pooled buffer costs less than writing the JSON twice.
    private const int StreamedBodyThreshold = 256 * 1024;

    /// <summary>Default interval between polls of <see cref="WaitForStreamActiveAsync"/> and <see cref="WaitForConsumerActiveAsync"/>.</summary>
    public static readonly TimeSpan DefaultPollInterval = TimeSpan.FromMilliseconds(250);

    private readonly KinesisJsonTransport transport;
    private readonly TimeProvider time;
    private readonly int maxRecordSize;
    private int disposed;

    /// <summary>Creates a client.</summary>
    /// <exception cref="ArgumentException">The region is missing or malformed, or the service URL is not absolute, not http(s), or plain HTTP to a non-loopback host without <see cref="KinesisApiClientOptions.AllowInsecureHttp"/>.</exception>
    public KinesisApiClient(KinesisApiClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var region = options.Region ?? throw new ArgumentException($"{nameof(KinesisApiClientOptions.Region)} is required (it is the signing region even with a {nameof(KinesisApiClientOptions.ServiceUrl)}).", nameof(options));
        AwsServiceEndpoint.ValidateRegion(region, nameof(options));
        Endpoint = options.ServiceUrl is { } url ? CheckServiceUrl(url, options.AllowInsecureHttp) : AwsServiceEndpoint.Resolve(SigningServiceName, region);
        Region = region;

        var signer = new AwsRequestSigner(new AwsCredentialsSource(options.Credentials), region, SigningServiceName, options.TimeProvider);
        time = options.TimeProvider ?? TimeProvider.System;
        maxRecordSize = options.MaxRecordSize;
        var handler = options.HttpHandler ?? AwsHttpSender.CreateDefaultHandler(options.MaxConnections, options.ConnectTimeout);
        var sender = new AwsHttpSender(Endpoint, signer, handler, ownsHandler: options.HttpHandler is null);
        transport = new KinesisJsonTransport(sender, options.RequestTimeout, options.UseHttp2ForRequests);
    }

    /// <summary>The endpoint requests go to.</summary>
    public Uri Endpoint { get; }

    /// <summary>The signing region.</summary>
    public string Region { get; }

    /// <summary>Creates a stream (provisioned with a shard count, or on-demand). It starts in CREATING; see <see cref="WaitForStreamActiveAsync"/>.</summary>
    public Task CreateStreamAsync(CreateStreamRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        KinesisRequestValidator.StreamName(request.StreamName, nameof(request));
        if ((request.StreamMode == StreamMode.Provisioned) != request.ShardCount.HasValue)
        {
            throw new ArgumentException(request.ShardCount.HasValue ? "An on-demand stream takes no ShardCount." : "A provisioned stream needs a ShardCount.", nameof(request));
        }

        KinesisRequestValidator.Positive(request.ShardCount, KinesisLimits.MaxShardCount, nameof(request.ShardCount), nameof(request));
        KinesisRequestValidator.MaxRecordSizeInKiB(request.MaxRecordSizeInKiB, nameof(request));
        return SendAsync("CreateStream", request, ControlPlaneJson.CreateStream, KinesisResponseParser.Empty, cancellationToken);
    }

    /// <summary>Deletes a stream (it goes to DELETING, then disappears).</summary>
    public Task DeleteStreamAsync(DeleteStreamRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        KinesisRequestValidator.Stream(request.StreamName, request.StreamARN, Region, nameof(request));
        return SendAsync("DeleteStream", request, ControlPlaneJson.DeleteStream, KinesisResponseParser.Empty, cancellationToken);
    }

    /// <summary>
    /// Lists one page of the account's streams in this region; while <see cref="ListStreamsResponse.HasMoreStreams"/>,
    /// ask for the next page with the last name as <see cref="ListStreamsRequest.ExclusiveStartStreamName"/> (or with
    /// <see cref="ListStreamsResponse.NextToken"/> alone).
    /// </summary>
    public Task<ListStreamsResponse> ListStreamsAsync(ListStreamsRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.NextToken is not null && request.ExclusiveStartStreamName is not null)
        {
            throw new ArgumentException("A ListStreams request with NextToken takes no ExclusiveStartStreamName.", nameof(request));
        }

        if (request.ExclusiveStartStreamName is not null)
        {
            KinesisRequestValidator.StreamName(request.ExclusiveStartStreamName, nameof(request));
        }

        KinesisRequestValidator.Positive(request.Limit, ListStreamsRequest.MaxLimit, nameof(request.Limit), nameof(request));
        return SendAsync("ListStreams", request, ControlPlaneJson.ListStreams, ControlPlaneJson.ParseListStreams, cancellationToken);
    }

    /// <summary>Describes a stream without its shards.</summary>
    public Task<DescribeStreamSummaryResponse> DescribeStreamSummaryAsync(DescribeStreamSummaryRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        KinesisRequestValidator.Stream(request.StreamName, request.StreamARN, Region, nameof(request));
        return SendAsync("DescribeStreamSummary", request, ControlPlaneJson.DescribeStreamSummary, ControlPlaneJson.ParseDescribeStreamSummary, cancellationToken);
    }

    /// <summary>Lists one page of a stream's shards; follow <see cref="ListShardsResponse.NextToken"/> with a request that carries only the token.</summary>
    public Task<ListShardsResponse> ListShardsAsync(ListShardsRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.NextToken is null)
        {
            KinesisRequestValidator.Stream(request.StreamName, request.StreamARN, Region, nameof(request));
        }
        else if (request.StreamName is not null || request.ExclusiveStartShardId is not null || request.ShardFilter is not null)
        {
            throw new ArgumentException("A ListShards request with NextToken takes no StreamName, ExclusiveStartShardId or ShardFilter.", nameof(request));
        }

        KinesisRequestValidator.Positive(request.MaxResults, ListShardsRequest.MaxMaxResults, nameof(request.MaxResults), nameof(request));
        return SendAsync("ListShards", request, ControlPlaneJson.ListShards, ControlPlaneJson.ParseListShards, cancellationToken);
    }

    /// <summary>
    /// Lists all of a stream's shards, following <see cref="ListShardsResponse.NextToken"/> page by page (each continuation
    /// carries only the token and <see cref="ListShardsRequest.MaxResults"/>, as the API requires).
    /// </summary>
    /// <param name="request">The first page's request: the stream and, optionally, a filter, a start shard and a page size.
    /// It must not carry a <see cref="ListShardsRequest.NextToken"/>.</param>
    /// <param name="cancellationToken">Cancels the listing; there is no retry beyond each page's own.</param>
    /// <returns>The shards of all pages, in the order the service returned them.</returns>
    public async Task<IReadOnlyList<Shard>> ListAllShardsAsync(ListShardsRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.NextToken is not null)
        {
            throw new ArgumentException("ListAllShardsAsync starts from the first page; leave NextToken unset.", nameof(request));
        }

        var page = await ListShardsAsync(request, cancellationToken).ConfigureAwait(false);
        if (page.NextToken is null)
        {
            return page.Shards;
        }

        var shards = new List<Shard>(page.Shards);
        while (page.NextToken is { } next)
        {
            page = await ListShardsAsync(new ListShardsRequest { NextToken = next, MaxResults = request.MaxResults }, cancellationToken).ConfigureAwait(false);
            shards.AddRange(page.Shards);
        }

        return shards;
    }

    /// <summary>Writes one record.</summary>
    public Task<PutRecordResponse> PutRecordAsync(PutRecordRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        KinesisRequestValidator.Stream(request.StreamName, request.StreamARN, Region, nameof(request));
        KinesisRequestValidator.Record(request.PartitionKey, request.Data.Length, request.ExplicitHashKey, maxRecordSize, nameof(request));
        return SendAsync("PutRecord", request, KinesisRequestWriter.PutRecord, KinesisResponseParser.PutRecord, cancellationToken, KinesisRequestWriter.EstimateRecordSize(request.PartitionKey, request.Data.Length));
    }

    /// <summary>
    /// Writes up to <see cref="KinesisLimits.MaxRecordsPerPutRecords"/> records. Individual records can fail while the call
    /// succeeds: check <see cref="PutRecordsResponse.FailedRecordCount"/> and each entry's <see cref="PutRecordsResultEntry.ErrorCode"/>.
    /// </summary>
    public Task<PutRecordsResponse> PutRecordsAsync(PutRecordsRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        KinesisRequestValidator.PutRecords(request, Region, maxRecordSize, nameof(request));
        var size = KinesisRequestWriter.EstimatePutRecordsSize(request);
        if (size >= StreamedBodyThreshold)
        {
            // Written to the connection in pieces instead of whole into a buffer on the large object heap.
            ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
            return transport.SendStreamedAsync("PutRecords", new PutRecordsBody(request), KinesisResponseParser.PutRecords, cancellationToken);
        }

        return SendAsync("PutRecords", request, KinesisRequestWriter.PutRecords, KinesisResponseParser.PutRecords, cancellationToken, size);
    }

    /// <summary>Gets an iterator for reading a shard from a position.</summary>
    public Task<GetShardIteratorResponse> GetShardIteratorAsync(GetShardIteratorRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        KinesisRequestValidator.Stream(request.StreamName, request.StreamARN, Region, nameof(request));
        ArgumentException.ThrowIfNullOrEmpty(request.ShardId, nameof(request));
        KinesisRequestValidator.Iterator(request.ShardIteratorType, request.StartingSequenceNumber, request.Timestamp, nameof(request));
        return SendAsync("GetShardIterator", request, ControlPlaneJson.GetShardIterator, ControlPlaneJson.ParseGetShardIterator, cancellationToken);
    }

    /// <summary>Reads records from a shard iterator.</summary>
    public Task<GetRecordsResponse> GetRecordsAsync(GetRecordsRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrEmpty(request.ShardIterator, nameof(request));
        if (request.StreamARN is not null)
        {
            KinesisRequestValidator.StreamArn(request.StreamARN, Region, nameof(request));
        }

        KinesisRequestValidator.Positive(request.Limit, GetRecordsRequest.MaxLimit, nameof(request.Limit), nameof(request));
        return SendAsync("GetRecords", request, KinesisRequestWriter.GetRecords, KinesisResponseParser.GetRecords, cancellationToken);
    }

    /// <summary>Splits a shard in two at a hash key.</summary>
    public Task SplitShardAsync(SplitShardRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        KinesisRequestValidator.Stream(request.StreamName, request.StreamARN, Region, nameof(request));
        ArgumentException.ThrowIfNullOrEmpty(request.ShardToSplit, nameof(request));
        if (!KinesisRequestValidator.IsHashKey(request.NewStartingHashKey))
        {
            throw new ArgumentException($"NewStartingHashKey is a decimal integer in [0, 2^128); got '{request.NewStartingHashKey}'.", nameof(request));
        }

        return SendAsync("SplitShard", request, ControlPlaneJson.SplitShard, KinesisResponseParser.Empty, cancellationToken);
    }

    /// <summary>Merges two adjacent shards.</summary>
    public Task MergeShardsAsync(MergeShardsRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        KinesisRequestValidator.Stream(request.StreamName, request.StreamARN, Region, nameof(request));
        ArgumentException.ThrowIfNullOrEmpty(request.ShardToMerge, nameof(request));
        ArgumentException.ThrowIfNullOrEmpty(request.AdjacentShardToMerge, nameof(request));
        return SendAsync("MergeShards", request, ControlPlaneJson.MergeShards, KinesisResponseParser.Empty, cancellationToken);
    }

    /// <summary>Changes the number of open shards with uniform scaling.</summary>
    public Task<UpdateShardCountResponse> UpdateShardCountAsync(UpdateShardCountRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        KinesisRequestValidator.Stream(request.StreamName, request.StreamARN, Region, nameof(request));
        KinesisRequestValidator.Positive(request.TargetShardCount, KinesisLimits.MaxShardCount, nameof(request.TargetShardCount), nameof(request));
        return SendAsync("UpdateShardCount", request, ControlPlaneJson.UpdateShardCount, ControlPlaneJson.ParseUpdateShardCount, cancellationToken);
    }

    /// <summary>
    /// Changes a stream's maximum record size (data plus partition key) to <see cref="UpdateMaxRecordSizeRequest.MaxRecordSizeInKiB"/>,
    /// between <see cref="KinesisLimits.MinMaxRecordSizeInKiB"/> (1 MiB, the default) and <see cref="KinesisLimits.MaxMaxRecordSizeInKiB"/>
    /// (10 MiB). The stream is named by ARN only, as the API requires. Writers then need <see cref="KinesisApiClientOptions.MaxRecordSize"/>
    /// (or the producer's <c>MaxRecordSize</c>) raised to send such records; readers need nothing. A shard's throughput limits do
    /// not change: large records are meant to be occasional.
    /// </summary>
    public Task UpdateMaxRecordSizeAsync(UpdateMaxRecordSizeRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        KinesisRequestValidator.StreamArn(request.StreamARN, Region, nameof(request));
        KinesisRequestValidator.MaxRecordSizeInKiB(request.MaxRecordSizeInKiB, nameof(request));

        return SendAsync("UpdateMaxRecordSize", request, ControlPlaneJson.UpdateMaxRecordSize, KinesisResponseParser.Empty, cancellationToken);
    }

    /// <summary>Registers an enhanced fan-out consumer; it starts in CREATING, see <see cref="WaitForConsumerActiveAsync"/>.</summary>
    public Task<RegisterStreamConsumerResponse> RegisterStreamConsumerAsync(RegisterStreamConsumerRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        KinesisRequestValidator.StreamArn(request.StreamARN, Region, nameof(request));
        KinesisRequestValidator.StreamName(request.ConsumerName, nameof(request));
        return SendAsync("RegisterStreamConsumer", request, ControlPlaneJson.RegisterStreamConsumer, ControlPlaneJson.ParseRegisterStreamConsumer, cancellationToken);
    }

    /// <summary>Describes a consumer, named by ARN or by stream ARN and name.</summary>
    public Task<DescribeStreamConsumerResponse> DescribeStreamConsumerAsync(StreamConsumerRequest request, CancellationToken cancellationToken = default)
    {
        ValidateConsumer(request);
        return SendAsync("DescribeStreamConsumer", request, ControlPlaneJson.StreamConsumer, ControlPlaneJson.ParseDescribeStreamConsumer, cancellationToken);
    }

    /// <summary>Lists one page of a stream's consumers.</summary>
    public Task<ListStreamConsumersResponse> ListStreamConsumersAsync(ListStreamConsumersRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        KinesisRequestValidator.StreamArn(request.StreamARN, Region, nameof(request));
        KinesisRequestValidator.Positive(request.MaxResults, 10_000, nameof(request.MaxResults), nameof(request));
        return SendAsync("ListStreamConsumers", request, ControlPlaneJson.ListStreamConsumers, ControlPlaneJson.ParseListStreamConsumers, cancellationToken);
    }

    /// <summary>Deregisters a consumer, named by ARN or by stream ARN and name.</summary>
    public Task DeregisterStreamConsumerAsync(StreamConsumerRequest request, CancellationToken cancellationToken = default)
    {
        ValidateConsumer(request);
        return SendAsync("DeregisterStreamConsumer", request, ControlPlaneJson.StreamConsumer, KinesisResponseParser.Empty, cancellationToken);
    }

    /// <summary>
    /// Subscribes to a shard through an enhanced fan-out consumer over HTTP/2. The request is sent when enumeration
    /// starts; events arrive in order as the service pushes them (empty events are heartbeats). The sequence completes
    /// when the service ends the subscription (after about five minutes; resubscribe after
    /// <see cref="SubscribeToShardEvent.ContinuationSequenceNumber"/>), throws <see cref="KinesisApiException"/> for an error
    /// response or exception frame (<see cref="KinesisErrorKind.Service"/>, e.g. <c>ResourceInUseException</c>), for a
    /// corrupt or truncated frame (<see cref="KinesisErrorKind.MalformedResponse"/>) and for a dropped connection
    /// (<see cref="KinesisErrorKind.Network"/>). Cancelling the token, or disposing the enumerator, closes the stream at once.
    /// </summary>
    public IAsyncEnumerable<SubscribeToShardEvent> SubscribeToShardAsync(SubscribeToShardRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrEmpty(request.ConsumerARN, nameof(request));
        ArgumentException.ThrowIfNullOrEmpty(request.ShardId, nameof(request));
        ArgumentNullException.ThrowIfNull(request.StartingPosition, nameof(request));
        KinesisRequestValidator.Iterator(request.StartingPosition.Type, request.StartingPosition.SequenceNumber, request.StartingPosition.Timestamp, nameof(request));
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        return SubscribeCoreAsync(request, cancellationToken);
    }

    /// <summary>
    /// Polls DescribeStreamSummary every <paramref name="pollInterval"/> (default <see cref="DefaultPollInterval"/>) until the
    /// stream is ACTIVE (or UPDATING, which allows reads and writes) and returns its summary; throws
    /// <see cref="TimeoutException"/> after <paramref name="timeout"/>. Service errors (e.g. ResourceNotFoundException) propagate.
    /// The interval and the timeout run on <see cref="KinesisApiClientOptions.TimeProvider"/>.
    /// </summary>
    /// <param name="streamName">The stream's name, or its ARN (a value that starts with <c>arn:</c>, sent as <c>StreamARN</c>).</param>
    /// <param name="timeout">How long to wait in all.</param>
    /// <param name="pollInterval">Between polls; default <see cref="DefaultPollInterval"/>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public async Task<StreamDescriptionSummary> WaitForStreamActiveAsync(string streamName, TimeSpan timeout, TimeSpan? pollInterval = null, CancellationToken cancellationToken = default)
    {
        DescribeStreamSummaryRequest request;
        if (StreamArn.IsArn(streamName))
        {
            request = new DescribeStreamSummaryRequest { StreamARN = KinesisRequestValidator.StreamArn(streamName, Region, nameof(streamName)).Value };
        }
        else
        {
            KinesisRequestValidator.StreamName(streamName, nameof(streamName));
            request = new DescribeStreamSummaryRequest { StreamName = streamName };
        }

        return await PollAsync(
            async ct => (await DescribeStreamSummaryAsync(request, ct).ConfigureAwait(false)).StreamDescriptionSummary,
            s => s.StreamStatus is StreamStatus.Active or StreamStatus.Updating,
            $"stream '{streamName}' to become ACTIVE",
            timeout,
            pollInterval,
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Polls DescribeStreamConsumer until the consumer is ACTIVE; throws <see cref="TimeoutException"/> after <paramref name="timeout"/>.
    /// The interval and the timeout run on <see cref="KinesisApiClientOptions.TimeProvider"/>.
    /// </summary>
    public async Task<ConsumerDescription> WaitForConsumerActiveAsync(string consumerArn, TimeSpan timeout, TimeSpan? pollInterval = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(consumerArn);
        var request = new StreamConsumerRequest { ConsumerARN = consumerArn };
        return await PollAsync(
            async ct => (await DescribeStreamConsumerAsync(request, ct).ConfigureAwait(false)).ConsumerDescription,
            c => c.ConsumerStatus == ConsumerStatus.Active,
            $"consumer '{consumerArn}' to become ACTIVE",
            timeout,
            pollInterval,
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Closes pooled connections (and the HTTP handler, unless it was given in the options). Idempotent.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 0)
        {
            transport.Dispose();
        }
    }

    /// <inheritdoc cref="Dispose"/>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private static Uri CheckServiceUrl(Uri url, bool allowInsecureHttp)
    {
        if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
        {
            throw new ArgumentException($"{nameof(KinesisApiClientOptions.ServiceUrl)} must be an absolute http:// or https:// URL; got '{url}'.", "options");
        }

        if (url.Scheme == Uri.UriSchemeHttp && !url.IsLoopback && !allowInsecureHttp)
        {
            throw new ArgumentException($"Plain http:// is allowed only for loopback addresses unless {nameof(KinesisApiClientOptions.AllowInsecureHttp)} is set; got '{url.Host}'.", "options");
        }

        return url;
    }

    private void ValidateConsumer(StreamConsumerRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrEmpty(request.ConsumerARN) && (string.IsNullOrEmpty(request.StreamARN) || string.IsNullOrEmpty(request.ConsumerName)))
        {
            throw new ArgumentException("Name the consumer by ConsumerARN, or by StreamARN and ConsumerName.", nameof(request));
        }

        if (!string.IsNullOrEmpty(request.StreamARN))
        {
            KinesisRequestValidator.StreamArn(request.StreamARN, Region, nameof(request));
        }
    }

    private async Task<T> PollAsync<T>(Func<CancellationToken, Task<T>> describe, Func<T, bool> done, string what, TimeSpan timeout, TimeSpan? pollInterval, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        var interval = pollInterval ?? DefaultPollInterval;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero, nameof(pollInterval));
        using var timer = new CancellationTokenSource(timeout, time);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        try
        {
            while (true)
            {
                var state = await describe(deadline.Token).ConfigureAwait(false);
                if (done(state))
                {
                    return state;
                }

                await Task.Delay(interval, time, deadline.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Timed out after {timeout} waiting for {what}.", ex);
        }
        catch (KinesisApiException ex) when (ex.Kind == KinesisErrorKind.Timeout && deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Timed out after {timeout} waiting for {what}.", ex);
        }
    }

    private async IAsyncEnumerable<SubscribeToShardEvent> SubscribeCoreAsync(SubscribeToShardRequest request, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await transport.OpenEventStreamAsync("SubscribeToShard", request, ControlPlaneJson.SubscribeToShard, cancellationToken).ConfigureAwait(false);
        await foreach (var subscribeEvent in SubscribeToShardEventReader.ReadAsync(response, cancellationToken).ConfigureAwait(false))
        {
            yield return subscribeEvent;
        }
    }

    private Task<TResponse> SendAsync<TRequest, TResponse>(string operation, TRequest request, RequestBodyWriter<TRequest> write, ResponseParser<TResponse> parse, CancellationToken cancellationToken, int bodySizeHint = 0)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        return transport.SendAsync(operation, request, write, parse, bodySizeHint, cancellationToken);
    }
}
