using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Amazon.Runtime;
using Kinesis.Core.Api.Serialization;
using Kinesis.Core.Http;

namespace Kinesis.Core.Api.Transport;

/// <summary>
/// Sends Kinesis JSON 1.1 operations: writes the body into a pooled buffer, signs and sends it, reads the whole
/// response into a pooled buffer and parses it; maps every failure to a <see cref="KinesisApiException"/>. Re-signs
/// once when the service says our clock is off; otherwise never retries. Thread-safe.
/// </summary>
internal sealed class KinesisJsonTransport : IDisposable
{
    private const string ContentType = "application/x-amz-json-1.1";
    private const string TargetPrefix = "Kinesis_20131202.";
    private const int MaxErrorBodyBytes = 64 * 1024;

    // Keyed by the operation names of KinesisApiClient: a fixed, small set.
    private static readonly ConcurrentDictionary<string, KeyValuePair<string, string>[]> TargetHeaders = new(StringComparer.Ordinal);

    private readonly AwsHttpSender sender;
    private readonly TimeSpan requestTimeout;
    private readonly Version rpcVersion;
    private readonly HttpVersionPolicy rpcVersionPolicy;

    public KinesisJsonTransport(AwsHttpSender sender, TimeSpan requestTimeout, bool useHttp2)
    {
        this.sender = sender;
        this.requestTimeout = requestTimeout;
        rpcVersion = useHttp2 ? HttpVersion.Version20 : HttpVersion.Version11;
        rpcVersionPolicy = useHttp2 ? HttpVersionPolicy.RequestVersionExact : HttpVersionPolicy.RequestVersionOrLower;
    }

    public async Task<TResponse> SendAsync<TRequest, TResponse>(
        string operation,
        TRequest request,
        RequestBodyWriter<TRequest> writeBody,
        ResponseParser<TResponse> parseResponse,
        int bodySizeHint,
        CancellationToken cancellationToken)
    {
        // Sized up front so a multi-megabyte PutRecords body is not copied through a chain of ever larger buffers.
        using var body = new PooledBufferWriter(Math.Max(bodySizeHint, 1024));
        KinesisRequestWriter.Write(body, request, writeBody);
        return await SendAsync(operation, CreateRequest(operation, body.WrittenMemory, rpcVersion, rpcVersionPolicy), parseResponse, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends a request whose body is written to the connection as it is produced (see <see cref="PutRecordsBody"/>).</summary>
    public Task<TResponse> SendStreamedAsync<TResponse>(string operation, AwsStreamedBody body, ResponseParser<TResponse> parseResponse, CancellationToken cancellationToken) =>
        SendAsync(operation, CreateRequest(operation, body, rpcVersion, rpcVersionPolicy), parseResponse, cancellationToken);

    private async Task<TResponse> SendAsync<TResponse>(string operation, AwsHttpRequest httpRequest, ResponseParser<TResponse> parseResponse, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(requestTimeout);
            try
            {
                using var response = await sender.SendAsync(httpRequest, timeout.Token).ConfigureAwait(false);
                using var responseBody = new PooledBufferWriter();
                await ReadBodyAsync(response, responseBody, int.MaxValue, timeout.Token).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return Parse(operation, response, responseBody.WrittenSpan, parseResponse);
                }

                var error = ToServiceError(operation, response, responseBody.WrittenSpan);
                if (attempt == 0 && KinesisErrorCodes.MayBeClockSkew(error.ErrorCode, error.Message) && sender.Signer.TryCorrectClock(response.Headers))
                {
                    continue;
                }

                throw error;
            }
            catch (Exception ex) when (ToTransportError(operation, ex, timeout, cancellationToken) is { } mapped)
            {
                throw mapped;
            }
        }
    }

