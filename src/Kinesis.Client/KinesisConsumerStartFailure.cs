namespace Kinesis.Client;

/// <summary>Why <see cref="KinesisConsumer.StartAsync"/> failed; see <see cref="KinesisConsumerStartException.Reason"/>.</summary>
public enum KinesisConsumerStartFailure
{
    /// <summary>The stream does not exist at the Kinesis endpoint (nothing was created, not even the lease table).</summary>
    StreamNotFound,

    /// <summary>No connection to the Kinesis endpoint: refused, unknown host, TLS failure, or no connection within <see cref="Core.Api.KinesisApiClientOptions.ConnectTimeout"/>.</summary>
    KinesisUnreachable,

    /// <summary>Kinesis answered with an error that a retry does not fix (access denied, invalid credentials...), or kept failing transiently until <see cref="KinesisConsumerOptions.StartTimeout"/> ran out.</summary>
    KinesisFailed,

    /// <summary>No connection to the lease table's DynamoDB endpoint: refused, unknown host, TLS failure, or no connection within <see cref="KinesisConsumerOptions.DynamoDbConnectTimeout"/>.</summary>
    LeaseTableUnreachable,

    /// <summary>DynamoDB answered with an error that a retry does not fix, kept failing transiently until <see cref="KinesisConsumerOptions.StartTimeout"/> ran out, or the lease table did not become ACTIVE within <see cref="LeaseManagementOptions.TableActiveTimeout"/>.</summary>
    LeaseTableFailed,
}
