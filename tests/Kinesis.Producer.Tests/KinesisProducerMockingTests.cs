using System.Collections.Concurrent;
using Kinesis.Producer.Hosting;
using Kinesis.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Kinesis.Producer.Tests;

/// <summary>Application code depends on <see cref="IKinesisProducer"/>, so its tests run against a fake without AWS.</summary>
public sealed class KinesisProducerMockingTests
{
    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task AddKinesisProducer_ResolvesTheInterfaceAsTheSameSingleton()
    {
        var services = new ServiceCollection();
        services.AddKinesisProducer(o => o.Region = "eu-west-1");
        await using var provider = services.BuildServiceProvider();

        var producer = provider.GetRequiredService<KinesisProducer>();

        Assert.Same(producer, provider.GetRequiredService<IKinesisProducer>());
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task FakeProducer_StandsInForKinesisProducer_InApplicationCode()
    {
        var fake = new FakeProducer();
        var service = new OrderPublisher(fake);

        var sequenceNumber = await service.PublishAsync("order-1", "{\"total\":3}");
        var failure = await Assert.ThrowsAsync<UserRecordFailedException>(() => service.PublishAsync("poison", "{}"));

        Assert.Equal("49590338271490256608559692538361571095921575989136588898", sequenceNumber);
        Assert.Equal(["order-1", "poison"], fake.Puts.Select(p => p.PartitionKey));
        Assert.Equal(ProducerErrorCodes.Expired, failure.ErrorCode);
        Assert.False(failure.Result.IsSuccessful);
    }

    /// <summary>What an application writes: it asks for the interface and never sees the producer's pipeline.</summary>
    private sealed class OrderPublisher(IKinesisProducer producer)
    {
        public async Task<string?> PublishAsync(string orderId, string json)
        {
            var result = await producer.PutAsync("orders", orderId, System.Text.Encoding.UTF8.GetBytes(json));
            return result.SequenceNumber;
        }
    }

    /// <summary>A fake a user writes in a few lines: records puts, acknowledges them, fails the "poison" key.</summary>
    private sealed class FakeProducer : IKinesisProducer
    {
        public ConcurrentQueue<(string Stream, string PartitionKey, ReadOnlyMemory<byte> Data)> Puts { get; } = new();

        public long OutstandingRecords => 0;

        public long OutstandingBytes => 0;

        public Task<UserRecordResult> PutAsync(string streamName, string partitionKey, ReadOnlyMemory<byte> data, string? explicitHashKey = null, CancellationToken cancellationToken = default)
        {
            Puts.Enqueue((streamName, partitionKey, data));
            if (partitionKey == "poison")
            {
                var expired = new Attempt(DateTimeOffset.UnixEpoch, TimeSpan.Zero, TimeSpan.Zero, ProducerErrorCodes.Expired, "expired", IsSuccessful: false);
                return Task.FromException<UserRecordResult>(new UserRecordFailedException(new UserRecordResult(null, null, attempts: [expired])));
            }

            return Task.FromResult(new UserRecordResult("shardId-000000000000", "49590338271490256608559692538361571095921575989136588898"));
        }

        public Task FlushAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