    /// <summary>
    /// Opens an event-stream operation over HTTP/2 and returns the response once its headers arrived with status 200;
    /// an error response is read and thrown as a <see cref="KinesisApiException"/>. The caller owns the response.
    /// </summary>
    public async Task<HttpResponseMessage> OpenEventStreamAsync<TRequest>(string operation, TRequest request, RequestBodyWriter<TRequest> writeBody, CancellationToken cancellationToken)
    {
        using var body = new PooledBufferWriter(1024);
        KinesisRequestWriter.Write(body, request, writeBody);

        // The request body is small; copy it so the pooled buffer is not tied to a connection that outlives this call.
        var httpRequest = CreateRequest(operation, body.WrittenSpan.ToArray(), HttpVersion.Version20, HttpVersionPolicy.RequestVersionExact);
        for (var attempt = 0; ; attempt++)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(requestTimeout);
            HttpResponseMessage? response = null;
            try
            {
                response = await sender.SendAsync(httpRequest, timeout.Token).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    var returned = response;
                    response = null;
                    return returned;
                }

                using var responseBody = new PooledBufferWriter();
                await ReadBodyAsync(response, responseBody, MaxErrorBodyBytes, timeout.Token).ConfigureAwait(false);
                var error = ToServiceError(operation, response, responseBody.WrittenSpan);
                if (attempt == 0 && KinesisErrorCodes.MayBeClockSkew(error.ErrorCode, error.Message) && sender.Signer.TryCorrectClock(response.Headers))
                {
                    continue;
                }

                throw error;
            }
            catch (Exception ex) when (ToTransportError(operation, ex, timeout, cancellationToken) is { } mapped)
            {
                throw mapped;
            }
            finally
            {
                response?.Dispose();
            }
        }
    }

    public void Dispose() => sender.Dispose();

    internal static KinesisApiException? ToTransportError(string operation, Exception exception, CancellationTokenSource timeout, CancellationToken callerToken)
    {
        switch (exception)
        {
            case KinesisApiException:
                return null;
            case OperationCanceledException when callerToken.IsCancellationRequested:
                return null;
            case OperationCanceledException when timeout.IsCancellationRequested:
                return new KinesisApiException(KinesisErrorKind.Timeout, KinesisErrorCodes.RequestTimeout, $"{operation} got no complete answer within the request timeout.", innerException: exception);
            case AmazonClientException or AmazonServiceException:
                // Raised by the credential chain (nothing configured, STS or instance metadata failing) before anything is sent.
                return new KinesisApiException(KinesisErrorKind.Credentials, KinesisErrorCodes.CredentialsUnavailable, $"{operation} could not be signed: {exception.Message}", innerException: exception);
            case OperationCanceledException { InnerException: TimeoutException connect }:
                // SocketsHttpHandler.ConnectTimeout ran out (TCP and TLS); the bare cancellation's message would say nothing.
                return new KinesisApiException(KinesisErrorKind.Network, KinesisErrorCodes.NetworkError, $"{operation} failed on the network: {connect.Message}", innerException: exception);
            case HttpRequestException or IOException or OperationCanceledException:
                // A cancellation nobody asked for comes from the connection being torn down.
                return new KinesisApiException(KinesisErrorKind.Network, KinesisErrorCodes.NetworkError, $"{operation} failed on the network: {exception.Message}", innerException: exception);
            default:
                return null;
        }
    }

    private static TResponse Parse<TResponse>(string operation, HttpResponseMessage response, ReadOnlySpan<byte> body, ResponseParser<TResponse> parse)
    {
        try
        {
            return parse(body);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException or OverflowException)
        {
            throw new KinesisApiException(KinesisErrorKind.MalformedResponse, KinesisErrorCodes.MalformedResponse, $"{operation} returned a response that could not be parsed: {ex.Message}", (int)response.StatusCode, RequestId(response), ex);
        }
    }

    private static KinesisApiException ToServiceError(string operation, HttpResponseMessage response, ReadOnlySpan<byte> body)
    {
        var (type, message) = KinesisResponseParser.Error(body);
        type ??= response.Headers.TryGetValues("x-amzn-ErrorType", out var values) ? values.FirstOrDefault() : null;
        var code = NormalizeErrorCode(type) ?? $"Http{(int)response.StatusCode}";
        return new KinesisApiException(
            KinesisErrorKind.Service,
            code,
            $"{operation} failed with {code} (HTTP {(int)response.StatusCode}): {message ?? response.ReasonPhrase}",
            (int)response.StatusCode,
            RequestId(response));
    }

    /// <summary>Strips the namespace (<c>com.amazonaws...#Code</c>) and any suffix after ':' from an error type.</summary>
    internal static string? NormalizeErrorCode(string? type)
    {
        if (string.IsNullOrEmpty(type))
        {
            return null;
        }

        var hash = type.LastIndexOf('#');
        if (hash >= 0)
        {
            type = type[(hash + 1)..];
        }

        var colon = type.IndexOf(':', StringComparison.Ordinal);
        return colon >= 0 ? type[..colon] : type;
    }

    internal static string? RequestId(HttpResponseMessage response) =>
        response.Headers.TryGetValues("x-amzn-RequestId", out var values) ? values.FirstOrDefault() : null;

    private static async Task ReadBodyAsync(HttpResponseMessage response, PooledBufferWriter output, int limit, CancellationToken cancellationToken)
    {
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            if (response.Content.Headers.ContentLength is { } length && length <= limit)
            {
                output.GetMemory((int)length);
            }

            while (output.WrittenCount < limit)
            {
                var read = await stream.ReadAsync(output.GetMemory(16 * 1024), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    return;
                }

                output.Advance(read);
            }
        }
    }

    private static AwsHttpRequest CreateRequest(string operation, ReadOnlyMemory<byte> body, Version version, HttpVersionPolicy policy) => new(body, ContentType)
    {
        Headers = TargetHeader(operation),
        Version = version,
        VersionPolicy = policy,
    };

    private static AwsHttpRequest CreateRequest(string operation, AwsStreamedBody body, Version version, HttpVersionPolicy policy) => new(body, ContentType)
    {
        Headers = TargetHeader(operation),
        Version = version,
        VersionPolicy = policy,
    };

    /// <summary>The X-Amz-Target header of an operation, built once per operation instead of once per request.</summary>
    private static KeyValuePair<string, string>[] TargetHeader(string operation) =>
        TargetHeaders.GetOrAdd(operation, static name => [new("X-Amz-Target", TargetPrefix + name)]);
}
