using System.Globalization;
using Kinesis.Core.Api;

namespace Kinesis.Client;

/// <summary>
/// The identity of a stream read by a multi-stream consumer, as the Java KCL 2.3+ serializes it: <c>ACCOUNT:STREAM:EPOCH</c>
/// (<see cref="Serialize"/>). A multi-stream lease key is this followed by <c>:SHARDID</c>, so a Java KCL and a .NET fleet share
/// a lease table when they identify a stream by the same three values. Immutable; equal when all three are equal.
/// </summary>
public sealed class StreamIdentifier : IEquatable<StreamIdentifier>
{
    /// <summary>Creates an identity.</summary>
    /// <param name="accountId">The AWS account that owns the stream: digits only.</param>
    /// <param name="streamName">The stream's name: 1 to <see cref="KinesisLimits.MaxStreamNameLength"/> characters, no <c>:</c>.</param>
    /// <param name="creationEpoch">
    /// When the stream was created, in seconds since the Unix epoch (the consumer takes it from DescribeStreamSummary's
    /// StreamCreationTimestamp); greater than 0. A stream deleted and created again under the same name gets a new epoch, so its
    /// leases do not mix with the old stream's.
    /// </param>
    /// <exception cref="ArgumentException">A value is out of range.</exception>
    public StreamIdentifier(string accountId, string streamName, long creationEpoch)
    {
        if (string.IsNullOrEmpty(accountId) || !IsDigits(accountId))
        {
            throw new ArgumentException($"An account id is digits only; got '{accountId}'.", nameof(accountId));
        }

        if (string.IsNullOrEmpty(streamName) || streamName.Length > KinesisLimits.MaxStreamNameLength || streamName.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException($"A stream name has 1 to {KinesisLimits.MaxStreamNameLength} characters and no ':'; got '{streamName}'.", nameof(streamName));
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(creationEpoch);
        AccountId = accountId;
        StreamName = streamName;
        CreationEpoch = creationEpoch;
    }

    /// <summary>The AWS account that owns the stream.</summary>
    public string AccountId { get; }

    /// <summary>The stream's name.</summary>
    public string StreamName { get; }

    /// <summary>When the stream was created, in seconds since the Unix epoch.</summary>
    public long CreationEpoch { get; }

    /// <summary>Reads <c>ACCOUNT:STREAM:EPOCH</c> as the Java KCL writes it (the <c>streamName</c> attribute of a multi-stream lease).</summary>
    /// <param name="value">The serialized identity.</param>
    /// <returns>The identity.</returns>
    /// <exception cref="FormatException"><paramref name="value"/> is not a serialized stream identity.</exception>
    public static StreamIdentifier Parse(string value) =>
        TryParse(value, out var identifier) ? identifier : throw new FormatException($"'{value}' is not a serialized stream identity (ACCOUNT:STREAM:EPOCH).");

    /// <summary>Reads <c>ACCOUNT:STREAM:EPOCH</c>; <see langword="false"/> when <paramref name="value"/> is not one.</summary>
    /// <param name="value">The serialized identity.</param>
    /// <param name="identifier">The identity, when the result is <see langword="true"/>.</param>
    /// <returns>Whether <paramref name="value"/> was read.</returns>
    public static bool TryParse(string? value, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out StreamIdentifier? identifier)
    {
        identifier = null;
        if (value is null)
        {
            return false;
        }

        var first = value.IndexOf(':', StringComparison.Ordinal);
        var last = value.LastIndexOf(':');
        if (first <= 0 || last <= first + 1 || last == value.Length - 1)
        {
            return false;
        }

        var account = value[..first];
        var name = value[(first + 1)..last];
        var epochText = value[(last + 1)..];
        if (!IsDigits(account) || name.Contains(':', StringComparison.Ordinal) || name.Length > KinesisLimits.MaxStreamNameLength || !IsDigits(epochText)
            || !long.TryParse(epochText, NumberStyles.None, CultureInfo.InvariantCulture, out var epoch) || epoch <= 0)
        {
            return false;
        }

        identifier = new StreamIdentifier(account, name, epoch);
        return true;
    }

    /// <summary><c>ACCOUNT:STREAM:EPOCH</c>, the Java KCL's serialized form.</summary>
    /// <returns>The serialized identity.</returns>
    public string Serialize() => string.Create(CultureInfo.InvariantCulture, $"{AccountId}:{StreamName}:{CreationEpoch}");

    /// <summary>The lease key of one of this stream's shards: <c>ACCOUNT:STREAM:EPOCH:SHARDID</c>.</summary>
    /// <param name="shardId">The shard id.</param>
    /// <returns>The lease key.</returns>
    public string LeaseKey(string shardId)
    {
        ArgumentException.ThrowIfNullOrEmpty(shardId);
        return Serialize() + ":" + shardId;
    }

    /// <inheritdoc/>
    public override string ToString() => Serialize();

    /// <inheritdoc/>
    public bool Equals(StreamIdentifier? other) =>
        other is not null && CreationEpoch == other.CreationEpoch
        && string.Equals(AccountId, other.AccountId, StringComparison.Ordinal) && string.Equals(StreamName, other.StreamName, StringComparison.Ordinal);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as StreamIdentifier);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(AccountId, StreamName, CreationEpoch);

    private static bool IsDigits(string value)
    {
        foreach (var c in value)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }

        return value.Length > 0;
    }
}
