namespace Kinesis.Producer;

/// <summary>Error codes the producer itself assigns to attempts (service codes are passed through as they are).</summary>
public static class ProducerErrorCodes
{
    /// <summary>The record's <see cref="KinesisProducerOptions.RecordTtl"/> ran out before it was put.</summary>
    public const string Expired = "Expired";

    /// <summary>The record reached a shard other than the predicted one because the shard map was stale; it is re-sent under the new map.</summary>
    public const string WrongShard = "WrongShard";

    /// <summary>The producer was disposed before the record could be put.</summary>
    public const string Shutdown = "ProducerShutdown";

    /// <summary>The request failed in the network (connection reset, DNS, TLS).</summary>
    public const string NetworkError = "NetworkError";

    /// <summary>The request did not complete within <see cref="KinesisProducerOptions.RequestTimeout"/>.</summary>
    public const string Timeout = "RequestTimeout";

    /// <summary>The producer failed inside itself while handling the record (a bug, logged as event 4108); the message names the cause.</summary>
    public const string InternalError = "ProducerInternalError";
}
