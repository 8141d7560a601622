using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kinesis.Core.Api.Serialization;

/// <summary>Writes <see cref="ShardIteratorType"/> as its protocol name (<c>AT_SEQUENCE_NUMBER</c>); requests only.</summary>
internal sealed class ShardIteratorTypeConverter : JsonConverter<ShardIteratorType>
{
    public override ShardIteratorType Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("Shard iterator types are only written.");

    public override void Write(Utf8JsonWriter writer, ShardIteratorType value, JsonSerializerOptions options) =>
        writer.WriteStringValue(KinesisWireNames.ToWire(value));
}
