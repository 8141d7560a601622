using Kinesis.Agent.Configuration;
using Kinesis.Agent.Sending;

namespace Kinesis.Agent.Tests;

public sealed class RecordBuilderTests
{
    [Fact]
    public void PartitionKey_Deterministic_IsTheLowerCaseHexMd5OfTheData()
    {
        var builder = new RecordBuilder(new FlowConfiguration { FilePattern = "/a/b", KinesisStream = "s", PartitionKeyOption = PartitionKeyOption.Deterministic }, TimeProvider.System);

        // MD5("hello\n")
        Assert.Equal("b1946ac92492d2347c6235b4d2611184", builder.PartitionKey("hello\n"u8.ToArray()));
    }

    [Fact]
    public void PartitionKey_Random_DiffersBetweenRecords()
    {
        var builder = new RecordBuilder(new FlowConfiguration { FilePattern = "/a/b", KinesisStream = "s" }, TimeProvider.System);
        var data = "same\n"u8.ToArray();

        var keys = Enumerable.Range(0, 20).Select(_ => builder.PartitionKey(data)).ToHashSet();

        Assert.True(keys.Count > 1);
        Assert.All(keys, k => Assert.InRange(double.Parse(k, System.Globalization.CultureInfo.InvariantCulture), 0, 1_000_000));
    }
}
