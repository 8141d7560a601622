using System.Net;
using System.Text;

namespace Kinesis.Testing;

/// <summary>
/// A scriptable <see cref="DelegatingHandler"/> that injects faults into a real HTTP pipeline: canned responses
/// (throttling, 5xx, malformed bodies), exceptions (connection resets), delays (timeouts) and response-body
/// transformations (truncation, corruption, a reset mid-stream). Requests that match no rule pass through.
/// </summary>
/// <example>
/// <code>
/// var faults = new FaultInjectionHandler(new SocketsHttpHandler());
/// faults.ForTarget("Kinesis_20131202.PutRecords", Fault.Respond(HttpStatusCode.BadRequest, "{\"__type\":\"ProvisionedThroughputExceededException\"}"));
/// faults.ForRequest(3, Fault.Reset());
/// </code>
/// </example>
public sealed class FaultInjectionHandler : DelegatingHandler
{
    private readonly object gate = new();
    private readonly List<Rule> rules = [];
    private int requestCount;

    /// <summary>Creates a handler that forwards to <paramref name="innerHandler"/> (default: a new <see cref="SocketsHttpHandler"/>).</summary>
    public FaultInjectionHandler(HttpMessageHandler? innerHandler = null)
        : base(innerHandler ?? new SocketsHttpHandler())
    {
    }

    /// <summary>Requests seen so far.</summary>
    public int RequestCount => Volatile.Read(ref requestCount);

    /// <summary>Applies <paramref name="fault"/> to the <paramref name="requestNumber"/>-th request (1-based) of this handler.</summary>
    public FaultInjectionHandler ForRequest(int requestNumber, Fault fault)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(requestNumber, 1);
        return Add(new Rule((number, _) => number == requestNumber, fault, 1));
    }

    /// <summary>Applies <paramref name="fault"/> to the next <paramref name="times"/> requests whose X-Amz-Target is <paramref name="target"/> (e.g. <c>Kinesis_20131202.PutRecords</c>, or just <c>PutRecords</c>).</summary>
    public FaultInjectionHandler ForTarget(string target, Fault fault, int times = 1)
    {
        ArgumentException.ThrowIfNullOrEmpty(target);
        return Add(new Rule((_, request) => TargetOf(request) is { } t && (t == target || t.EndsWith("." + target, StringComparison.Ordinal)), fault, times));
    }

    /// <summary>Applies <paramref name="fault"/> to the next <paramref name="times"/> requests that match <paramref name="predicate"/>.</summary>
    public FaultInjectionHandler When(Func<HttpRequestMessage, bool> predicate, Fault fault, int times = 1)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        return Add(new Rule((_, request) => predicate(request), fault, times));
    }

    /// <summary>Removes every rule that has not fired yet.</summary>
    public void Clear()
    {
        lock (gate)
        {
            rules.Clear();
        }
    }

    /// <inheritdoc />
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var number = Interlocked.Increment(ref requestCount);
        Fault? fault = null;
        lock (gate)
        {
            foreach (var rule in rules)
            {
                if (rule.Remaining > 0 && rule.Matches(number, request))
                {
                    rule.Remaining--;
                    fault = rule.Fault;
                    break;
                }
            }
        }

        return fault is null
            ? base.SendAsync(request, cancellationToken)
            : fault.ApplyAsync(request, r => base.SendAsync(r, cancellationToken), cancellationToken);
    }

    private static string? TargetOf(HttpRequestMessage request) =>
        request.Headers.TryGetValues("X-Amz-Target", out var values) ? values.FirstOrDefault() : null;

    private FaultInjectionHandler Add(Rule rule)
    {
        lock (gate)
        {
            rules.Add(rule);
        }

        return this;
    }

    private sealed class Rule(Func<int, HttpRequestMessage, bool> matches, Fault fault, int remaining)
    {
        public Func<int, HttpRequestMessage, bool> Matches { get; } = matches;

        public Fault Fault { get; } = fault;

        public int Remaining { get; set; } = remaining;
    }
}

/// <summary>A fault for <see cref="FaultInjectionHandler"/>.</summary>
public sealed class Fault
{
    private readonly Func<HttpRequestMessage, Func<HttpRequestMessage, Task<HttpResponseMessage>>, CancellationToken, Task<HttpResponseMessage>> apply;

    private Fault(Func<HttpRequestMessage, Func<HttpRequestMessage, Task<HttpResponseMessage>>, CancellationToken, Task<HttpResponseMessage>> apply) => this.apply = apply;

