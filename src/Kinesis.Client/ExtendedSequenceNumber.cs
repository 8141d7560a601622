namespace Kinesis.Client;

/// <summary>
/// A position in a shard as the KCL stores it in the lease table: a Kinesis sequence number (or one of the
/// sentinels <see cref="TrimHorizon"/>, <see cref="Latest"/>, <see cref="AtTimestamp"/>, <see cref="ShardEnd"/>)
/// plus the KPL sub-sequence number of a user record inside an aggregated record (0 when not aggregated).
/// </summary>
/// <remarks>
/// Ordering follows the Java KCL: <c>AT_TIMESTAMP &lt; TRIM_HORIZON &lt; LATEST &lt;</c> every real sequence number
/// <c>&lt; SHARD_END</c>; real sequence numbers compare numerically (as unbounded decimal integers); ties are broken
/// by the sub-sequence number. Immutable and thread-safe.
/// </remarks>
public sealed class ExtendedSequenceNumber : IEquatable<ExtendedSequenceNumber>, IComparable<ExtendedSequenceNumber>
{
    /// <summary>The sentinel stored for "start at the oldest record".</summary>
    public const string TrimHorizonValue = "TRIM_HORIZON";

    /// <summary>The sentinel stored for "start after the newest record".</summary>
    public const string LatestValue = "LATEST";

    /// <summary>The sentinel stored for "start at a timestamp" (the timestamp itself comes from configuration, as in the KCL).</summary>
    public const string AtTimestampValue = "AT_TIMESTAMP";

    /// <summary>The sentinel stored once a closed shard has been processed completely.</summary>
    public const string ShardEndValue = "SHARD_END";

    /// <summary>The largest accepted length of a sequence number string (real ones have up to 56 digits).</summary>
    public const int MaxSequenceNumberLength = 128;

    /// <summary>The <c>TRIM_HORIZON</c> sentinel.</summary>
    public static readonly ExtendedSequenceNumber TrimHorizon = new(TrimHorizonValue);

    /// <summary>The <c>LATEST</c> sentinel.</summary>
    public static readonly ExtendedSequenceNumber Latest = new(LatestValue);

    /// <summary>The <c>AT_TIMESTAMP</c> sentinel.</summary>
    public static readonly ExtendedSequenceNumber AtTimestamp = new(AtTimestampValue);

    /// <summary>The <c>SHARD_END</c> sentinel.</summary>
    public static readonly ExtendedSequenceNumber ShardEnd = new(ShardEndValue);

    // Sentinel ranks as in the KCL; every real sequence number ranks 0 and compares by value.
    private const int AtTimestampRank = -3;
    private const int TrimHorizonRank = -2;
    private const int LatestRank = -1;
    private const int NumberRank = 0;
    private const int ShardEndRank = 1;

    private readonly int rank;

    /// <summary>Creates a position.</summary>
    /// <param name="sequenceNumber">A decimal sequence number or one of the sentinel values (<see cref="TrimHorizonValue"/>, <see cref="LatestValue"/>, <see cref="AtTimestampValue"/>, <see cref="ShardEndValue"/>).</param>
    /// <param name="subSequenceNumber">The KPL sub-sequence number, 0 or more.</param>
    /// <exception cref="ArgumentException"><paramref name="sequenceNumber"/> is empty, longer than <see cref="MaxSequenceNumberLength"/>, or neither decimal digits nor a sentinel.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="subSequenceNumber"/> is negative.</exception>
    public ExtendedSequenceNumber(string sequenceNumber, long subSequenceNumber = 0)
    {
        ArgumentException.ThrowIfNullOrEmpty(sequenceNumber);
        ArgumentOutOfRangeException.ThrowIfNegative(subSequenceNumber);
        rank = RankOf(sequenceNumber);
        if (rank == NumberRank && !IsDecimal(sequenceNumber))
        {
            throw new ArgumentException(
                $"A sequence number must be 1 to {MaxSequenceNumberLength} decimal digits or one of {TrimHorizonValue}, {LatestValue}, {AtTimestampValue}, {ShardEndValue}.",
                nameof(sequenceNumber));
        }

        SequenceNumber = sequenceNumber;
        SubSequenceNumber = subSequenceNumber;
    }

    /// <summary>The sequence number or sentinel string, exactly as stored in the lease table's <c>checkpoint</c> attribute.</summary>
    public string SequenceNumber { get; }

    /// <summary>The KPL sub-sequence number (the lease table's <c>checkpointSubSequenceNumber</c>).</summary>
    public long SubSequenceNumber { get; }

    /// <summary>Whether this is one of the sentinels rather than a real sequence number.</summary>
    public bool IsSentinel => rank != NumberRank;

    /// <summary>Whether this is <see cref="ShardEnd"/>.</summary>
    public bool IsShardEnd => rank == ShardEndRank;

