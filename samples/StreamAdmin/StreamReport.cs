using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Kinesis.Core.Api;
using Kinesis.Core.Hashing;

namespace Kinesis.Samples.StreamAdmin;

/// <summary>
/// Writes what a sub-command found or did to stdout: human-readable lines and tables, or with <c>--json</c> one JSON
/// object per command for scripts. Messages and errors go to stderr (see <c>ToolConsole</c>), never here.
/// </summary>
internal sealed class StreamReport(TextWriter output, bool json)
{
    /// <summary>Whether the output is JSON.</summary>
    public bool Json { get; } = json;

    /// <summary>The result of describe: the stream, every shard (open and closed) and its consumers (null when the endpoint cannot list them).</summary>
    public void Describe(StreamDescriptionSummary stream, IReadOnlyList<Shard> shards, IReadOnlyList<Consumer>? consumers)
    {
        if (Json)
        {
            WriteJson(w =>
            {
                WriteStream(w, stream);
                w.WriteStartArray("shards");
                foreach (var shard in shards)
                {
                    WriteShard(w, shard);
                }

                w.WriteEndArray();
                if (consumers is null)
                {
                    w.WriteNull("consumers");
                }
                else
                {
                    w.WriteStartArray("consumers");
                    foreach (var consumer in consumers)
                    {
                        w.WriteStartObject();
                        w.WriteString("name", consumer.ConsumerName);
                        w.WriteString("arn", consumer.ConsumerARN);
                        w.WriteString("status", Name(consumer.ConsumerStatus));
                        WriteTime(w, "createdAt", consumer.ConsumerCreationTimestamp);
                        w.WriteEndObject();
                    }

                    w.WriteEndArray();
                }
            });
            return;
        }

        var open = shards.Count(ReshardPlan.IsOpen);
        output.WriteLine($"stream     {stream.StreamName}");
        output.WriteLine($"status     {Name(stream.StreamStatus)}");
        output.WriteLine($"mode       {(stream.StreamMode is { } mode ? Name(mode) : "-")}");
        output.WriteLine($"shards     {open} open, {shards.Count - open} closed");
        output.WriteLine($"retention  {stream.RetentionPeriodHours} h");
        output.WriteLine($"max record {(stream.MaxRecordSizeInKiB is { } kib ? $"{kib} KiB" : "-")}");
        output.WriteLine($"arn        {stream.StreamARN ?? "-"}");
        output.WriteLine($"created    {Time(stream.StreamCreationTimestamp)}");
        output.WriteLine();

        var table = new TextTable("SHARD", "STATE", "PARENTS", "HASH KEYS", "KEYSPACE", "SEQUENCE NUMBERS");
        foreach (var shard in shards)
        {
            var parents = string.Join(",", new[] { shard.ParentShardId, shard.AdjacentParentShardId }.OfType<string>());
            var range = ReshardPlan.Range(shard);
            table.Add(
                shard.ShardId,
                ReshardPlan.IsOpen(shard) ? "open" : "closed",
                parents.Length == 0 ? "-" : parents,
                $"{shard.HashKeyRange.Start}..{shard.HashKeyRange.End}",
                ReshardPlan.KeySpacePercent(range).ToString("0.0'%'", CultureInfo.InvariantCulture),
                $"{shard.SequenceNumberRange.StartingSequenceNumber}..{shard.SequenceNumberRange.EndingSequenceNumber}");
        }

        table.Write(output);
        output.WriteLine();
        if (consumers is null)
        {
            output.WriteLine("consumers  not listed: this endpoint does not support ListStreamConsumers");
        }
        else if (consumers.Count == 0)
        {
            output.WriteLine("consumers  none registered");
        }
        else
        {
            var consumerTable = new TextTable("CONSUMER", "STATUS", "CREATED", "ARN");
            foreach (var consumer in consumers)
            {
                consumerTable.Add(consumer.ConsumerName, Name(consumer.ConsumerStatus), Time(consumer.ConsumerCreationTimestamp), consumer.ConsumerARN);
            }

            consumerTable.Write(output);
        }
    }

