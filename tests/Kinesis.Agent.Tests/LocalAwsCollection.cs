using Kinesis.Testing;

namespace Kinesis.Agent.Tests;

/// <summary>Tests in this collection share one set of local emulators for the whole assembly.</summary>
[CollectionDefinition(Name)]
public sealed class LocalAwsCollection : ICollectionFixture<LocalAwsFixture>
{
    /// <summary>The collection name.</summary>
    public const string Name = "LocalAws";
}
