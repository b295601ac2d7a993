using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cms.Tests.Fuzz;

/// <summary>
/// Checks a JSON answer against a schema of the service's OpenAPI document (3.1, JSON Schema): local $ref, type (one or
/// a list, "null" included), enum, oneOf / anyOf / allOf, required and declared properties of objects (nested, at any
/// depth), additionalProperties, array items, and the uuid and date-time formats the document uses. It returns the
/// first few violations with their JSON path; an empty list means the answer conforms. Only the keywords the service's
/// document uses are understood: an unknown keyword is no violation. With <paramref name="undeclaredMembers"/> a member
/// the object's schema does not declare (and no additionalProperties admits) is a violation too.
/// </summary>
internal sealed class SchemaConformance(JsonNode document, bool undeclaredMembers = false)
{
    private const int MaxDepth = 64;
    private const int MaxViolations = 5;

    public IReadOnlyList<string> Check(JsonElement value, JsonNode? schema)
    {
        var violations = new List<string>();
        Check(value, schema, "$", 0, violations);
        return violations;
    }

    private void Check(JsonElement value, JsonNode? schema, string path, int depth, List<string> violations)
    {
        schema = OpenApiFuzzTests.Generator.Resolve(document, schema);
        if (schema is not JsonObject || violations.Count >= MaxViolations || depth > MaxDepth)
        {
            return; // true schema ({}), or enough said
        }

        if (schema["allOf"] is JsonArray all)
        {
            foreach (var part in all)
            {
                Check(value, part, path, depth + 1, violations);
            }
        }

        foreach (var combinator in new[] { "oneOf", "anyOf" })
        {
            if (schema[combinator] is JsonArray options && options.Count > 0 && !options.Any(o => Conforms(value, o, depth)))
            {
                violations.Add($"{path}: matches none of its {combinator} schemas");
                return;
            }
        }

        var types = schema["type"] switch
        {
            JsonArray list => list.Select(t => t!.GetValue<string>()).ToList(),
            JsonValue one => [one.GetValue<string>()],
            _ => null,
        };
        if (types is not null && !types.Any(t => IsOfType(value, t)))
        {
            violations.Add($"{path}: a {value.ValueKind} where the document says {string.Join(" or ", types)}");
            return;
        }

        if (schema["enum"] is JsonArray members && !members.Any(m => JsonNode.DeepEquals(m, JsonNode.Parse(value.GetRawText()))))
        {
            violations.Add($"{path}: {Short(value)} is not one of the documented values {Short(members.ToJsonString())}");
            return;
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                var properties = schema["properties"] as JsonObject;
                foreach (var required in schema["required"]?.AsArray().Select(r => r!.GetValue<string>()) ?? [])
                {
                    if (!value.TryGetProperty(required, out _))
                    {
                        violations.Add($"{path}: lacks the required property '{required}'");
                    }
                }

                foreach (var property in value.EnumerateObject())
                {
                    if (properties?[property.Name] is { } declared)
                    {
                        Check(property.Value, declared, $"{path}.{property.Name}", depth + 1, violations);
                    }
                    else if (schema["additionalProperties"] is JsonObject additional)
                    {
                        Check(property.Value, additional, $"{path}.{property.Name}", depth + 1, violations);
                    }
                    else if (undeclaredMembers && properties is not null)
                    {
                        violations.Add($"{path}: has the member '{property.Name}' the document does not declare");
                    }
                }

                break;
            case JsonValueKind.Array when schema["items"] is { } items:
                var index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    Check(item, items, $"{path}[{index++}]", depth + 1, violations);
                }

                break;
            case JsonValueKind.String:
                var text = value.GetString()!;
                var format = schema["format"]?.GetValue<string>();
                if (format == "uuid" && !Guid.TryParseExact(text, "D", out _))
                {
                    violations.Add($"{path}: not a uuid");
                }
                else if (format == "date-time" && !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out _))
                {
                    violations.Add($"{path}: not a date-time");
                }

                break;
        }
    }

    private bool Conforms(JsonElement value, JsonNode? schema, int depth)
    {
        var violations = new List<string>();
        Check(value, schema, "$", depth + 1, violations);
        return violations.Count == 0;
    }

    private static bool IsOfType(JsonElement value, string type) => type switch
    {
        "null" => value.ValueKind == JsonValueKind.Null,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "string" => value.ValueKind == JsonValueKind.String,
        "number" => value.ValueKind == JsonValueKind.Number,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out var d) && decimal.Truncate(d) == d,
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        _ => true,
    };

    private static string Short(JsonElement value) => Short(value.GetRawText());

    private static string Short(string text) => text.Length <= 80 ? text : text[..80] + "…";
}