    /// <summary>The result of list: each stream with what ListStreams reported about it.</summary>
    public void List(IReadOnlyList<string> names, IReadOnlyDictionary<string, StreamSummary> summaries)
    {
        if (Json)
        {
            WriteJson(w =>
            {
                w.WriteStartArray("streams");
                foreach (var name in names)
                {
                    summaries.TryGetValue(name, out var summary);
                    w.WriteStartObject();
                    w.WriteString("stream", name);
                    WriteOptional(w, "status", summary is null ? null : Name(summary.StreamStatus));
                    WriteOptional(w, "mode", summary?.StreamMode is { } mode ? Name(mode) : null);
                    WriteOptional(w, "arn", summary?.StreamARN);
                    WriteTime(w, "createdAt", summary?.StreamCreationTimestamp);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            });
            return;
        }

        if (names.Count == 0)
        {
            output.WriteLine("no streams");
            return;
        }

        var table = new TextTable("STREAM", "STATUS", "MODE", "CREATED");
        foreach (var name in names)
        {
            summaries.TryGetValue(name, out var summary);
            table.Add(name, summary is null ? "-" : Name(summary.StreamStatus), summary?.StreamMode is { } mode ? Name(mode) : "-", Time(summary?.StreamCreationTimestamp));
        }

        table.Write(output);
    }

    /// <summary>The result of a command that changes a stream: one line, or one JSON object with the given fields.</summary>
    public void Done(string line, Action<Utf8JsonWriter> fields)
    {
        if (Json)
        {
            WriteJson(fields);
        }
        else
        {
            output.WriteLine(line);
        }
    }

    /// <summary>Writes a shard's id and hash-key range as JSON.</summary>
    public static void WriteShardRange(Utf8JsonWriter w, Shard shard)
    {
        w.WriteStartObject();
        w.WriteString("shardId", shard.ShardId);
        w.WriteString("startingHashKey", HashKeys.Format(shard.HashKeyRange.Start));
        w.WriteString("endingHashKey", HashKeys.Format(shard.HashKeyRange.End));
        w.WriteEndObject();
    }

    /// <summary>The protocol's name of a status (ACTIVE, UPDATING...).</summary>
    public static string Name(StreamStatus status) => status switch
    {
        StreamStatus.Creating => "CREATING",
        StreamStatus.Deleting => "DELETING",
        StreamStatus.Active => "ACTIVE",
        StreamStatus.Updating => "UPDATING",
        _ => "UNKNOWN",
    };

    /// <summary>The protocol's name of a capacity mode.</summary>
    public static string Name(StreamMode mode) => mode == StreamMode.OnDemand ? "ON_DEMAND" : "PROVISIONED";

    private static string Name(ConsumerStatus status) => status switch
    {
        ConsumerStatus.Creating => "CREATING",
        ConsumerStatus.Deleting => "DELETING",
        ConsumerStatus.Active => "ACTIVE",
        _ => "UNKNOWN",
    };

    private static string Time(DateTimeOffset? time) =>
        time?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "-";

    private static void WriteStream(Utf8JsonWriter w, StreamDescriptionSummary stream)
    {
        w.WriteString("stream", stream.StreamName);
        WriteOptional(w, "arn", stream.StreamARN);
        w.WriteString("status", Name(stream.StreamStatus));
        WriteOptional(w, "mode", stream.StreamMode is { } mode ? Name(mode) : null);
        w.WriteNumber("openShardCount", stream.OpenShardCount);
        w.WriteNumber("retentionPeriodHours", stream.RetentionPeriodHours);
        if (stream.MaxRecordSizeInKiB is { } kib)
        {
            w.WriteNumber("maxRecordSizeInKiB", kib);
        }

        WriteTime(w, "createdAt", stream.StreamCreationTimestamp);
    }

    private static void WriteShard(Utf8JsonWriter w, Shard shard)
    {
        w.WriteStartObject();
        w.WriteString("shardId", shard.ShardId);
        w.WriteBoolean("open", ReshardPlan.IsOpen(shard));
        WriteOptional(w, "parentShardId", shard.ParentShardId);
        WriteOptional(w, "adjacentParentShardId", shard.AdjacentParentShardId);
        w.WriteString("startingHashKey", HashKeys.Format(shard.HashKeyRange.Start));
        w.WriteString("endingHashKey", HashKeys.Format(shard.HashKeyRange.End));
        w.WriteString("startingSequenceNumber", shard.SequenceNumberRange.StartingSequenceNumber);
        WriteOptional(w, "endingSequenceNumber", shard.SequenceNumberRange.EndingSequenceNumber);
        w.WriteEndObject();
    }

    // Absent values are written as null, so every object of a kind has the same members.
    private static void WriteOptional(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }

    private static void WriteTime(Utf8JsonWriter w, string name, DateTimeOffset? time) =>
        WriteOptional(w, name, time is null ? null : Time(time));

    private void WriteJson(Action<Utf8JsonWriter> fields)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            fields(w);
            w.WriteEndObject();
        }

        output.WriteLine(Encoding.UTF8.GetString(buffer.WrittenSpan));
    }
}
