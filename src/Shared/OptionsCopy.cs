using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace Kinesis;

/// <summary>
/// Copies a Kinesis.Core options object (<c>KinesisApiClientOptions</c>, <c>CloudWatchMetricsOptions</c>, ...) so a client
/// keeps its own settings: every public read-write property is copied, nested Kinesis options objects deeply, services
/// (credentials, handlers, clocks, factories) by reference.
/// </summary>
/// <remarks>
/// By reflection, once per client construction, so that a property Kinesis.Core adds is copied without a change here. The
/// clients' own options classes clone themselves (<c>MemberwiseClone</c>) and call this for their Kinesis.Core parts.
/// </remarks>
internal static class OptionsCopy
{
    /// <summary>Returns a copy of <paramref name="source"/>, or null for null.</summary>
    [return: NotNullIfNotNull(nameof(source))]
    public static T? Of<T>(T? source)
        where T : class, new() => (T?)Copy(source);

    [return: NotNullIfNotNull(nameof(source))]
    private static object? Copy(object? source)
    {
        if (source is null)
        {
            return null;
        }

        var type = source.GetType();
        var copy = Activator.CreateInstance(type) ?? throw new InvalidOperationException($"{type} cannot be created.");
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.CanRead && property.CanWrite && property.SetMethod is { IsPublic: true } && property.GetIndexParameters().Length == 0)
            {
                var value = property.GetValue(source);
                property.SetValue(copy, IsOptions(property.PropertyType) ? Copy(value) : value);
            }
        }

        return copy;
    }

    // Settings objects of this suite (nested options such as CloudWatchMetricsOptions.Retry) are copied; anything else is a
    // service or a value and is shared.
    private static bool IsOptions(Type type) =>
        type.IsClass && !type.IsAbstract && type.Namespace?.StartsWith("Kinesis.", StringComparison.Ordinal) == true
        && type.Name.EndsWith("Options", StringComparison.Ordinal) && type.GetConstructor(Type.EmptyTypes) is not null;
}
