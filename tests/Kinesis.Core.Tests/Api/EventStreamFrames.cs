using System.Text;
using Amazon.Runtime.EventStreams;

namespace Kinesis.Core.Tests.Api;

/// <summary>Builds SubscribeToShard event-stream frames with AWSSDK.Core's encoder.</summary>
internal static class EventStreamFrames
{
    public const string ContentType = "application/vnd.amazon.eventstream";

    public static byte[] Event(string json, string eventType = "SubscribeToShardEvent") =>
        Frame(json, (":message-type", "event"), (":event-type", eventType), (":content-type", "application/json"));

    public static byte[] Exception(string exceptionType, string message) =>
        Frame($$"""{"message":"{{message}}"}""", (":message-type", "exception"), (":exception-type", exceptionType), (":content-type", "application/json"));

    public static byte[] RecordsEvent(string continuation, params (string Key, byte[] Data)[] records)
    {
        var items = string.Join(',', records.Select((r, i) =>
            $$"""{"SequenceNumber":"{{continuation}}{{i}}","ApproximateArrivalTimestamp":1.7e9,"Data":"{{Convert.ToBase64String(r.Data)}}","PartitionKey":"{{r.Key}}"}"""));
        return Event($$"""{"Records":[{{items}}],"ContinuationSequenceNumber":"{{continuation}}","MillisBehindLatest":0}""");
    }

    public static byte[] Concat(params byte[][] frames) => frames.SelectMany(f => f).ToArray();

    private static byte[] Frame(string payload, params (string Name, string Value)[] headers)
    {
        var list = new List<IEventStreamHeader>();
        foreach (var (name, value) in headers)
        {
            var header = new EventStreamHeader(name);
            header.SetString(value);
            list.Add(header);
        }

        return new EventStreamMessage(list, Encoding.UTF8.GetBytes(payload)).ToByteArray();
    }
}
