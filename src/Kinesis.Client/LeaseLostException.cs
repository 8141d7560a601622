namespace Kinesis.Client;

/// <summary>
/// Thrown when this worker no longer holds the lease of a shard: another worker took it, it expired
/// locally because it could not be renewed within the failover time, or it was released. Work on the
/// shard must stop; another worker resumes it from the last checkpoint, so records after that
/// checkpoint may be processed again (at-least-once delivery).
/// </summary>
public sealed class LeaseLostException : Exception
{
    /// <summary>Creates the exception.</summary>
    public LeaseLostException()
        : this("The lease is no longer held by this worker.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The message.</param>
    public LeaseLostException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public LeaseLostException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a lease key.</summary>
    /// <param name="leaseKey">The lease key (the shard id for a single-stream application).</param>
    /// <param name="message">The message.</param>
    public LeaseLostException(string leaseKey, string message)
        : base(message)
    {
        LeaseKey = leaseKey;
    }

    /// <summary>The key of the lost lease (the shard id for a single-stream application), when known.</summary>
    public string? LeaseKey { get; }
}