    /// <summary>Parses a stored value without throwing.</summary>
    /// <param name="sequenceNumber">The stored sequence number or sentinel.</param>
    /// <param name="subSequenceNumber">The stored sub-sequence number.</param>
    /// <param name="result">The position, when the values are valid.</param>
    /// <returns>Whether the values are valid.</returns>
    public static bool TryCreate(string? sequenceNumber, long subSequenceNumber, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ExtendedSequenceNumber? result)
    {
        result = null;
        if (string.IsNullOrEmpty(sequenceNumber) || subSequenceNumber < 0)
        {
            return false;
        }

        if (RankOf(sequenceNumber) == NumberRank && !IsDecimal(sequenceNumber))
        {
            return false;
        }

        result = new ExtendedSequenceNumber(sequenceNumber, subSequenceNumber);
        return true;
    }

    /// <inheritdoc />
    public int CompareTo(ExtendedSequenceNumber? other)
    {
        if (other is null)
        {
            return 1;
        }

        var byRank = rank.CompareTo(other.rank);
        if (byRank != 0)
        {
            return byRank;
        }

        if (rank == NumberRank)
        {
            var byNumber = CompareDecimal(SequenceNumber, other.SequenceNumber);
            if (byNumber != 0)
            {
                return byNumber;
            }
        }

        return SubSequenceNumber.CompareTo(other.SubSequenceNumber);
    }

    /// <inheritdoc />
    public bool Equals(ExtendedSequenceNumber? other) => other is not null && CompareTo(other) == 0;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ExtendedSequenceNumber other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(rank, SignificantDigits(SequenceNumber).ToString(), SubSequenceNumber);

    /// <summary>The sequence number and sub-sequence number, e.g. <c>49590338271490256608559692538361571095921575989136588898/3</c>.</summary>
    /// <returns>A display string.</returns>
    public override string ToString() => $"{SequenceNumber}/{SubSequenceNumber}";

    /// <summary>Equality by position.</summary>
    /// <param name="left">A position.</param>
    /// <param name="right">Another position.</param>
    /// <returns>Whether both are the same position.</returns>
    public static bool operator ==(ExtendedSequenceNumber? left, ExtendedSequenceNumber? right) => left is null ? right is null : left.Equals(right);

    /// <summary>Inequality by position.</summary>
    /// <param name="left">A position.</param>
    /// <param name="right">Another position.</param>
    /// <returns>Whether the positions differ.</returns>
    public static bool operator !=(ExtendedSequenceNumber? left, ExtendedSequenceNumber? right) => !(left == right);

    /// <summary>Ordering by position; <see langword="null"/> sorts first.</summary>
    /// <param name="left">A position.</param>
    /// <param name="right">Another position.</param>
    /// <returns>Whether <paramref name="left"/> comes before <paramref name="right"/>.</returns>
    public static bool operator <(ExtendedSequenceNumber? left, ExtendedSequenceNumber? right) => Compare(left, right) < 0;

    /// <summary>Ordering by position; <see langword="null"/> sorts first.</summary>
    /// <param name="left">A position.</param>
    /// <param name="right">Another position.</param>
    /// <returns>Whether <paramref name="left"/> comes before or equals <paramref name="right"/>.</returns>
    public static bool operator <=(ExtendedSequenceNumber? left, ExtendedSequenceNumber? right) => Compare(left, right) <= 0;

    /// <summary>Ordering by position; <see langword="null"/> sorts first.</summary>
    /// <param name="left">A position.</param>
    /// <param name="right">Another position.</param>
    /// <returns>Whether <paramref name="left"/> comes after <paramref name="right"/>.</returns>
    public static bool operator >(ExtendedSequenceNumber? left, ExtendedSequenceNumber? right) => Compare(left, right) > 0;

    /// <summary>Ordering by position; <see langword="null"/> sorts first.</summary>
    /// <param name="left">A position.</param>
    /// <param name="right">Another position.</param>
    /// <returns>Whether <paramref name="left"/> comes after or equals <paramref name="right"/>.</returns>
    public static bool operator >=(ExtendedSequenceNumber? left, ExtendedSequenceNumber? right) => Compare(left, right) >= 0;

    private static int Compare(ExtendedSequenceNumber? left, ExtendedSequenceNumber? right) =>
        left is null ? (right is null ? 0 : -1) : left.CompareTo(right);

    private static int RankOf(string value) => value switch
    {
        TrimHorizonValue => TrimHorizonRank,
        LatestValue => LatestRank,
        AtTimestampValue => AtTimestampRank,
        ShardEndValue => ShardEndRank,
        _ => NumberRank,
    };

    private static bool IsDecimal(string value)
    {
        if (value.Length > MaxSequenceNumberLength)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private static ReadOnlySpan<char> SignificantDigits(string value)
    {
        var trimmed = value.AsSpan().TrimStart('0');
        return trimmed.IsEmpty ? "0" : trimmed;
    }

    // Sequence numbers exceed 128 bits in principle, so compare the digit strings: a longer significant
    // part is larger, equal lengths compare lexically.
    private static int CompareDecimal(string left, string right)
    {
        var a = SignificantDigits(left);
        var b = SignificantDigits(right);
        return a.Length != b.Length ? a.Length.CompareTo(b.Length) : Math.Sign(a.SequenceCompareTo(b));
    }
}
