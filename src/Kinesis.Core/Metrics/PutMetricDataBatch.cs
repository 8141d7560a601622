namespace Kinesis.Core.Metrics;

/// <summary>One PutMetricData request body (form-encoded, gzip-compressed when large) and the datums it carries.</summary>
/// <param name="Body">The bytes to send.</param>
/// <param name="DatumCount">Datums in the request.</param>
/// <param name="ContentEncoding"><c>gzip</c> when compressed, else null.</param>
internal sealed record PutMetricDataBatch(byte[] Body, int DatumCount, string? ContentEncoding);
