namespace Kinesis.Agent.Tailing;

/// <summary>One line read from a file: its bytes (with the line break, as the Java agent sends them) and the file offset just past it.</summary>
internal readonly record struct LineRecord(byte[] Data, long EndOffset);
