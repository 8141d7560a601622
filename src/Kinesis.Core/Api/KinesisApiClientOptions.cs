using Amazon.Runtime;

namespace Kinesis.Core.Api;

/// <summary>Configuration of a <see cref="KinesisApiClient"/>. Read once when the client is created.</summary>
public sealed class KinesisApiClientOptions
{
    /// <summary>Default of <see cref="RequestTimeout"/>: 30 seconds.</summary>
    public static readonly TimeSpan DefaultRequestTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Smallest <see cref="RequestTimeout"/>: 100 milliseconds.</summary>
    public static readonly TimeSpan MinRequestTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>Largest <see cref="RequestTimeout"/>: 10 minutes.</summary>
    public static readonly TimeSpan MaxRequestTimeout = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Default of <see cref="ConnectTimeout"/>: 6 seconds, the Java KPL's <c>ConnectTimeout</c>. Long enough for a TCP and
    /// TLS handshake to a far region on a loaded host; short enough that an endpoint that never answers fails within seconds.
    /// </summary>
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(6);

    /// <summary>Smallest <see cref="ConnectTimeout"/>: 100 milliseconds.</summary>
    public static readonly TimeSpan MinConnectTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>Largest <see cref="ConnectTimeout"/>: 5 minutes.</summary>
    public static readonly TimeSpan MaxConnectTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Default of <see cref="MaxConnections"/>.</summary>
    public const int DefaultMaxConnections = 24;

    /// <summary>Largest <see cref="MaxConnections"/>.</summary>
    public const int MaxMaxConnections = 1024;

    /// <summary>
    /// The HTTP/2 receive window (<see cref="SocketsHttpHandler.InitialHttp2StreamWindowSize"/>) of the default handler: 16 MiB,
    /// room for the largest SubscribeToShard event frame, so the service never has to wait for a window update in the
    /// middle of an event. A given <see cref="HttpHandler"/> used for enhanced fan-out should be set the same way.
    /// </summary>
    /// <remarks>
    /// With .NET's default of 64 KiB, an event larger than the window needs several window updates, and an HTTP/2
    /// server that misses one (kinesis-local 0.6.2 does: it stops after about two windows) leaves the subscription silent
    /// with the event half sent. The window is also how far the service may run ahead of a processor that is not
    /// keeping up: at most this much per subscription beyond <c>FanOutOptions.MaxBufferedEvents</c>.
    /// </remarks>
    public const int SubscribeToShardStreamWindowSize = 16 * 1024 * 1024;

    private TimeSpan requestTimeout = DefaultRequestTimeout;
    private TimeSpan connectTimeout = DefaultConnectTimeout;
    private int maxConnections = DefaultMaxConnections;
    private int maxRecordSize = KinesisLimits.MaxRecordSize;

    /// <summary>
    /// The AWS region (e.g. <c>us-east-1</c>, <c>cn-north-1</c>, <c>us-gov-west-1</c>). Required: it selects the
    /// endpoint unless <see cref="ServiceUrl"/> is set, and it is always the SigV4 signing region.
    /// </summary>
    public string? Region { get; set; }

    /// <summary>
    /// An explicit endpoint (a local emulator, a VPC endpoint). Default null: the standard endpoint of <see cref="Region"/>.
    /// <c>http://</c> is accepted only for loopback addresses unless <see cref="AllowInsecureHttp"/> is set.
    /// </summary>
    public Uri? ServiceUrl { get; set; }

    /// <summary>Allows a plain-HTTP <see cref="ServiceUrl"/> that is not a loopback address. Default false.</summary>
    public bool AllowInsecureHttp { get; set; }

    /// <summary>
    /// The credentials to sign with. Default null: AWSSDK.Core's default chain (environment variables, shared profile,
    /// SSO, web identity, container and instance metadata), resolved on the first request.
    /// </summary>
    public AWSCredentials? Credentials { get; set; }

    /// <summary>
    /// The HTTP handler requests go through (proxies, fault injection, custom TLS). Default null: a
    /// <see cref="SocketsHttpHandler"/> the client owns, sized by <see cref="MaxConnections"/>. A given handler is not
    /// disposed by the client and must support HTTP/2 for <see cref="KinesisApiClient.SubscribeToShardAsync"/>; give a
    /// <see cref="SocketsHttpHandler"/> an <see cref="SocketsHttpHandler.InitialHttp2StreamWindowSize"/> of
    /// <see cref="SubscribeToShardStreamWindowSize"/> so large events arrive whole.
    /// </summary>
    public HttpMessageHandler? HttpHandler { get; set; }

