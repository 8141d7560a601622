namespace Kinesis.Core.Hashing;

/// <summary>A range of hash keys that the open shards of a <see cref="ShardMap"/> cover zero times or more than once.</summary>
/// <param name="Kind">Whether the range is uncovered or covered twice.</param>
/// <param name="Range">The affected hash keys.</param>
public readonly record struct ShardMapCoverageIssue(ShardMapCoverageIssueKind Kind, HashKeyRange Range);
