using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization;
using Cms.Domain.Common;

namespace Cms.Api.Http;

/// <summary>
/// The domain's enums on the wire as lower_snake_case strings (acronyms such as UK as they are), the same names the
/// database stores. An unknown value is a JSON error naming the allowed values.
/// </summary>
public sealed class WireEnumConverterFactory : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) =>
        typeToConvert.IsEnum && typeToConvert.Namespace?.StartsWith("Cms.", StringComparison.Ordinal) == true;

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(WireEnumConverter<>).MakeGenericType(typeToConvert))!;
}

/// <summary>One wire enum's converter (<see cref="WireEnumConverterFactory"/> makes them); <see cref="WriteValue"/> for
/// answers written by hand (<see cref="ComplaintListJson"/>).</summary>
public sealed class WireEnumConverter<TEnum> : JsonConverter<TEnum> where TEnum : struct, Enum
{
    /// <summary>Each value's name encoded once (UTF-8, escaped), not on every write: a queue page writes hundreds.</summary>
    private static readonly FrozenDictionary<TEnum, JsonEncodedText> Encoded =
        Enum.GetValues<TEnum>().ToFrozenDictionary(v => v, v => JsonEncodedText.Encode(v.ToWire()));

    public override TEnum Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String && WireNames.TryParse<TEnum>(reader.GetString(), out var value))
        {
            return value;
        }

        throw new JsonException($"Expected one of: {string.Join(", ", WireNames.All<TEnum>())}.");
    }

    public override void Write(Utf8JsonWriter writer, TEnum value, JsonSerializerOptions options) => WriteValue(writer, value);

    public static void WriteValue(Utf8JsonWriter writer, TEnum value) =>
        writer.WriteStringValue(Encoded.TryGetValue(value, out var name) ? name : JsonEncodedText.Encode(value.ToWire()));
}
