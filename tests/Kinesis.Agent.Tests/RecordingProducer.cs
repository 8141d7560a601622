using System.Collections.Concurrent;
using Kinesis.Producer;

namespace Kinesis.Agent.Tests;

/// <summary>An <see cref="IKinesisProducer"/> that acknowledges every record at once and keeps its data, for tailer tests without a stream.</summary>
internal sealed class RecordingProducer : IKinesisProducer
{
    private long sequence;

    public ConcurrentQueue<(string Stream, string PartitionKey, byte[] Data)> Records { get; } = new();

    public long OutstandingRecords => 0;

    public long OutstandingBytes => 0;

    public IEnumerable<string> Lines => Records.Select(r => System.Text.Encoding.UTF8.GetString(r.Data));

    public Task<UserRecordResult> PutAsync(string streamName, string partitionKey, ReadOnlyMemory<byte> data, string? explicitHashKey = null, CancellationToken cancellationToken = default)
    {
        Records.Enqueue((streamName, partitionKey, data.ToArray()));
        return Task.FromResult(new UserRecordResult("shardId-000000000000", Interlocked.Increment(ref sequence).ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    public Task FlushAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
