using System.Globalization;

namespace Kinesis;

/// <summary>
/// The one range check of every options setter: an out-of-range value throws <see cref="ArgumentOutOfRangeException"/>
/// whose parameter name is the option and whose message states the allowed range and the value given.
/// </summary>
/// <remarks>
/// A source file linked into each client package (as the Azure SDK shares <c>Argument</c>), so that the check is written once
/// without becoming public API of Kinesis.Core.
/// </remarks>
internal static class OptionRange
{
    /// <summary>Returns <paramref name="value"/> when it lies in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    /// <exception cref="ArgumentOutOfRangeException">It does not.</exception>
    public static T Check<T>(T value, T min, T max, string name)
        where T : IComparable<T>
    {
        if (value.CompareTo(min) < 0 || value.CompareTo(max) > 0)
        {
            throw new ArgumentOutOfRangeException(name, value, string.Create(CultureInfo.InvariantCulture, $"{name} must be between {min} and {max}; it was {value}."));
        }

        return value;
    }

    /// <summary>Returns <paramref name="value"/> when it is at least <paramref name="min"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">It is not.</exception>
    public static T CheckAtLeast<T>(T value, T min, string name)
        where T : IComparable<T>
    {
        if (value.CompareTo(min) < 0)
        {
            throw new ArgumentOutOfRangeException(name, value, string.Create(CultureInfo.InvariantCulture, $"{name} must be {min} or more; it was {value}."));
        }

        return value;
    }

    /// <summary>Returns <paramref name="value"/> when it is a named member of <typeparamref name="TEnum"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">It is not.</exception>
    public static TEnum CheckDefined<TEnum>(TEnum value, string name)
        where TEnum : struct, Enum
    {
        if (!Enum.IsDefined(value))
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be one of {string.Join(", ", Enum.GetNames<TEnum>())}; it was {value}.");
        }

        return value;
    }
}
