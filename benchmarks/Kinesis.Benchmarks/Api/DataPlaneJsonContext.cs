using System.Text.Json.Serialization;
using Kinesis.Core.Api;
using Kinesis.Core.Api.Serialization;

namespace Kinesis.Benchmarks.Api;

/// <summary>Source-generated metadata for the data-plane comparison only.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, Converters = [typeof(EpochSecondsConverter)])]
[JsonSerializable(typeof(GetRecordsResponse))]
[JsonSerializable(typeof(PutRecordsRequest))]
internal sealed partial class DataPlaneJsonContext : JsonSerializerContext
{
}
