namespace Kinesis.Client;

/// <summary>Where a shard that has no lease yet starts being read. Existing checkpoints always win over this setting.</summary>
public enum InitialPositionInStream
{
    /// <summary>Only records written after the lease was created (the KCL's effective default).</summary>
    Latest,

    /// <summary>The oldest record still retained in the shard.</summary>
    TrimHorizon,

    /// <summary>The first record at or after <see cref="KinesisConsumerOptions.InitialPositionTimestamp"/>.</summary>
    AtTimestamp,
}
