using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kinesis.Core.Api.Serialization;

/// <summary>Writes <see cref="ShardFilterType"/> as its protocol name (<c>AT_TRIM_HORIZON</c>); requests only.</summary>
internal sealed class ShardFilterTypeConverter : JsonConverter<ShardFilterType>
{
    public override ShardFilterType Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("Shard filter types are only written.");

    public override void Write(Utf8JsonWriter writer, ShardFilterType value, JsonSerializerOptions options) =>
        writer.WriteStringValue(KinesisWireNames.ToWire(value));
}