    /// <summary>Answers without reaching the server, with the given status, body and content type (AWS JSON by default) and an <c>x-amzn-RequestId</c>.</summary>
    public static Fault Respond(HttpStatusCode status, string body, string contentType = "application/x-amz-json-1.1") =>
        new((request, _, _) => Task.FromResult(new HttpResponseMessage(status)
        {
            RequestMessage = request,
            Content = new StringContent(body, Encoding.UTF8, contentType),
            Headers = { { "x-amzn-RequestId", "fault-injection-" + Guid.NewGuid().ToString("N") } },
        }));

    /// <summary>Answers without reaching the server with a binary body (e.g. event-stream frames) read from <paramref name="body"/>.</summary>
    public static Fault Respond(HttpStatusCode status, Func<Stream> body, string contentType)
    {
        ArgumentNullException.ThrowIfNull(body);
        return new((request, _, _) =>
        {
            var content = new StreamContent(body());
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
            return Task.FromResult(new HttpResponseMessage(status) { RequestMessage = request, Content = content });
        });
    }

    /// <summary>Answers with an AWS JSON error: <c>{"__type": errorType, "message": message}</c>.</summary>
    public static Fault AwsError(HttpStatusCode status, string errorType, string message = "Injected fault.") =>
        Respond(status, $$"""{"__type":"{{errorType}}","message":"{{message}}"}""");

    /// <summary>Throws an <see cref="HttpRequestException"/> as a reset connection would, without reaching the server.</summary>
    public static Fault Reset() =>
        new((_, _, _) => Task.FromException<HttpResponseMessage>(new HttpRequestException("Injected fault: connection reset by peer.", new IOException("Connection reset by peer"))));

    /// <summary>Waits <paramref name="delay"/> (honouring cancellation, as a stalled server would) before forwarding the request.</summary>
    public static Fault Delay(TimeSpan delay) =>
        new(async (request, next, ct) =>
        {
            await Task.Delay(delay, ct).ConfigureAwait(false);
            return await next(request).ConfigureAwait(false);
        });

    /// <summary>Forwards the request and replaces the response body's stream with <paramref name="transform"/> of it.</summary>
    public static Fault TransformResponseBody(Func<Stream, Stream> transform)
    {
        ArgumentNullException.ThrowIfNull(transform);
        return new(async (request, next, ct) =>
        {
            var response = await next(request).ConfigureAwait(false);
            var original = response.Content;
            var stream = await original.ReadAsStreamAsync(ct).ConfigureAwait(false);
            var replaced = new StreamContent(transform(stream));
            foreach (var header in original.Headers)
            {
                if (!string.Equals(header.Key, "Content-Length", StringComparison.OrdinalIgnoreCase))
                {
                    replaced.Headers.TryAddWithoutValidation(header.Key, header.Value);
                }
            }

            response.Content = replaced;
            return response;
        });
    }

    /// <summary>Forwards the request; the response body ends cleanly after <paramref name="bytes"/> bytes.</summary>
    public static Fault TruncateResponseBody(long bytes) => TransformResponseBody(s => new FaultyStream(s, bytes, FaultyStream.Mode.End));

    /// <summary>Forwards the request; reading the response body fails with an <see cref="IOException"/> (connection reset) after <paramref name="bytes"/> bytes.</summary>
    public static Fault ResetResponseBodyAfter(long bytes) => TransformResponseBody(s => new FaultyStream(s, bytes, FaultyStream.Mode.Reset));

    /// <summary>Forwards the request; the response body byte at <paramref name="offset"/> is flipped (XOR 0xFF).</summary>
    public static Fault CorruptResponseBodyAt(long offset) => TransformResponseBody(s => new FaultyStream(s, offset, FaultyStream.Mode.Corrupt));

    /// <summary>A read-only stream over <paramref name="data"/> that fails with an <see cref="IOException"/> (connection reset) after <paramref name="bytes"/> bytes.</summary>
    public static Stream ResettingStream(byte[] data, long bytes) => new FaultyStream(new MemoryStream(data, writable: false), bytes, FaultyStream.Mode.Reset);

    /// <summary>This fault, with <paramref name="edit"/> applied to its response (e.g. to set a Date header).</summary>
    public Fault WithResponse(Action<HttpResponseMessage> edit)
    {
        ArgumentNullException.ThrowIfNull(edit);
        return new(async (request, next, ct) =>
        {
            var response = await apply(request, next, ct).ConfigureAwait(false);
            edit(response);
            return response;
        });
    }

    internal Task<HttpResponseMessage> ApplyAsync(HttpRequestMessage request, Func<HttpRequestMessage, Task<HttpResponseMessage>> next, CancellationToken cancellationToken) =>
        apply(request, next, cancellationToken);
}
