using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kinesis.Core.Api.Serialization;

/// <summary>
/// Timestamps of the Kinesis JSON protocol: epoch seconds with a millisecond fraction (<c>1700000000.123</c>); ISO-8601
/// strings, which some emulators send, are read too.
/// </summary>
internal sealed class EpochSecondsConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.Number => DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(reader.GetDouble() * 1000)),
        JsonTokenType.String => reader.GetDateTimeOffset(),
        _ => throw new JsonException($"A timestamp is a {reader.TokenType}."),
    };

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteNumberValue(value.ToUnixTimeMilliseconds() / 1000m);
}
