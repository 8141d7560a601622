namespace Kinesis.Core.Aggregation;

/// <summary>Options of a <see cref="Deaggregator"/>.</summary>
public sealed class DeaggregatorOptions
{
    /// <summary>The default of <see cref="OutOfRangeBehavior"/>: <see cref="HashKeyRangeFilterMode.Deliver"/>, never dropping data.</summary>
    public const HashKeyRangeFilterMode DefaultOutOfRangeBehavior = HashKeyRangeFilterMode.Deliver;

    private HashKeyRangeFilterMode _outOfRangeBehavior = DefaultOutOfRangeBehavior;

    /// <summary>
    /// What to do when a shard hash key range is given and a user record of an aggregate hashes outside it
    /// (see <see cref="HashKeyRangeFilterMode"/> for why); default <see cref="DefaultOutOfRangeBehavior"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined <see cref="HashKeyRangeFilterMode"/>.</exception>
    public HashKeyRangeFilterMode OutOfRangeBehavior
    {
        get => _outOfRangeBehavior;
        set
        {
            if (!Enum.IsDefined(value))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, $"OutOfRangeBehavior must be {HashKeyRangeFilterMode.Deliver} or {HashKeyRangeFilterMode.DropAndReport}.");
            }

            _outOfRangeBehavior = value;
        }
    }
}
