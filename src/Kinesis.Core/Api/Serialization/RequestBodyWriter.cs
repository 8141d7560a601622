using System.Text.Json;

namespace Kinesis.Core.Api.Serialization;

/// <summary>Writes one request body.</summary>
internal delegate void RequestBodyWriter<in TRequest>(Utf8JsonWriter writer, TRequest request);
