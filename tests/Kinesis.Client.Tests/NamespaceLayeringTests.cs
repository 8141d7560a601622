using System.Reflection;

namespace Kinesis.Client.Tests;

/// <summary>The consumer's layers depend one way: Lifecycle (the shard consumer) on Retrieval (the publishers), never back.</summary>
public sealed class NamespaceLayeringTests
{
    public static TheoryData<string, string> ForbiddenDependencies => new()
    {
        { "Kinesis.Client.Retrieval", "Kinesis.Client.Lifecycle" },
        { "Kinesis.Client.Retrieval", "Kinesis.Client.Coordination" },
        { "Kinesis.Client.Diagnostics", "Kinesis.Client.Lifecycle" },
        { "Kinesis.Client.Diagnostics", "Kinesis.Client.Retrieval" },
        { "Kinesis.Client.Leases", "Kinesis.Client.Lifecycle" },
        { "Kinesis.Client.Leases", "Kinesis.Client.Retrieval" },
    };

    [Theory]
    [MemberData(nameof(ForbiddenDependencies))]
    public void TypesOfALayer_DoNotMentionTypesOfALayerAboveIt(string layer, string above)
    {
        const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var types = typeof(KinesisConsumer).Assembly.GetTypes().Where(t => t.Namespace == layer).ToArray();
        Assert.NotEmpty(types);

        var mentions = new List<string>();
        foreach (var type in types)
        {
            var used = new List<Type>();
            used.AddRange(type.GetInterfaces());
            if (type.BaseType is { } baseType)
            {
                used.Add(baseType);
            }

            used.AddRange(type.GetFields(All).Select(f => f.FieldType));
            used.AddRange(type.GetProperties(All).Select(p => p.PropertyType));
            foreach (var method in type.GetMethods(All).Cast<MethodBase>().Concat(type.GetConstructors(All)))
            {
                used.AddRange(method.GetParameters().Select(p => p.ParameterType));
                if (method is MethodInfo info)
                {
                    used.Add(info.ReturnType);
                }
            }

            mentions.AddRange(used.SelectMany(Flatten).Where(t => t.Namespace == above).Select(t => $"{type.FullName} -> {t.FullName}"));
        }

        Assert.True(mentions.Count == 0, $"{layer} depends on {above}:\n" + string.Join('\n', mentions.Distinct()));
    }

    private static IEnumerable<Type> Flatten(Type type)
    {
        yield return type;
        var element = type.HasElementType ? type.GetElementType() : null;
        foreach (var inner in (element is null ? [] : new[] { element }).Concat(type.IsGenericType ? type.GetGenericArguments() : []))
        {
            foreach (var nested in Flatten(inner))
            {
                yield return nested;
            }
        }
    }
}
