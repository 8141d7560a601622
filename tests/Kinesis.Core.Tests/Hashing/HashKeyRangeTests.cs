using Kinesis.Core.Hashing;

namespace Kinesis.Core.Tests.Hashing;

public sealed class HashKeyRangeTests
{
    [Fact]
    public void Contains_BoundsAndOutside_IsInclusive()
    {
        var range = new HashKeyRange(10, 20);
        Assert.True(range.Contains(10));
        Assert.True(range.Contains(20));
        Assert.False(range.Contains(9));
        Assert.False(range.Contains(21));
    }

    [Fact]
    public void All_CoversZeroToMax()
    {
        Assert.True(HashKeyRange.All.Contains(UInt128.Zero));
        Assert.True(HashKeyRange.All.Contains(UInt128.MaxValue));
        Assert.True(HashKeyRange.All.IsAll);
        Assert.False(new HashKeyRange(0, 5).IsAll);
    }

    [Fact]
    public void Constructor_EndBeforeStart_ThrowsArgumentExceptionNamingEnd()
    {
        Assert.Throws<ArgumentException>("end", () => new HashKeyRange(5, 4));
    }

    [Fact]
    public void Parse_ListShardsStrings_ReturnsRange()
    {
        HashKeyRange range = HashKeyRange.Parse("0", "170141183460469231731687303715884105727");
        Assert.Equal(UInt128.Zero, range.Start);
        Assert.Equal(UInt128.MaxValue >> 1, range.End);
        Assert.Equal("[0, 170141183460469231731687303715884105727]", range.ToString());
    }

    [Fact]
    public void Overlaps_TouchingAndDisjointRanges_AreDistinguished()
    {
        Assert.True(new HashKeyRange(0, 10).Overlaps(new HashKeyRange(10, 20)));
        Assert.False(new HashKeyRange(0, 9).Overlaps(new HashKeyRange(10, 20)));
    }
}
