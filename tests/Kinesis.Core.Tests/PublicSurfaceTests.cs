using System.Reflection;
using Kinesis.Core.Api;
using Kinesis.Core.Metrics;
using Kinesis.Core.Resilience;

namespace Kinesis.Core.Tests;

/// <summary>Rules over what Kinesis.Core exports; src/Kinesis.Core/PublicAPI.Unshipped.txt records the surface member by member.</summary>
public sealed class PublicSurfaceTests
{
    private static readonly Assembly Core = typeof(KinesisApiClient).Assembly;

    [Fact]
    public void PublicSignatures_UseNoThirdPartyTypeButAwsCredentials()
    {
        var offenders = new List<string>();
        foreach (var type in Core.GetExportedTypes())
        {
            if (type.BaseType is { } baseType && IsThirdParty(baseType))
            {
                offenders.Add($"{type.FullName} : {baseType.FullName}");
            }

            offenders.AddRange(type.GetInterfaces().Where(IsThirdParty).Select(i => $"{type.FullName} : {i.FullName}"));
            foreach (var member in type.GetMembers(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            {
                offenders.AddRange(SignatureTypes(member).SelectMany(Flatten).Where(IsThirdParty).Select(t => $"{type.FullName}.{member.Name}: {t.FullName}"));
            }
        }

        Assert.Empty(offenders.Distinct());
    }

    [Fact]
    public void RecordingAndRetryTypes_AreNotPublic()
    {
        Assert.False(typeof(ProducerMetrics).IsPublic);
        Assert.False(typeof(ConsumerMetrics).IsPublic);
        Assert.False(typeof(CloudWatchMetricsPublisher).IsPublic);
        Assert.False(typeof(RetryBackoff).IsPublic);
        Assert.DoesNotContain(typeof(KinesisMetrics).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly), m => !m.IsSpecialName);
    }

    [Fact]
    public void PublicTypeNames_AreUnique()
    {
        var duplicates = Core.GetExportedTypes().GroupBy(t => t.Name).Where(g => g.Count() > 1).Select(g => string.Join(", ", g.Select(t => t.FullName)));

        Assert.Empty(duplicates);
    }

    private static IEnumerable<Type> SignatureTypes(MemberInfo member) => member switch
    {
        MethodInfo method => method.GetParameters().Select(p => p.ParameterType).Append(method.ReturnType),
        ConstructorInfo constructor => constructor.GetParameters().Select(p => p.ParameterType),
        PropertyInfo property => [property.PropertyType],
        FieldInfo field => [field.FieldType],
        EventInfo e => [e.EventHandlerType!],
        _ => [],
    };

    private static IEnumerable<Type> Flatten(Type type)
    {
        if (type.HasElementType)
        {
            return Flatten(type.GetElementType()!);
        }

        return type.IsGenericType ? type.GetGenericArguments().SelectMany(Flatten).Prepend(type.GetGenericTypeDefinition()) : [type];
    }

    private static bool IsThirdParty(Type type)
    {
        var assembly = type.Assembly.GetName().Name!;
        return type != typeof(Amazon.Runtime.AWSCredentials)
            && !type.IsGenericParameter
            && type.Assembly != Core
            && !assembly.StartsWith("System", StringComparison.Ordinal)
            && assembly != "mscorlib"
            && !assembly.StartsWith("Microsoft.Extensions.", StringComparison.Ordinal);
    }
}
