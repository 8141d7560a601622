using Kinesis.Client.Leases;
using Kinesis.Testing;

namespace Kinesis.Client.Tests.Leases;

/// <summary>The lease store contract against DynamoDB (dynalite).</summary>
[Collection(LocalAwsCollection.Name)]
public sealed class DynamoDbLeaseRefresherContractTests(LocalAwsFixture fixture) : LeaseRefresherContractTests, IDisposable
{
    private readonly LeaseTestEnvironment env = new(fixture);

    private protected override ILeaseRefresher CreateStore() => env.CreateRefresher();

    public void Dispose() => env.Dispose();
}
