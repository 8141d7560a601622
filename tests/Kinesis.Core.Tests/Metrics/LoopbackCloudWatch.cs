using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Amazon.Runtime;
using Kinesis.Core.Tests.Http;

namespace Kinesis.Core.Tests.Metrics;

/// <summary>
/// A PutMetricData endpoint on 127.0.0.1 (System.Net.HttpListener) that checks each request's SigV4 signature by
/// re-signing it with AWSSDK.Core (same credentials, time and signed headers), decodes the form body and keeps what
/// it received. It always answers 200; faults are injected on the client side with a FaultInjectionHandler.
/// </summary>
internal sealed class LoopbackCloudWatch : IAsyncDisposable
{
    public const string AccessKey = "AKIDMETRICSTEST";
    public const string SecretKey = "metrics/secret/key/for/loopback/tests";
    public const string Region = "us-east-1";

    private readonly HttpListener listener = new();
    private readonly Task serving;

    public LoopbackCloudWatch()
    {
        var port = FreePort();
        Endpoint = new Uri($"http://127.0.0.1:{port}/");
        listener.Prefixes.Add(Endpoint.ToString());
        listener.Start();
        serving = Task.Run(ServeAsync);
    }

    public static BasicAWSCredentials Credentials => new(AccessKey, SecretKey);

    public Uri Endpoint { get; }

    public ConcurrentQueue<ReceivedPutMetricData> Requests { get; } = new();

    public IReadOnlyList<ReceivedDatum> AllDatums => Requests.SelectMany(r => r.Datums).ToList();

    public async ValueTask DisposeAsync()
    {
        listener.Stop();
        listener.Close();
        try
        {
            await serving;
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
        {
            // Stopping the listener ends the accept loop with one of these.
        }
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private async Task ServeAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var raw = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(raw);
            var received = await ReceiveAsync(context.Request, raw.ToArray());
            Requests.Enqueue(received);
            var response = Encoding.UTF8.GetBytes("<PutMetricDataResponse xmlns=\"http://monitoring.amazonaws.com/doc/2010-08-01/\"><ResponseMetadata><RequestId>loopback</RequestId></ResponseMetadata></PutMetricDataResponse>");
            context.Response.StatusCode = 200;
            context.Response.ContentType = "text/xml";
            await context.Response.OutputStream.WriteAsync(response);
            context.Response.Close();
        }
    }

    private async Task<ReceivedPutMetricData> ReceiveAsync(HttpListenerRequest request, byte[] raw)
    {
        var encoding = request.Headers["Content-Encoding"];
        var body = raw;
        if (encoding == "gzip")
        {
            using var gzip = new GZipStream(new MemoryStream(raw), CompressionMode.Decompress);
            using var plain = new MemoryStream();
            await gzip.CopyToAsync(plain);
            body = plain.ToArray();
        }

        var form = Encoding.ASCII.GetString(body);
        return new ReceivedPutMetricData(
            raw.Length,
            body.Length,
            encoding,
            request.ContentType,
            await SignatureIsValidAsync(request, raw),
            ParseForm(form));
    }

    private Task<bool> SignatureIsValidAsync(HttpListenerRequest request, byte[] raw) =>
        SignatureCheck.IsValidAsync(new Uri(Endpoint, request.RawUrl), name => request.Headers[name], raw, Credentials, Region, "monitoring");

    private static List<KeyValuePair<string, string>> ParseForm(string form) =>
        form.Split('&').Select(pair =>
        {
            var split = pair.Split('=', 2);
            return new KeyValuePair<string, string>(Uri.UnescapeDataString(split[0]), Uri.UnescapeDataString(split[1].Replace('+', ' ')));
        }).ToList();
}

internal sealed record ReceivedPutMetricData(int RawBytes, int FormBytes, string? ContentEncoding, string? ContentType, bool SignatureValid, List<KeyValuePair<string, string>> Form)
{
    public string? this[string key] => Form.FirstOrDefault(p => p.Key == key).Value;

    public IReadOnlyList<ReceivedDatum> Datums
    {
        get
        {
            var datums = new SortedDictionary<int, Dictionary<string, string>>();
            foreach (var (key, value) in Form)
            {
                if (!key.StartsWith("MetricData.member.", StringComparison.Ordinal))
                {
                    continue;
                }

                var rest = key["MetricData.member.".Length..];
                var dot = rest.IndexOf('.', StringComparison.Ordinal);
                var index = int.Parse(rest[..dot], CultureInfo.InvariantCulture);
                if (!datums.TryGetValue(index, out var fields))
                {
                    datums[index] = fields = [];
                }

                fields[rest[(dot + 1)..]] = value;
            }

            return datums.Select(d => new ReceivedDatum(d.Key, d.Value, this["Namespace"]!)).ToList();
        }
    }
}

internal sealed record ReceivedDatum(int Index, Dictionary<string, string> Fields, string Namespace)
{
    public string Name => Fields["MetricName"];

    public string Unit => Fields["Unit"];

    public double SampleCount => double.Parse(Fields["StatisticValues.SampleCount"], CultureInfo.InvariantCulture);

    public double Sum => double.Parse(Fields["StatisticValues.Sum"], CultureInfo.InvariantCulture);

    public double Minimum => double.Parse(Fields["StatisticValues.Minimum"], CultureInfo.InvariantCulture);

    public double Maximum => double.Parse(Fields["StatisticValues.Maximum"], CultureInfo.InvariantCulture);

    public string Timestamp => Fields["Timestamp"];

    /// <summary>Dimensions as "Name=Value" joined by ",", in the order sent.</summary>
    public string Dimensions
    {
        get
        {
            var parts = new List<string>();
            for (var i = 1; Fields.TryGetValue($"Dimensions.member.{i}.Name", out var name); i++)
            {
                parts.Add(name + "=" + Fields[$"Dimensions.member.{i}.Value"]);
            }

            return string.Join(",", parts);
        }
    }
}
