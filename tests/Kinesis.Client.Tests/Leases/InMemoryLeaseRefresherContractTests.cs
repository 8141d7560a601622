using Kinesis.Client.Leases;

namespace Kinesis.Client.Tests.Leases;

/// <summary>The lease store contract against the in-memory store.</summary>
public sealed class InMemoryLeaseRefresherContractTests : LeaseRefresherContractTests
{
    private protected override ILeaseRefresher CreateStore() => new InMemoryLeaseRefresher();
}
