using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Kinesis.Producer.Tests;

/// <summary>
/// Injects per-record PutRecords failures in the real HTTP pipeline, as Kinesis reports them: the failed
/// records are removed from the forwarded request (so the emulator never stores them) and reported as
/// failed in the merged response. Whole-request faults come from Kinesis.Testing's FaultInjectionHandler.
/// </summary>
internal sealed class PutRecordsFaultHandler : DelegatingHandler
{
    private int requests;

    public PutRecordsFaultHandler(HttpMessageHandler? innerHandler = null)
        : base(innerHandler ?? new SocketsHttpHandler())
    {
    }

    /// <summary>Per record of the n-th PutRecords call (0-based call, 0-based record): an error code to fail it with, or null.</summary>
    public Func<int, int, string?>? RecordFault { get; set; }

    /// <summary>Number of PutRecords calls seen.</summary>
    public int PutRecordsCalls => Volatile.Read(ref requests);

    /// <summary>Records the service actually received, across calls.</summary>
    public int ForwardedRecords;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var target = request.Headers.TryGetValues("X-Amz-Target", out var values) ? values.First() : string.Empty;
        if (!target.EndsWith(".PutRecords", StringComparison.Ordinal))
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        var call = Interlocked.Increment(ref requests) - 1;

        var body = JsonNode.Parse(await request.Content!.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false))!;
        var records = body["Records"]!.AsArray();
        var errors = new string?[records.Count];
        var kept = new JsonArray();
        for (var i = 0; i < records.Count; i++)
        {
            errors[i] = RecordFault?.Invoke(call, i);
            if (errors[i] is null)
            {
                kept.Add(records[i]!.DeepClone());
            }
        }

        Interlocked.Add(ref ForwardedRecords, kept.Count);
        JsonArray forwardedResults = [];
        if (kept.Count > 0)
        {
            body["Records"] = kept;
            var contentType = request.Content.Headers.ContentType;
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body.ToJsonString()));
            request.Content.Headers.ContentType = contentType;
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return response;
            }

            forwardedResults = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false))!["Records"]!.AsArray();
            response.Dispose();
        }

        var merged = new JsonArray();
        var next = 0;
        var failed = 0;
        for (var i = 0; i < errors.Length; i++)
        {
            if (errors[i] is { } code)
            {
                failed++;
                merged.Add(new JsonObject { ["ErrorCode"] = code, ["ErrorMessage"] = "injected" });
            }
            else
            {
                merged.Add(forwardedResults[next++]!.DeepClone());
            }
        }

        var json = new JsonObject { ["FailedRecordCount"] = failed, ["Records"] = merged }.ToJsonString();
        return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(json, Encoding.UTF8, "application/x-amz-json-1.1") };
    }
}
