using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Xunit;

namespace Kinesis.Testing;

/// <summary>
/// Reads the Default column of an options table in docs/configuration.md and compares every entry with the value a new
/// options object holds, so that the documented defaults cannot drift from the code.
/// </summary>
public static partial class DocumentedDefaults
{
    /// <summary>The documented default of each option under the heading <paramref name="section"/> ("## Name" or "### Name").</summary>
    public static IReadOnlyDictionary<string, string> Read(string section)
    {
        var lines = File.ReadAllLines(Path.Combine(RepositoryRoot(), "docs", "configuration.md"));
        var start = Array.FindIndex(lines, l => Regex.IsMatch(l, $"^#{{2,3}} {Regex.Escape(section)}$"));
        Assert.True(start >= 0, $"docs/configuration.md has no section '{section}'.");
        var defaults = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = start + 1; i < lines.Length && !lines[i].StartsWith('#'); i++)
        {
            var cells = lines[i].Split('|');
            if (cells.Length < 4 || !cells[1].TrimStart().StartsWith('`'))
            {
                continue;
            }

            // "`A` / `B` | x / y" documents two options in one row.
            var names = cells[1].Split(" / ").Select(n => n.Trim().Trim('`')).ToArray();
            var values = names.Length == 1 ? [cells[2].Trim()] : cells[2].Split(" / ").Select(v => v.Trim()).ToArray();
            Assert.True(names.Length == values.Length, $"'{lines[i]}' names {names.Length} options but gives {values.Length} defaults.");
            for (var n = 0; n < names.Length; n++)
            {
                defaults[names[n]] = values[n];
            }
        }

        return defaults;
    }

    /// <summary>
    /// Asserts that every default documented under <paramref name="section"/> equals the property of <paramref name="options"/>
    /// (a new instance); <paramref name="notComparable"/> lists the options whose default is prose (computed, "required").
    /// </summary>
    public static void AssertMatch(object options, string section, params string[] notComparable)
    {
        ArgumentNullException.ThrowIfNull(options);
        var documented = Read(section);
        var type = options.GetType();
        var mismatches = new List<string>();
        foreach (var (name, text) in documented)
        {
            var property = type.GetProperty(name, BindingFlags.Public | BindingFlags.Instance);
            if (property is null)
            {
                mismatches.Add($"{name}: documented but {type.Name} has no such property");
                continue;
            }

            if (notComparable.Contains(name))
            {
                continue;
            }

            var actual = property.GetValue(options);
            if (!TryParse(text, property.PropertyType, out var expected))
            {
                mismatches.Add($"{name}: default '{text}' cannot be read (write it as a number with a unit, true/false, null or an enum name, or list it as not comparable)");
            }
            else if (!Equals(expected, actual))
            {
                mismatches.Add($"{name}: documented {text} ({expected}), code {actual}");
            }
        }

        foreach (var name in notComparable)
        {
            if (!documented.ContainsKey(name))
            {
                mismatches.Add($"{name}: listed as not comparable but not documented");
            }
        }

        Assert.True(mismatches.Count == 0, $"docs/configuration.md, {section}:\n" + string.Join('\n', mismatches));
    }

    private static bool TryParse(string text, Type type, out object? value)
    {
        // "6 s (the KPL's)" and "null (own meter)": the value is what precedes the comment.
        var cell = ParenthesisedComment().Replace(text, string.Empty).Replace("`", string.Empty, StringComparison.Ordinal).Trim();
        value = null;
        if (cell == "null")
        {
            return !type.IsValueType || Nullable.GetUnderlyingType(type) is not null;
        }

        type = Nullable.GetUnderlyingType(type) ?? type;

        if (type == typeof(bool))
        {
            value = cell == "true" ? true : cell == "false" ? false : null;
            return value is not null;
        }

        if (type.IsEnum)
        {
            value = Enum.TryParse(type, cell, ignoreCase: false, out var parsed) ? parsed : null;
            return value is not null;
        }

        var match = NumberWithUnit().Match(cell);
        if (!match.Success)
        {
            return false;
        }

        var number = decimal.Parse(match.Groups["number"].Value.Replace(",", string.Empty, StringComparison.Ordinal), CultureInfo.InvariantCulture);
        var unit = match.Groups["unit"].Value;
        if (type == typeof(TimeSpan))
        {
            value = unit switch
            {
                "ms" => TimeSpan.FromMilliseconds((double)number),
                "s" => TimeSpan.FromSeconds((double)number),
                "min" => TimeSpan.FromMinutes((double)number),
                "h" => TimeSpan.FromHours((double)number),
                _ => null,
            };
            return value is not null;
        }

        var scaled = number * unit switch
        {
            "KiB" => 1024m,
            "MiB" => 1024m * 1024,
            "GiB" => 1024m * 1024 * 1024,
            _ => 1m,
        };
        value = type == typeof(int) ? (int)scaled : type == typeof(long) ? (long)scaled : null;
        return value is not null;
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Kinesis.Libraries.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Kinesis.Libraries.sln not found above the test assembly.");
    }

    [GeneratedRegex(@"\s*\([^)]*\)\s*$")]
    private static partial Regex ParenthesisedComment();

    [GeneratedRegex(@"^(?<number>\d[\d,]*(\.\d+)?)\s*(?<unit>ms|s|min|h|bytes|KiB|MiB|GiB)?$")]
    private static partial Regex NumberWithUnit();
}
