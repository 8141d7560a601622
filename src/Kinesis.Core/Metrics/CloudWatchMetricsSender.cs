using System.Net;
using System.Xml.Linq;
using Kinesis.Core.Http;
using Kinesis.Core.Resilience;
using Microsoft.Extensions.Logging;

namespace Kinesis.Core.Metrics;

/// <summary>
/// Sends PutMetricData requests: each batch is retried with backoff on throttling, 5xx, network faults, timeouts
/// and clock skew, then dropped and logged. Never throws except for cancellation of the caller's token.
/// </summary>
internal sealed class CloudWatchMetricsSender : IDisposable
{
    private readonly AwsHttpSender sender;
    private readonly RetryBackoff retry;
    private readonly TimeSpan requestTimeout;
    private readonly ILogger logger;
    private readonly string metricsNamespace;
    private long uploadedDatums;
    private long droppedDatums;

    public CloudWatchMetricsSender(AwsHttpSender sender, RetryBackoffOptions retryOptions, TimeSpan requestTimeout, ILogger logger, string metricsNamespace)
    {
        this.sender = sender;
        this.requestTimeout = requestTimeout;
        this.logger = logger;
        this.metricsNamespace = metricsNamespace;

        // Backoff runs on the real clock: it paces network retries, not metric intervals.
        retry = new RetryBackoff(retryOptions, IsRetryable, TimeProvider.System, (e, n, delay) => MetricsLog.UploadRetry(logger, sender.Endpoint, n + 1, delay, e));
    }

    public long UploadedDatums => Interlocked.Read(ref uploadedDatums);

    public long DroppedDatums => Interlocked.Read(ref droppedDatums);

    public async Task SendAsync(List<MetricDatum> datums, CancellationToken cancellationToken)
    {
        var batches = PutMetricDataWriter.Write(metricsNamespace, datums, out var skipped);
        Interlocked.Add(ref droppedDatums, skipped);
        for (var i = 0; i < batches.Count; i++)
        {
            var batch = batches[i];
            try
            {
                await retry.ExecuteAsync(
                    async ct =>
                    {
                        await SendOnceAsync(batch, ct).ConfigureAwait(false);
                        return true;
                    },
                    cancellationToken).ConfigureAwait(false);
                Interlocked.Add(ref uploadedDatums, batch.DatumCount);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                var left = 0;
                for (var j = i; j < batches.Count; j++)
                {
                    left += batches[j].DatumCount;
                }

                Interlocked.Add(ref droppedDatums, left);
                throw;
            }
            catch (Exception e)
            {
                Interlocked.Add(ref droppedDatums, batch.DatumCount);
                MetricsLog.UploadDropped(logger, batch.DatumCount, metricsNamespace, sender.Endpoint, e);
            }
        }
    }

    public void Dispose() => sender.Dispose();

    private static bool IsRetryable(Exception e) => e switch
    {
        CloudWatchRequestException failure => failure.IsRetryable,
        HttpRequestException or TimeoutException or IOException => true,
        _ => false,
    };

    private async Task SendOnceAsync(PutMetricDataBatch batch, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(requestTimeout);
        var request = new AwsHttpRequest(batch.Body, PutMetricDataWriter.ContentType) { ContentEncoding = batch.ContentEncoding };
        try
        {
            using var response = await sender.SendAsync(request, timeout.Token).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            var body = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
            var code = ErrorCode(body);
            var status = (int)response.StatusCode;
            var retryable = status >= 500
                || response.StatusCode == HttpStatusCode.TooManyRequests
                || code is "Throttling" or "ThrottlingException" or "RequestLimitExceeded" or "ServiceUnavailable"
                || (status is 400 or 403 && sender.Signer.TryCorrectClock(response.Headers));
            throw new CloudWatchRequestException(status, code, retryable);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"PutMetricData did not complete within {requestTimeout}.");
        }
    }

    private static string? ErrorCode(string body)
    {
        try
        {
            return XDocument.Parse(body).Descendants().FirstOrDefault(e => e.Name.LocalName == "Code")?.Value;
        }
        catch (System.Xml.XmlException)
        {
            // A proxy's HTML page or an empty body: the status code alone decides.
            return null;
        }
    }

    /// <summary>A PutMetricData refusal: the HTTP status and the query-protocol error code.</summary>
    private sealed class CloudWatchRequestException(int status, string? code, bool retryable)
        : Exception($"PutMetricData failed with HTTP {status} ({code ?? "no error code"}).")
    {
        public bool IsRetryable { get; } = retryable;
    }
}
