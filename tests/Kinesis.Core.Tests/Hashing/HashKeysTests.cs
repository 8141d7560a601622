using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Kinesis.Core.Hashing;

namespace Kinesis.Core.Tests.Hashing;

public sealed class HashKeysTests
{
    private const string MaxDecimal = "340282366920938463463374607431768211455";

    [Fact]
    public void FromPartitionKey_Abc_MatchesPublishedVector()
    {
        // kinesis-aggregation's Java RecordAggregatorTest uses MD5("abc") as the explicit hash key.
        Assert.Equal(UInt128.Parse("191415658344158766168031473277922803570", CultureInfo.InvariantCulture), HashKeys.FromPartitionKey("abc"));
    }

    [Fact]
    public void FromPartitionKey_AsciiOfEveryLength_MatchesOsMd5()
    {
        var random = new Random(20261122);
        for (int length = 0; length <= 300; length++)
        {
            for (int sample = 0; sample < 4; sample++)
            {
                var chars = new char[length];
                for (int i = 0; i < length; i++)
                {
                    chars[i] = (char)random.Next(0x20, 0x7F);
                }

                AssertMatchesOsMd5(new string(chars));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Md5MultiBufferTests.LaneCounts), MemberType = typeof(Md5MultiBufferTests))]
    public void FromPartitionKeys_MixedKeys_SameAsOneAtATime(int lanes)
    {
        // ASCII of every length around the one-block limit (55 bytes), multi-byte and invalid UTF-16, in groups of every size.
        var random = new Random(lanes);
        var keys = new List<string>();
        for (int length = 1; length <= 80; length++)
        {
            keys.Add(new string((char)('a' + (length % 26)), length));
            keys.Add(string.Concat(Enumerable.Range(0, length).Select(_ => (char)random.Next(0x20, 0x800))));
        }

        keys.Add("\ud800lone surrogate");
        keys.Add("emoji \ud83d\ude00 key");
        for (int count = 0; count <= keys.Count; count += 1 + (count / 4))
        {
            var slice = keys.Take(count).ToArray();
            var hashKeys = new UInt128[count + 3];
            HashKeys.FromPartitionKeys(slice, hashKeys, lanes);
            for (int i = 0; i < count; i++)
            {
                Assert.Equal(HashKeys.FromPartitionKey(slice[i]), hashKeys[i]);
            }
        }
    }

    [Fact]
    public void FromPartitionKeys_NullKeyOrShortDestination_ThrowsNamingArgument()
    {
        Assert.Equal("partitionKeys", Assert.Throws<ArgumentNullException>(() => HashKeys.FromPartitionKeys(["a", null!], new UInt128[2])).ParamName);
        Assert.Equal("hashKeys", Assert.Throws<ArgumentException>(() => HashKeys.FromPartitionKeys(["a", "b"], new UInt128[1])).ParamName);
    }

    [Fact]
    public void FromPartitionKey_UnicodeOfEveryLength_MatchesOsMd5()
    {
        var random = new Random(1321);
        for (int length = 0; length <= 300; length++)
        {
            for (int sample = 0; sample < 4; sample++)
            {
                AssertMatchesOsMd5(RandomUnicode(random, length));
            }
        }
    }

    [Fact]
    public void FromPartitionKey_SurrogateEdgeCases_MatchUtf8EncodingWithReplacement()
    {
        // Lone surrogates become U+FFFD, as Encoding.UTF8 encodes them; test data would not survive xunit's serialization.
        foreach (string partitionKey in new[] { "\uD800", "a\uDC00b", "\uD83D\uDE00", "\uD83D", new string('\uD800', 30) })
        {
            AssertMatchesOsMd5(partitionKey);
        }
    }

    [Fact]
    public void FromUtf8PartitionKey_RandomBytes_MatchesOsMd5()
    {
        var random = new Random(7);
        for (int length = 0; length <= 300; length++)
        {
            byte[] bytes = new byte[length];
            random.NextBytes(bytes);
            Assert.Equal(OsHash(bytes), HashKeys.FromUtf8PartitionKey(bytes));
        }
    }

    [Fact]
    public void FromPartitionKey_Null_ThrowsArgumentNullException()
    {
        Assert.Throws<ArgumentNullException>("partitionKey", () => HashKeys.FromPartitionKey(null!));
    }

    [Theory]
    [InlineData("0", 0UL)]
    [InlineData("1", 1UL)]
    [InlineData("18446744073709551615", ulong.MaxValue)]
    public void ParseExplicitHashKey_ValidDecimal_ReturnsValue(string text, ulong expected)
    {
        Assert.Equal((UInt128)expected, HashKeys.ParseExplicitHashKey(text));
    }

