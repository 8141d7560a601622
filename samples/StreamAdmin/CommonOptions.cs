using System.CommandLine;

namespace Kinesis.Samples.StreamAdmin;

/// <summary>The options every sub-command takes (defined once on the root, recursively).</summary>
internal sealed record CommonOptions(Option<string?> Region, Option<Uri?> Endpoint, Option<bool> Json);
