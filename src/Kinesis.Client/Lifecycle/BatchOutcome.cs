namespace Kinesis.Client.Lifecycle;

/// <summary>How the delivery of one batch ended.</summary>
internal enum BatchOutcome
{
    Delivered,
    Skipped,
    StopShard,
    Abandoned,
}
