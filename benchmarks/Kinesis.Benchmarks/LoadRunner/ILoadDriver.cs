namespace Kinesis.Benchmarks.LoadRunner;

/// <summary>One way of producing and consuming: the raw API baseline or this suite's producer and consumer.</summary>
internal interface ILoadDriver : IAsyncDisposable
{
    /// <summary>The row label.</summary>
    string Name { get; }

    /// <summary>Starts consuming <paramref name="stream"/> from its start and returns once every shard is being read.</summary>
    Task StartConsumerAsync(string stream, int shards, DeliveryRecorder recorder, CancellationToken cancellationToken);

    /// <summary>Hands one user record to the producer; waits only when the producer applies backpressure.</summary>
    ValueTask PutAsync(string stream, string partitionKey, byte[] payload);

    /// <summary>Sends what is buffered, waits for every acknowledgement and returns the number of records that failed.</summary>
    Task<int> CompleteProducerAsync();

    /// <summary>The number of Kinesis records the producer wrote (equal to user records without aggregation).</summary>
    int KinesisRecordsWritten { get; }

    /// <summary>Stops consuming.</summary>
    Task StopConsumerAsync();
}
