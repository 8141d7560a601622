namespace Kinesis.Client.Tests;

public sealed class ExtendedSequenceNumberTests
{
    private const string Small = "49590338271490256608559692538361571095921575989136588898";
    private const string Large = "49590338271490256608559692540925702759324208523137515618";

    [Fact]
    public void CompareTo_Sentinels_OrderAsKcl()
    {
        var ordered = new[]
        {
            ExtendedSequenceNumber.AtTimestamp,
            ExtendedSequenceNumber.TrimHorizon,
            ExtendedSequenceNumber.Latest,
            new ExtendedSequenceNumber("0"),
            new ExtendedSequenceNumber(Small),
            new ExtendedSequenceNumber(Small, 1),
            new ExtendedSequenceNumber(Large),
            ExtendedSequenceNumber.ShardEnd,
        };

        for (var i = 0; i < ordered.Length; i++)
        {
            for (var j = 0; j < ordered.Length; j++)
            {
                Assert.Equal(Math.Sign(i.CompareTo(j)), Math.Sign(ordered[i].CompareTo(ordered[j])));
            }
        }
    }

    [Theory]
    [InlineData("9", "10", -1)]
    [InlineData("0010", "9", 1)]
    [InlineData("000", "0", 0)]
    [InlineData("123456789012345678901234567890123456789012345678901234567890", "99999999999999999999999999999999999999999999999999999999999", 1)]
    public void CompareTo_SequenceNumbers_CompareNumerically(string left, string right, int expected)
    {
        Assert.Equal(expected, Math.Sign(new ExtendedSequenceNumber(left).CompareTo(new ExtendedSequenceNumber(right))));
        Assert.Equal(expected == 0, new ExtendedSequenceNumber(left) == new ExtendedSequenceNumber(right));
    }

    [Fact]
    public void Operators_SubSequenceBreaksTies_AndNullSortsFirst()
    {
        var a = new ExtendedSequenceNumber(Small, 2);
        var b = new ExtendedSequenceNumber(Small, 3);
        Assert.True(a < b);
        Assert.True(b >= a);
        Assert.True(a <= new ExtendedSequenceNumber("00" + Small, 2));
        Assert.True(null < a);
        Assert.Equal(a.GetHashCode(), new ExtendedSequenceNumber("0" + Small, 2).GetHashCode());
    }

    [Theory]
    [InlineData("")]
    [InlineData("12a")]
    [InlineData("-1")]
    [InlineData("trim_horizon")]
    public void Constructor_InvalidSequenceNumber_ThrowsArgumentException(string value)
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => new ExtendedSequenceNumber(value));
        Assert.Equal("sequenceNumber", error.ParamName);
        Assert.False(ExtendedSequenceNumber.TryCreate(value, 0, out _));
    }

    [Fact]
    public void Constructor_NegativeSubSequence_ThrowsArgumentOutOfRange()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new ExtendedSequenceNumber(Small, -1));
        Assert.Equal("subSequenceNumber", error.ParamName);
    }

    [Fact]
    public void Properties_Sentinels_AreFlagged()
    {
        Assert.True(ExtendedSequenceNumber.ShardEnd.IsShardEnd);
        Assert.True(ExtendedSequenceNumber.Latest.IsSentinel);
        Assert.False(new ExtendedSequenceNumber(Small).IsSentinel);
        Assert.Equal("SHARD_END", ExtendedSequenceNumber.ShardEnd.SequenceNumber);
    }
}
