using System.Collections.Frozen;

namespace Kinesis.Core.Metrics;

/// <summary>The metric definitions of one meter, looked up by instrument name.</summary>
internal sealed class MetricCatalog
{
    private const string Count = "Count";
    private const string Bytes = "Bytes";
    private const string Milliseconds = "Milliseconds";

    private readonly FrozenDictionary<string, MetricDefinition> definitions;

    private MetricCatalog(params MetricDefinition[] definitions) =>
        this.definitions = definitions.ToFrozenDictionary(d => d.Name, StringComparer.Ordinal);

    public static MetricCatalog Producer { get; } = new(
        new(ProducerMetricNames.UserRecordsReceived, MetricsLevel.Detailed, Count, true),
        new(ProducerMetricNames.UserRecordsPending, MetricsLevel.Detailed, Count, false),
        new(ProducerMetricNames.UserRecordsPut, MetricsLevel.Summary, Count, true),
        new(ProducerMetricNames.UserRecordsDataPut, MetricsLevel.Detailed, Bytes, true),
        new(ProducerMetricNames.KinesisRecordsPut, MetricsLevel.Summary, Count, true),
        new(ProducerMetricNames.KinesisRecordsDataPut, MetricsLevel.Detailed, Bytes, true),
        new(ProducerMetricNames.ErrorsByCode, MetricsLevel.Summary, Count, true),
        new(ProducerMetricNames.AllErrors, MetricsLevel.Summary, Count, true),
        new(ProducerMetricNames.KinesisRecordsThrottled, MetricsLevel.Summary, Count, true),
        new(ProducerMetricNames.RetriesPerRecord, MetricsLevel.Detailed, Count, false),
        new(ProducerMetricNames.BufferingTime, MetricsLevel.Summary, Milliseconds, false),
        new(ProducerMetricNames.RequestTime, MetricsLevel.Detailed, Milliseconds, false),
        new(ProducerMetricNames.UserRecordsPerKinesisRecord, MetricsLevel.Detailed, Count, false),
        new(ProducerMetricNames.KinesisRecordsPerPutRecordsRequest, MetricsLevel.Detailed, Count, false),
        new(ProducerMetricNames.UserRecordsPerPutRecordsRequest, MetricsLevel.Detailed, Count, false),
        new(ProducerMetricNames.UserRecordExpired, MetricsLevel.Summary, Count, true));

    public static MetricCatalog Consumer { get; } = new(
        new(ConsumerMetricNames.RecordsProcessed, MetricsLevel.Summary, Count, true),
        new(ConsumerMetricNames.DataBytesProcessed, MetricsLevel.Summary, Bytes, true),
        new(ConsumerMetricNames.MillisBehindLatest, MetricsLevel.Summary, Milliseconds, false),
        new(ConsumerMetricNames.ProcessRecordsTime, MetricsLevel.Summary, Milliseconds, false),
        new(ConsumerMetricNames.ExpiredIterator, MetricsLevel.Summary, Count, true),
        new(ConsumerMetricNames.CurrentLeases, MetricsLevel.Summary, Count, false),
        new(ConsumerMetricNames.LostLeases, MetricsLevel.Summary, Count, true),
        new(ConsumerMetricNames.TakenLeases, MetricsLevel.Summary, Count, true),
        new(ConsumerMetricNames.LeaseSpillover, MetricsLevel.Summary, Count, true),
        new(ConsumerMetricNames.Success, MetricsLevel.Summary, Count, false),
        new(ConsumerMetricNames.Time, MetricsLevel.Summary, Milliseconds, false),
        new(ConsumerMetricNames.GetRecordsSuccess, MetricsLevel.Detailed, Count, false),
        new(ConsumerMetricNames.GetRecordsTime, MetricsLevel.Detailed, Milliseconds, false),
        new(ConsumerMetricNames.GetRecordsThrottled, MetricsLevel.Summary, Count, true),
        new(ConsumerMetricNames.SubscribeToShardSuccess, MetricsLevel.Detailed, Count, false),
        new(ConsumerMetricNames.SubscribeToShardTime, MetricsLevel.Detailed, Milliseconds, false),
        new(ConsumerMetricNames.SubscribeToShardThrottled, MetricsLevel.Summary, Count, true),
        new(ConsumerMetricNames.RecordsDeadLettered, MetricsLevel.Summary, Count, true),
        new(ConsumerMetricNames.BatchesBisected, MetricsLevel.Summary, Count, true),
        new(ConsumerMetricNames.ProcessRecordsRetries, MetricsLevel.Summary, Count, true),
        new(ConsumerMetricNames.LanesBusy, MetricsLevel.Detailed, Count, false),
        new(ConsumerMetricNames.ActiveStreamsCount, MetricsLevel.Summary, Count, false),
        new(ConsumerMetricNames.StreamsPendingDeletionCount, MetricsLevel.Summary, Count, false),
        new(ConsumerMetricNames.DeletedStreamsCount, MetricsLevel.Summary, Count, true));

    public bool TryGet(string instrumentName, out MetricDefinition definition) =>
        definitions.TryGetValue(instrumentName, out definition!);
}
