namespace Kinesis.Core.Http;

/// <summary>
/// Resolves the public HTTPS endpoint of an AWS service in a region, following the standard
/// <c>https://{service}.{region}.{dnsSuffix}</c> pattern of each partition.
/// </summary>
/// <remarks>
/// Partitions: <c>aws</c> (<c>amazonaws.com</c>), <c>aws-cn</c> (regions <c>cn-*</c>, <c>amazonaws.com.cn</c>),
/// <c>aws-us-gov</c> (regions <c>us-gov-*</c>, <c>amazonaws.com</c>), <c>aws-iso</c> (<c>us-iso-*</c>, <c>c2s.ic.gov</c>)
/// and <c>aws-iso-b</c> (<c>us-isob-*</c>, <c>sc2s.sgov.gov</c>). Services reached through a VPC endpoint or a
/// local emulator take an explicit URL instead.
/// </remarks>
internal static class AwsServiceEndpoint
{
    /// <summary>Longest region name accepted.</summary>
    public const int MaxRegionLength = 64;

    /// <summary>Returns the HTTPS endpoint of <paramref name="service"/> (e.g. <c>kinesis</c>, <c>monitoring</c>) in <paramref name="region"/>.</summary>
    /// <exception cref="ArgumentException">The service or region is empty or not made of lower-case letters, digits and '-'.</exception>
    public static Uri Resolve(string service, string region)
    {
        ValidateName(service, nameof(service));
        ValidateRegion(region, nameof(region));
        return new Uri($"https://{service}.{region}.{DnsSuffix(region)}/", UriKind.Absolute);
    }

    /// <summary>Returns the DNS suffix of the partition that holds <paramref name="region"/>.</summary>
    /// <exception cref="ArgumentException">The region is empty or not made of lower-case letters, digits and '-'.</exception>
    public static string DnsSuffix(string region)
    {
        ValidateRegion(region, nameof(region));
        if (region.StartsWith("cn-", StringComparison.Ordinal))
        {
            return "amazonaws.com.cn";
        }

        if (region.StartsWith("us-isob-", StringComparison.Ordinal))
        {
            return "sc2s.sgov.gov";
        }

        if (region.StartsWith("us-iso-", StringComparison.Ordinal))
        {
            return "c2s.ic.gov";
        }

        // aws and aws-us-gov share the suffix.
        return "amazonaws.com";
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="region"/> looks like an AWS region name.</summary>
    internal static void ValidateRegion(string region, string paramName)
    {
        ValidateName(region, paramName);
        if (region.Length > MaxRegionLength)
        {
            throw new ArgumentException($"A region name has 1 to {MaxRegionLength} characters; got {region.Length}.", paramName);
        }
    }

    private static void ValidateName(string value, string paramName)
    {
        ArgumentException.ThrowIfNullOrEmpty(value, paramName);
        foreach (var c in value)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
            {
                throw new ArgumentException($"'{value}' may contain only lower-case letters, digits and '-'.", paramName);
            }
        }
    }
}
