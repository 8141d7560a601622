using System.Globalization;

namespace Kinesis.Core.Hashing;

/// <summary>An inclusive range of hash keys, such as the range a shard owns.</summary>
public readonly record struct HashKeyRange
{
    /// <summary>Creates a range from <paramref name="start"/> to <paramref name="end"/>, both inclusive.</summary>
    /// <param name="start">The first hash key in the range.</param>
    /// <param name="end">The last hash key in the range; not less than <paramref name="start"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="end"/> is less than <paramref name="start"/>.</exception>
    public HashKeyRange(UInt128 start, UInt128 end)
    {
        if (end < start)
        {
            throw new ArgumentException(
                $"The end of a hash key range must not be less than its start ({start.ToString(CultureInfo.InvariantCulture)}); got {end.ToString(CultureInfo.InvariantCulture)}.",
                nameof(end));
        }

        Start = start;
        End = end;
    }

    /// <summary>The whole hash key space, [0, 2^128-1].</summary>
    public static HashKeyRange All { get; } = new(UInt128.Zero, UInt128.MaxValue);

    /// <summary>The first hash key in the range.</summary>
    public UInt128 Start { get; }

    /// <summary>The last hash key in the range (inclusive).</summary>
    public UInt128 End { get; }

    /// <summary>Whether this is the whole hash key space.</summary>
    public bool IsAll => Start == UInt128.Zero && End == UInt128.MaxValue;

    /// <summary>Parses a range from the decimal strings ListShards returns (<c>StartingHashKey</c>, <c>EndingHashKey</c>).</summary>
    /// <param name="startingHashKey">The decimal first hash key.</param>
    /// <param name="endingHashKey">The decimal last hash key (inclusive).</param>
    /// <returns>The range.</returns>
    /// <exception cref="ArgumentException">A key is not a decimal integer in [0, 2^128-1], or the end is less than the start.</exception>
    public static HashKeyRange Parse(string startingHashKey, string endingHashKey) =>
        new(HashKeys.ParseExplicitHashKey(startingHashKey), HashKeys.ParseExplicitHashKey(endingHashKey));

    /// <summary>Whether <paramref name="hashKey"/> lies in the range.</summary>
    /// <param name="hashKey">The hash key.</param>
    /// <returns><see langword="true"/> when <see cref="Start"/> &lt;= <paramref name="hashKey"/> &lt;= <see cref="End"/>.</returns>
    public bool Contains(UInt128 hashKey) => hashKey >= Start && hashKey <= End;

    /// <summary>Whether the two ranges share at least one hash key.</summary>
    /// <param name="other">The other range.</param>
    /// <returns><see langword="true"/> when they overlap.</returns>
    public bool Overlaps(HashKeyRange other) => Start <= other.End && other.Start <= End;

    /// <summary>Formats the range as <c>[start, end]</c> in decimal.</summary>
    /// <returns>The text.</returns>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"[{Start}, {End}]");
}
