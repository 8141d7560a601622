using System.Security.Cryptography;
using Kinesis.Core.Hashing;

namespace Kinesis.Core.Tests.Hashing;

/// <summary>The multi-buffer MD5 against the operating system's, on every path (16, 8 and 1 lanes), whatever this machine prefers.</summary>
public sealed class Md5MultiBufferTests
{
    public static TheoryData<int> LaneCounts()
    {
        var lanes = new TheoryData<int> { 1 };
        if (System.Runtime.Intrinsics.X86.Avx2.IsSupported)
        {
            lanes.Add(8);
        }

        if (System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Avx512F.IsSupported)
        {
            lanes.Add(16);
        }

        return lanes;
    }

    [Theory]
    [MemberData(nameof(LaneCounts))]
    public void HashData_EveryLengthUpTo300_MatchesOsMd5(int lanes)
    {
        // Lengths around the block and padding boundaries (55, 56, 63, 64, 119, 120...) in one call, so lanes of a group
        // end after different numbers of blocks and the finished ones must keep their state.
        var random = new Random(lanes);
        var messages = Enumerable.Range(0, 301).Select(length => Segment(random, length)).ToArray();
        AssertMatchesOsMd5(messages, lanes);
    }

    [Theory]
    [MemberData(nameof(LaneCounts))]
    public void HashData_RandomGroupsAndOffsets_MatchOsMd5(int lanes)
    {
        var random = new Random(20261122 + lanes);
        for (var trial = 0; trial < 200; trial++)
        {
            var count = random.Next(1, 40);
            var messages = Enumerable.Range(0, count).Select(_ => Segment(random, random.Next(0, trial % 4 == 0 ? 5000 : 200))).ToArray();
            AssertMatchesOsMd5(messages, lanes);
        }
    }

    [Theory]
    [MemberData(nameof(LaneCounts))]
    public void HashData_SameArrayManyOverlappingSegments_MatchOsMd5(int lanes)
    {
        var random = new Random(7);
        var shared = new byte[70_000];
        random.NextBytes(shared);
        var messages = Enumerable.Range(0, 37).Select(i => new ArraySegment<byte>(shared, i * 101, 51_200 - (i * 13))).ToArray();
        AssertMatchesOsMd5(messages, lanes);
    }

    [Fact]
    public void HashData_NoMessages_WritesNothing()
    {
        var digests = new byte[4];
        Md5MultiBuffer.HashData([], digests);
        Assert.All(digests, b => Assert.Equal(0, b));
    }

    [Fact]
    public void HashData_DigestsTooShort_ThrowsNamingArgument()
    {
        var exception = Assert.Throws<ArgumentException>(() => Md5MultiBuffer.HashData([new ArraySegment<byte>(new byte[3]), new ArraySegment<byte>(new byte[3])], new byte[31]));
        Assert.Equal("digests", exception.ParamName);
    }

    [Fact]
    public void Lanes_IsOneOfTheImplementedWidths()
    {
        Assert.Contains(Md5MultiBuffer.Lanes, new[] { 1, 8, 16 });
    }

    private static ArraySegment<byte> Segment(Random random, int length)
    {
        var offset = random.Next(0, 9);
        var array = new byte[offset + length + random.Next(0, 9)];
        random.NextBytes(array);
        return new ArraySegment<byte>(array, offset, length);
    }

    private static void AssertMatchesOsMd5(ArraySegment<byte>[] messages, int lanes)
    {
        var digests = new byte[messages.Length * 16];
        Md5MultiBuffer.HashData(messages, digests, lanes);
        for (var i = 0; i < messages.Length; i++)
        {
            Assert.True(MD5.HashData(messages[i]).AsSpan().SequenceEqual(digests.AsSpan(i * 16, 16)), $"message {i} of {messages.Length}, {messages[i].Count} bytes, {lanes} lanes");
        }
    }
}
