using Kinesis.Testing;

namespace Kinesis.Producer.Tests;

[Collection(LocalAwsCollection.Name)]
public sealed class KinesisProducerInputTests(LocalAwsFixture fixture)
{
    public static TheoryData<string?, string, int, string?, string> BadInput => new()
    {
        { null, "k", 1, null, "stream" },
        { "", "k", 1, null, "stream" },
        { new string('s', 129), "k", 1, null, "stream" },
        { "bad name!", "k", 1, null, "stream" },
        { "s", "", 1, null, "partitionKey" },
        { "s", new string('k', 257), 1, null, "partitionKey" },
        { "s", "k", (1024 * 1024) + 1, null, "data" },
        { "s", "kk", (1024 * 1024) - 1, null, "data" },
        { "s", "k", 1, "-1", "explicitHashKey" },
        { "s", "k", 1, "340282366920938463463374607431768211456", "explicitHashKey" },
        { "s", "k", 1, "12a", "explicitHashKey" },
        { "s", "k", 1, "", "explicitHashKey" },
    };

    [Theory]
    [MemberData(nameof(BadInput))]
    public async Task PutAsync_BadInput_ThrowsNamingTheArgumentAndLimit(string? stream, string key, int size, string? explicitHashKey, string parameter)
    {
        await using var producer = new KinesisProducer(ProducerTestKit.Options(fixture.KinesisLocalEndpoint));

        // Thrown by the call itself, not through the task.
        var error = Assert.ThrowsAny<ArgumentException>(() => { _ = producer.PutAsync(stream!, key, new byte[size], explicitHashKey); });

        Assert.Equal(parameter, error.ParamName);
        Assert.Equal(0, producer.OutstandingRecords);
    }

    [Fact]
    public async Task PutAsync_NullPartitionKey_ThrowsArgumentNull()
    {
        await using var producer = new KinesisProducer(ProducerTestKit.Options(fixture.KinesisLocalEndpoint));
        var error = Assert.Throws<ArgumentNullException>(() => { _ = producer.PutAsync("s", null!, new byte[1]); });
        Assert.Equal("partitionKey", error.ParamName);
    }

    [Fact]
    public async Task PutAsync_LimitsInclusive_Accepted()
    {
        await using var producer = new KinesisProducer(ProducerTestKit.Options(fixture.KinesisLocalEndpoint));

        // Exactly at the limits is valid; the stream does not exist, so the task faults later, not the call.
        var task = producer.PutAsync(new string('s', 128), new string('k', 256), new byte[(1024 * 1024) - 256], "340282366920938463463374607431768211455");

        await Assert.ThrowsAsync<UserRecordFailedException>(() => task);
    }

    [Fact]
    public void Options_OutOfRange_RejectedByTheSetterNamingTheOption_MissingRegion_ByTheConstructor()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ProducerTestKit.Options(fixture.KinesisLocalEndpoint, configure: o => o.CollectionMaxCount = 501));
        Assert.Equal(nameof(KinesisProducerOptions.CollectionMaxCount), error.ParamName);

        var missing = Assert.Throws<ArgumentException>(() => new KinesisProducer(new KinesisProducerOptions()));
        Assert.Equal(nameof(KinesisProducerOptions.Region), missing.ParamName);
    }

    [Fact]
    public async Task PutAsync_AfterDispose_ThrowsObjectDisposed()
    {
        var producer = new KinesisProducer(ProducerTestKit.Options(fixture.KinesisLocalEndpoint));
        await producer.DisposeAsync();
        await producer.DisposeAsync();

        Assert.Throws<ObjectDisposedException>(() => { _ = producer.PutAsync("s", "k", new byte[1]); });
    }
}
