using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Kinesis.Samples.Shared;

/// <summary>
/// Options with typed values whose parse errors name the option and the allowed range in one line (System.CommandLine's
/// own messages name only the .NET type, and list choices over several lines).
/// </summary>
internal static class TypedOptions
{
    /// <summary>A number of seconds in [<paramref name="min"/>, <paramref name="max"/>] (fractions allowed).</summary>
    public static Option<TimeSpan?> Seconds(string name, string description, TimeSpan min, TimeSpan max) => new(name)
    {
        Description = description,
        HelpName = "SECONDS",
        CustomParser = result =>
        {
            var text = Single(result);
            if (text is null)
            {
                return null;
            }

            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
                && double.IsFinite(seconds) && seconds >= min.TotalSeconds && seconds <= max.TotalSeconds)
            {
                return TimeSpan.FromSeconds(seconds);
            }

            result.AddError($"{name} must be a number of seconds from {Format(min.TotalSeconds)} to {Format(max.TotalSeconds)}, not '{text}'.");
            return null;
        },
    };

    /// <summary>A whole number in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static Option<long?> Count(string name, string description, long min, long max = long.MaxValue) => new(name)
    {
        Description = description,
        HelpName = "N",
        CustomParser = result =>
        {
            var text = Single(result);
            if (text is null)
            {
                return null;
            }

            if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
            {
                return value;
            }

            result.AddError(max == long.MaxValue
                ? $"{name} must be a whole number of at least {min}, not '{text}'."
                : $"{name} must be a whole number from {min} to {max}, not '{text}'.");
            return null;
        },
    };

    /// <summary>
    /// One of the named <paramref name="choices"/> (matched without regard to case); null when the option is absent
    /// (the description names the default, as help would otherwise print the .NET value).
    /// </summary>
    public static Option<T?> Choice<T>(string name, string description, params (string Name, T Value)[] choices)
        where T : struct
    {
        var option = new Option<T?>(name)
        {
            Description = description,
            HelpName = string.Join('|', choices.Select(c => c.Name)),
            Arity = ArgumentArity.ExactlyOne,
        };
        option.CustomParser = result =>
        {
            var text = Single(result);
            foreach (var (choice, value) in choices)
            {
                if (string.Equals(choice, text, StringComparison.OrdinalIgnoreCase))
                {
                    return value;
                }
            }

            if (text is not null)
            {
                // The help name lists the advertised choices (a tool may accept more spellings than it shows).
                result.AddError($"{name} must be one of {option.HelpName?.Replace("|", ", ", StringComparison.Ordinal)}, not '{text}'.");
            }

            return null;
        };
        return option;
    }

    /// <summary>
    /// <c>on</c> or <c>off</c>; null when absent. (A bool-typed option would not take a value: System.CommandLine parses
    /// it as a flag and leaves <c>on</c> as an unrecognized argument.)
    /// </summary>
    public static Option<string?> OnOff(string name, string description)
    {
        var option = new Option<string?>(name) { Description = description, HelpName = "on|off" };
        option.CustomParser = result =>
        {
            var text = Single(result);
            if (text is null or "on" or "off")
            {
                return text;
            }

            result.AddError($"{name} must be on or off, not '{text}'.");
            return null;
        };
        return option;
    }

    /// <summary>Text that is not empty or blank.</summary>
    public static Option<string?> Text(string name, string description, string helpName) => new(name)
    {
        Description = description,
        HelpName = helpName,
        CustomParser = result =>
        {
            var text = Single(result);
            if (text is null || !string.IsNullOrWhiteSpace(text))
            {
                return text;
            }

            result.AddError($"{name} must not be empty.");
            return null;
        },
    };

    private static string? Single(ArgumentResult result) => result.Tokens.Count == 1 ? result.Tokens[0].Value : null;

    private static string Format(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
