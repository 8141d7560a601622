namespace Kinesis.Client;

/// <summary>How a lease table created by this library is billed.</summary>
public enum LeaseTableBillingMode
{
    /// <summary>On-demand capacity (DynamoDB <c>PAY_PER_REQUEST</c>), the KCL default since 2.3.7.</summary>
    PayPerRequest = 0,

    /// <summary>Provisioned capacity with <see cref="LeaseManagementOptions.ReadCapacityUnits"/> and <see cref="LeaseManagementOptions.WriteCapacityUnits"/>.</summary>
    Provisioned = 1,
}
