namespace Kinesis.Client.Leases;

/// <summary>The operations of an <see cref="ILeaseRefresher"/>, for counting, latency and fault injection in <see cref="InMemoryLeaseRefresher"/>.</summary>
internal enum LeaseStoreOperation
{
    CreateTable,
    DescribeTable,
    ListLeases,
    GetLease,
    GetLeases,
    CreateLease,
    RenewLease,
    TakeLease,
    EvictLease,
    UpdateCheckpoint,
    PrepareCheckpoint,
    DeleteLease,
}
