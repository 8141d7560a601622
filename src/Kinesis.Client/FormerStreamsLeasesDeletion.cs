namespace Kinesis.Client;

/// <summary>What a multi-stream consumer does with the leases of a stream that left its list (the Java KCL's <c>FormerStreamsLeasesDeletionStrategy</c>).</summary>
public enum FormerStreamsLeasesDeletion
{
    /// <summary>Keep them (the Java KCL's <c>NoLeaseDeletionStrategy</c>); the shards already leased are still read to their end.</summary>
    None,

    /// <summary>
    /// A stream in the lease table but not in the list (removed, or deleted so that it can no longer be described) is read on
    /// until <see cref="MultiStreamOptions.FormerStreamsLeasesDeletionDelay"/> has passed, then its leases are deleted and its
    /// processors lose their leases (the Java KCL's <c>AutoDetectionAndDeferredDeletionStrategy</c>). Coming back within the
    /// delay cancels the deletion.
    /// </summary>
    AutoDetectionDeferred,
}
