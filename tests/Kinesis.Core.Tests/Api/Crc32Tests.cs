using System.Text;
using Kinesis.Core.Api.EventStream;
using ThirdParty.Ionic.Zlib;

namespace Kinesis.Core.Tests.Api;

public sealed class Crc32Tests
{
    [Fact]
    public void Compute_StandardCheckString_IsCbf43926()
    {
        Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8));
    }

    [Fact]
    public void Compute_Empty_IsZero()
    {
        Assert.Equal(0u, Crc32.Compute([]));
    }

    [Theory]
    [InlineData(0, 20240611)]
    [InlineData(1, 7)]
    [InlineData(3, 1234567)]
    [InlineData(6, 42)]
    [InlineData(13, 99991)]
    public void Compute_EveryLengthUpTo1100AtOffset_MatchesAwsSdkCrc(int offset, int seed)
    {
        var data = new byte[offset + 1100];
        new Random(seed).NextBytes(data);

        for (var length = 0; length <= 1100; length++)
        {
            var expected = AwsSdkCrc(data, offset, length);
            Assert.True(expected == Crc32.Compute(data.AsSpan(offset, length)), $"length {length} at offset {offset}");
            Assert.True(expected == Crc32.AppendPortable(0, data.AsSpan(offset, length)), $"table-only, length {length} at offset {offset}");
        }
    }

    [Theory]
    [InlineData(65_536)]
    [InlineData(65_536 + 63)]
    [InlineData(1_048_576 + 17)]
    public void Compute_LargeInput_MatchesAwsSdkCrc(int length)
    {
        var data = new byte[length + 5];
        new Random(length).NextBytes(data);

        Assert.Equal(AwsSdkCrc(data, 5, length), Crc32.Compute(data.AsSpan(5, length)));
    }

    [Fact]
    public void Append_FromNonZeroCrc_MatchesTableOnlyPath()
    {
        var data = new byte[4096];
        new Random(4096).NextBytes(data);

        for (var length = 0; length < 300; length++)
        {
            Assert.Equal(Crc32.AppendPortable(0xDEADBEEF, data.AsSpan(1, length)), Crc32.Append(0xDEADBEEF, data.AsSpan(1, length)));
        }
    }

    [Fact]
    public void Compute_AllOnesAndAllZeros_MatchesAwsSdkCrc()
    {
        var ones = Enumerable.Repeat((byte)0xFF, 777).ToArray();
        var zeros = new byte[777];

        Assert.Equal(AwsSdkCrc(ones, 0, ones.Length), Crc32.Compute(ones));
        Assert.Equal(AwsSdkCrc(zeros, 0, zeros.Length), Crc32.Compute(zeros));
    }

    [Fact]
    public void Append_SplitAtEveryPosition_EqualsOneShot()
    {
        var data = Encoding.ASCII.GetBytes("The quick brown fox jumps over the lazy dog, then over the lazy dog's kennel.");
        var whole = Crc32.Compute(data);

        for (var split = 0; split <= data.Length; split++)
        {
            Assert.Equal(whole, Crc32.Append(Crc32.Compute(data.AsSpan(0, split)), data.AsSpan(split)));
        }
    }

    private static uint AwsSdkCrc(byte[] data, int offset, int length)
    {
        using var crc = new CrcCalculatorStream(Stream.Null);
        crc.Write(data, offset, length);
        return unchecked((uint)crc.Crc32);
    }
}
