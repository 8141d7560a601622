namespace Kinesis.Core.Api.Serialization;

/// <summary>Parses one response body.</summary>
internal delegate T ResponseParser<out T>(ReadOnlySpan<byte> json);
