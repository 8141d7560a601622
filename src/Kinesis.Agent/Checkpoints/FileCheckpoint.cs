namespace Kinesis.Agent.Checkpoints;

/// <summary>
/// Where a flow is in one file: the file's identity and fingerprint, the offset up to which every record is
/// acknowledged, and when that offset last moved (null when unknown: never expires).
/// </summary>
internal sealed record FileCheckpoint(string Flow, string Path, ulong? Device, ulong? Inode, int FingerprintLength, string FingerprintHash, long Offset, DateTimeOffset? Updated = null);