    /// <summary>
    /// Time allowed for one request, from sending until the whole response is read (for SubscribeToShard: until the
    /// response headers arrive). Default <see cref="DefaultRequestTimeout"/>; between <see cref="MinRequestTimeout"/>
    /// and <see cref="MaxRequestTimeout"/>.
    /// </summary>
    public TimeSpan RequestTimeout
    {
        get => requestTimeout;
        set
        {
            if (value < MinRequestTimeout || value > MaxRequestTimeout)
            {
                throw new ArgumentOutOfRangeException(nameof(RequestTimeout), value, $"{nameof(RequestTimeout)} must be between {MinRequestTimeout} and {MaxRequestTimeout}.");
            }

            requestTimeout = value;
        }
    }

    /// <summary>
    /// Time allowed to open a connection (TCP connect and TLS handshake) to the endpoint
    /// (<see cref="SocketsHttpHandler.ConnectTimeout"/>); a request that cannot connect in time fails with a
    /// <see cref="KinesisErrorKind.Network"/> error. A refused connection fails at once whatever this is. Default
    /// <see cref="DefaultConnectTimeout"/>; between <see cref="MinConnectTimeout"/> and <see cref="MaxConnectTimeout"/>.
    /// Ignored when <see cref="HttpHandler"/> is given (set it on that handler).
    /// </summary>
    public TimeSpan ConnectTimeout
    {
        get => connectTimeout;
        set
        {
            if (value < MinConnectTimeout || value > MaxConnectTimeout)
            {
                throw new ArgumentOutOfRangeException(nameof(ConnectTimeout), value, $"{nameof(ConnectTimeout)} must be between {MinConnectTimeout} and {MaxConnectTimeout}.");
            }

            connectTimeout = value;
        }
    }

    /// <summary>
    /// Most HTTP/1.1 connections to the endpoint for request/response calls. Default <see cref="DefaultMaxConnections"/>;
    /// between 1 and <see cref="MaxMaxConnections"/>. Ignored when <see cref="HttpHandler"/> is given.
    /// </summary>
    public int MaxConnections
    {
        get => maxConnections;
        set
        {
            if (value < 1 || value > MaxMaxConnections)
            {
                throw new ArgumentOutOfRangeException(nameof(MaxConnections), value, $"{nameof(MaxConnections)} must be between 1 and {MaxMaxConnections}.");
            }

            maxConnections = value;
        }
    }

    /// <summary>
    /// Largest record (data plus partition key UTF-8 bytes) that PutRecord and PutRecords accept before sending. Default
    /// <see cref="KinesisLimits.MaxRecordSize"/> (1 MiB, every stream's default); between that and
    /// <see cref="KinesisLimits.MaxLargeRecordSize"/> (10 MiB). Raise it only for streams whose maximum record size was
    /// raised (<see cref="KinesisApiClient.UpdateMaxRecordSizeAsync"/>): the service refuses a record above the stream's
    /// own limit. Above 1 MiB a PutRecords call may carry up to <see cref="KinesisLimits.MaxLargePutRecordsSize"/> instead of
    /// <see cref="KinesisLimits.MaxPutRecordsSize"/>.
    /// </summary>
    public int MaxRecordSize
    {
        get => maxRecordSize;
        set
        {
            if (value < KinesisLimits.MaxRecordSize || value > KinesisLimits.MaxLargeRecordSize)
            {
                throw new ArgumentOutOfRangeException(nameof(MaxRecordSize), value, $"{nameof(MaxRecordSize)} must be between {KinesisLimits.MaxRecordSize} and {KinesisLimits.MaxLargeRecordSize}.");
            }

            maxRecordSize = value;
        }
    }

    /// <summary>
    /// Sends request/response calls over HTTP/2 (prior knowledge on <c>http://</c>, ALPN on <c>https://</c>) instead of
    /// the HTTP/1.1 connection pool. Default false. SubscribeToShard always uses HTTP/2. Kinesalite speaks HTTP/1.1 only.
    /// </summary>
    public bool UseHttp2ForRequests { get; set; }

    /// <summary>The clock used for signing and for the waits of <see cref="KinesisApiClient.WaitForStreamActiveAsync"/> and <see cref="KinesisApiClient.WaitForConsumerActiveAsync"/>; default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