    [Fact]
    public void ParseExplicitHashKey_MaxValue_ReturnsUInt128MaxValue()
    {
        Assert.Equal(UInt128.MaxValue, HashKeys.ParseExplicitHashKey(MaxDecimal));
        Assert.Equal(MaxDecimal, HashKeys.Format(HashKeys.MaxValue));
    }

    [Theory]
    [InlineData("340282366920938463463374607431768211456")]
    [InlineData("-1")]
    [InlineData("")]
    [InlineData(" 1")]
    [InlineData("1 ")]
    [InlineData("+1")]
    [InlineData("12a")]
    [InlineData("1,000")]
    [InlineData("99999999999999999999999999999999999999999999")]
    public void ParseExplicitHashKey_OutOfRangeOrMalformed_ThrowsArgumentExceptionNamingArgumentAndRange(string text)
    {
        string myKey = text;
        ArgumentException exception = Assert.Throws<ArgumentException>(() => HashKeys.ParseExplicitHashKey(myKey));
        Assert.Equal(nameof(myKey), exception.ParamName);
        Assert.Contains("[0, 2^128-1]", exception.Message, StringComparison.Ordinal);
        Assert.False(HashKeys.TryParseExplicitHashKey(text, out _));
        Assert.False(HashKeys.TryParseExplicitHashKey(Encoding.UTF8.GetBytes(text), out _));
    }

    [Fact]
    public void ParseExplicitHashKey_Null_ThrowsArgumentNullException()
    {
        Assert.Throws<ArgumentNullException>("explicitHashKey", () => HashKeys.ParseExplicitHashKey(null!, "explicitHashKey"));
    }

    [Fact]
    public void FormatAndParse_RandomValues_RoundTripAndDecimalLengthMatches()
    {
        var random = new Random(42);
        var values = new List<UInt128> { UInt128.Zero, UInt128.One, UInt128.MaxValue, 9, 10, 99, 100, ulong.MaxValue, (UInt128)ulong.MaxValue + 1 };
        for (int i = 0; i < 2000; i++)
        {
            int bits = random.Next(0, 129);
            UInt128 value = new UInt128((ulong)random.NextInt64() ^ ((ulong)random.Next() << 40), (ulong)random.NextInt64());
            values.Add(bits == 128 ? value : value & ((UInt128.One << bits) - 1));
        }

        Span<byte> utf8 = stackalloc byte[HashKeys.MaxDecimalLength];
        foreach (UInt128 value in values)
        {
            string text = HashKeys.Format(value);
            Assert.Equal(value.ToString(CultureInfo.InvariantCulture), text);
            Assert.Equal(text.Length, HashKeys.DecimalLength(value));
            Assert.True(HashKeys.TryParseExplicitHashKey(text, out UInt128 parsed));
            Assert.Equal(value, parsed);
            Assert.True(HashKeys.TryFormat(value, utf8, out int written));
            Assert.Equal(text, Encoding.UTF8.GetString(utf8[..written]));
        }
    }

    [Fact]
    public void Effective_WithAndWithoutExplicitHashKey_PrefersExplicitHashKey()
    {
        Assert.Equal((UInt128)5, HashKeys.Effective("abc", "5"));
        Assert.Equal(HashKeys.FromPartitionKey("abc"), HashKeys.Effective("abc", null));
    }

    internal static string RandomUnicode(Random random, int length)
    {
        var builder = new StringBuilder(length);
        while (builder.Length < length)
        {
            switch (random.Next(5))
            {
                case 0:
                    builder.Append((char)random.Next(0x20, 0x7F));
                    break;
                case 1:
                    builder.Append((char)random.Next(0xA0, 0x800));
                    break;
                case 2:
                    builder.Append((char)random.Next(0x800, 0xD800));
                    break;
                case 3:
                    builder.Append((char)random.Next(0xE000, 0xFFFE));
                    break;
                default:
                    if (builder.Length + 2 <= length)
                    {
                        builder.Append(char.ConvertFromUtf32(random.Next(0x10000, 0x10FFFF)));
                    }
                    else
                    {
                        builder.Append('x');
                    }

                    break;
            }
        }

        return builder.ToString();
    }

    private static void AssertMatchesOsMd5(string partitionKey)
    {
        Assert.Equal(OsHash(Encoding.UTF8.GetBytes(partitionKey)), HashKeys.FromPartitionKey(partitionKey));
    }

    private static UInt128 OsHash(byte[] bytes)
    {
        byte[] digest = MD5.HashData(bytes);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(digest);
    }
}
