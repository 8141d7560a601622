using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using Kinesis.Client.Tests.Consumer;
using Kinesis.Core.Metrics;
using Kinesis.Testing;

namespace Kinesis.Client.Tests.Metrics;

[Collection(LocalAwsCollection.Name)]
public sealed class KinesisConsumerMetricsTests(LocalAwsFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task StartAsync_ReadingRecords_RecordsConsumerInstruments()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(2);
        var expected = await env.PutRawAsync(keys: 4, first: 0, count: 10);
        using var recorder = new ConsumerMeasurements(env.ApplicationName);
        var consumer = env.CreateConsumer("w1");
        await consumer.StartAsync();

        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(expected), Deadline, "every record delivered");
        await Eventually.HoldsAsync(() => recorder.Sum(ConsumerMetricNames.RecordsProcessed) == expected.Count, Deadline, "RecordsProcessed counts every record");
        await Eventually.HoldsAsync(
            () =>
            {
                recorder.ObserveGauges();
                return recorder.Last(ConsumerMetricNames.CurrentLeases) == 2;
            },
            Deadline,
            "CurrentLeases reports both leases");

        Assert.Equal(expected.Sum(p => (long)p.Length), recorder.Sum(ConsumerMetricNames.DataBytesProcessed));
        Assert.True(recorder.Count(ConsumerMetricNames.GetRecordsSuccess) > 0);
        Assert.True(recorder.Count(ConsumerMetricNames.GetRecordsTime) > 0);
        Assert.True(recorder.Count(ConsumerMetricNames.ProcessRecordsTime) > 0);
        Assert.Contains(recorder.Values(ConsumerMetricNames.Success, ConsumerOperations.Checkpoint), v => v == 1);
        Assert.Contains(recorder.Values(ConsumerMetricNames.Success, ConsumerOperations.RenewAllLeases), v => v == 1);
        Assert.Contains(recorder.Values(ConsumerMetricNames.Success, ConsumerOperations.TakeLeases), v => v == 1);
        Assert.Equal(2, recorder.Sum(ConsumerMetricNames.TakenLeases));
        Assert.All(recorder.Tags(ConsumerMetricNames.RecordsProcessed), t => Assert.Equal(env.StreamName, t[MetricTagNames.StreamName]));
        Assert.All(recorder.Tags(ConsumerMetricNames.RecordsProcessed), t => Assert.Equal("w1", t[MetricTagNames.WorkerIdentifier]));
        await consumer.StopAsync();
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task StartAsync_CloudWatchEndpointFails_ConsumingContinues()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(1);
        var expected = await env.PutRawAsync(keys: 2, first: 0, count: 10);
        using var cloudWatch = new FaultInjectionHandler(new CountingFailureHandler());
        var consumer = env.CreateConsumer("w1", configure: o =>
        {
            o.Metrics.Enabled = true;
            o.Metrics.ServiceUrl = new Uri("http://127.0.0.1:9/");
            o.Metrics.HttpHandler = cloudWatch;
            o.Metrics.Credentials = o.Kinesis.Credentials;
            o.Metrics.UploadInterval = TimeSpan.FromSeconds(1);
            o.Metrics.Retry.BaseDelay = TimeSpan.FromMilliseconds(1);
            o.Metrics.Retry.MaxDelay = TimeSpan.FromMilliseconds(5);
            o.Metrics.ShutdownTimeout = TimeSpan.FromSeconds(2);
        });
        await consumer.StartAsync();

        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(expected), Deadline, "every record delivered");
        await Eventually.HoldsAsync(() => cloudWatch.RequestCount > 0, Deadline, "PutMetricData attempted");
        var more = await env.PutRawAsync(keys: 2, first: 10, count: 5);
        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(more), Deadline, "records after failed uploads delivered");
        await consumer.StopAsync();
        await consumer.DisposeAsync();
        Assert.Equal(expected.Count + more.Count, env.Deliveries.Count);
    }

    /// <summary>Answers every request with a CloudWatch 500.</summary>
    private sealed class CountingFailureHandler : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.InternalServerError)
            {
                RequestMessage = request,
                Content = new StringContent("<ErrorResponse><Error><Code>InternalFailure</Code><Message>injected</Message></Error></ErrorResponse>"),
            });
    }
}

/// <summary>Every measurement of the consumer meter for one application, with its tags.</summary>
internal sealed class ConsumerMeasurements : IDisposable
{
    private readonly MeterListener listener = new();
    private readonly string application;
    private readonly ConcurrentQueue<(string Name, double Value, Dictionary<string, object?> Tags)> measurements = new();

    public ConsumerMeasurements(string application)
    {
        this.application = application;
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == KinesisMeterNames.Client)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Add(i, v, tags));
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Add(i, v, tags));
        listener.Start();
    }

    public void ObserveGauges() => listener.RecordObservableInstruments();

    public double Sum(string name) => Select(name).Sum(m => m.Value);

    public double Sum(string name, string tag, object? value) => Select(name).Where(m => Equals(m.Tags.GetValueOrDefault(tag), value)).Sum(m => m.Value);

    public int Count(string name) => Select(name).Count();

    public double? Last(string name) => Select(name).Select(m => (double?)m.Value).LastOrDefault();

    public IEnumerable<double> Values(string name, string operation) =>
        Select(name).Where(m => Equals(m.Tags.GetValueOrDefault(MetricTagNames.Operation), operation)).Select(m => m.Value);

    public IEnumerable<Dictionary<string, object?>> Tags(string name) => Select(name).Select(m => m.Tags);

    public void Dispose() => listener.Dispose();

    private IEnumerable<(string Name, double Value, Dictionary<string, object?> Tags)> Select(string name) =>
        measurements.Where(m => m.Name == name);

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var map = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            map[tag.Key] = tag.Value;
        }

        if (Equals(map.GetValueOrDefault(MetricTagNames.Application), application))
        {
            measurements.Enqueue((instrument.Name, value, map));
        }
    }
}
