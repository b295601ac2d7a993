using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Cms.Tests.Fuzz;

public sealed partial class OpenApiFuzzTests
{
    /// <summary>Values from schemas: mostly valid, often broken, sometimes hostile; all from the one seeded Random.</summary>
    internal sealed class Generator(JsonNode document, Random random, string[] realIds)
    {
        /// <summary>A third of the requests are well formed (every property, plausible values), so that creations succeed too.</summary>
        private bool _wellFormed;

        public HttpRequestMessage Request(Operation operation)
        {
            _wellFormed = random.Next(3) == 0;
            var path = operation.Path;
            var query = new List<string>();
            var request = new HttpRequestMessage(operation.Method, "/");
            foreach (var parameter in operation.Node["parameters"]?.AsArray() ?? [])
            {
                var name = parameter!["name"]!.GetValue<string>();
                var value = ParameterValue(name, parameter["schema"]);
                switch (parameter["in"]?.GetValue<string>())
                {
                    case "path":
                        // The in-memory test host refuses to even build a request whose path decodes to a NUL (Kestrel answers 400).
                        value = value.Length == 0 ? "x" : value.Replace("\u0000", "nul", StringComparison.Ordinal);
                        path = path.Replace("{" + name + "}", Uri.EscapeDataString(value), StringComparison.Ordinal);
                        break;
                    case "query" when random.Next(3) > 0:
                        query.Add($"{Uri.EscapeDataString(name)}={Uri.EscapeDataString(value)}");
                        break;
                    case "header" when random.Next(2) == 0:
                        request.Headers.TryAddWithoutValidation(name, value);
                        break;
                }
            }

            if (random.Next(4) == 0)
            {
                request.Headers.TryAddWithoutValidation("If-Match", Pick("\"1\"", "\"2\"", "*", "W/\"1\"", "\"-1\"", "garbage"));
            }

            if (operation.Method == HttpMethod.Post && random.Next(3) == 0)
            {
                request.Headers.TryAddWithoutValidation("Idempotency-Key", Pick($"fuzz-{random.Next(5)}", new string('k', 300), " padded ", "ok-key"));
            }

            request.RequestUri = new Uri(path + (query.Count > 0 ? "?" + string.Join('&', query) : ""), UriKind.Relative);
            if (operation.Node["requestBody"]?["content"]?["application/json"]?["schema"] is { } schema)
            {
                request.Content = Body(schema);
            }

            return request;
        }

        private HttpContent Body(JsonNode schema)
        {
            var text = (_wellFormed ? 12 : random.Next(12)) switch
            {
                0 => "{\"unterminated\": ",
                1 => "",
                2 => "[]",
                3 => new string('[', 100) + new string(']', 100),
                4 => "null",
                _ when _wellFormed => Value(schema, depth: 0)?.ToJsonString() ?? "null",
                _ => Mutate(Value(schema, depth: 0))?.ToJsonString() ?? "null",
            };
            var content = new StringContent(text, Encoding.UTF8);
            content.Headers.ContentType = new MediaTypeHeaderValue(!_wellFormed && random.Next(25) == 0 ? "text/plain" : "application/json");
            return content;
        }

        /// <summary>One structural mutation of a valid-looking object: a field dropped, retyped, nulled or added.</summary>
        private JsonNode? Mutate(JsonNode? value)
        {
            if (value is not JsonObject obj || obj.Count == 0 || random.Next(3) == 0)
            {
                return value;
            }

            var key = obj.Select(p => p.Key).ElementAt(random.Next(obj.Count));
            switch (random.Next(5))
            {
                case 0:
                    obj.Remove(key);
                    break;
                case 1:
                    obj[key] = null;
                    break;
                case 2:
                    obj[key] = random.Next(2) == 0 ? JsonValue.Create(random.NextInt64(long.MinValue, long.MaxValue)) : new JsonObject { ["x"] = 1 };
                    break;
                case 3:
                    obj[key] = Pick(HostileStrings);
                    break;
                default:
                    obj["unknownField" + random.Next(100)] = "surplus";
                    break;
            }

            return obj;
        }

        private string ParameterValue(string name, JsonNode? schema)
        {
            var resolved = Resolve(document, schema);
            if (name.Equals("id", StringComparison.OrdinalIgnoreCase) || name.EndsWith("Id", StringComparison.Ordinal) ||
                resolved?["format"]?.GetValue<string>() == "uuid")
            {
                return random.Next(4) switch
                {
                    0 or 1 => Pick(realIds),
                    2 => Guid.NewGuid().ToString(),
                    _ => Pick(HostileStrings),
                };
            }

            if (TypeOf(resolved) is "integer" or "number")
            {
                return Pick("1", "10", "0", "-1", "2147483648", "99999999999999999999", "abc", "1.5", "");
            }

            return random.Next(3) == 0 ? Pick(HostileStrings) : Value(schema, 0)?.ToString() ?? "";
        }

        private JsonNode? Value(JsonNode? schema, int depth, string name = "")
        {
            var resolved = Resolve(document, schema);
            if (_wellFormed && Plausible(name, resolved) is { } plausible)
            {
                return plausible;
            }

            if (resolved is null || depth > 6)
            {
                return null;
            }

            if (resolved["enum"] is JsonArray values && values.Count > 0)
            {
                return !_wellFormed && random.Next(8) == 0 ? JsonValue.Create("not_a_member") : values[random.Next(values.Count)]?.DeepClone();
            }

            foreach (var combinator in new[] { "oneOf", "anyOf", "allOf" })
            {
                if (resolved[combinator] is JsonArray options && options.Count > 0)
                {
                    var nonNull = options.Where(o => TypeOf(Resolve(document, o)) != "null").ToList();
                    return Value(nonNull.Count > 0 ? nonNull[random.Next(nonNull.Count)] : options[0], depth + 1);
                }
            }

            switch (TypeOf(resolved))
            {
                case "object":
                    var obj = new JsonObject();
                    foreach (var (propertyName, property) in resolved["properties"]?.AsObject() ?? [])
                    {
                        if (_wellFormed || random.Next(6) > 0)
                        {
                            obj[propertyName] = Value(property, depth + 1, propertyName);
                        }
                    }

                    return obj;
                case "array":
                    var array = new JsonArray();
                    for (var i = random.Next(3); i > 0; i--)
                    {
                        array.Add(Value(resolved["items"], depth + 1));
                    }

                    return array;
                case "integer":
                    return JsonValue.Create(Pick(1L, 10L, 0L, -1L, 100L, int.MaxValue + 1L));
                case "number":
                    return JsonValue.Create(Pick(1.5, 0.0, -3.25, 1e300, 100.0));
                case "boolean":
                    return JsonValue.Create(random.Next(2) == 0);
                case "string":
                    return JsonValue.Create(resolved["format"]?.GetValue<string>() switch
                    {
                        "uuid" => random.Next(3) == 0 ? Guid.NewGuid().ToString() : Pick(realIds),
                        "date-time" => Pick("2026-11-20T10:00:00Z", "2026-11-25T00:00:00+01:00", "1900-01-01T00:00:00Z", "not a date"),
                        "date" => Pick("2026-11-20", "2026-13-40"),
                        "email" => Pick("someone@example.test", "not-an-email"),
                        _ => random.Next(5) == 0 ? Pick(HostileStrings) : $"fuzz-{random.Next(1000)}",
                    });
                default:
                    return null;
            }
        }

        private T Pick<T>(params T[] values) => values[random.Next(values.Length)];

        /// <summary>A value a real client would send for a property of this name (well-formed requests only).</summary>
        private JsonNode? Plausible(string name, JsonNode? schema)
        {
            var n = random.Next(100_000);
            var lower = name.ToLowerInvariant();
            return TypeOf(schema) switch
            {
                "string" when schema?["enum"] is null && lower.Contains("email", StringComparison.Ordinal) => $"fuzz{n}@example.test",
                "string" when lower.Contains("phone", StringComparison.Ordinal) => "+44 20 7946 0000",
                "string" when lower == "consumerid" => realIds[1],
                "string" when lower == "assigneeid" => realIds[3],
                "string" when lower.EndsWith("id", StringComparison.Ordinal) => Pick(realIds),
                "string" when schema?["format"]?.GetValue<string>() == "date-time" => "2026-11-20T10:00:00Z",
                "string" when schema?["enum"] is null && schema?["format"] is null => $"fuzz-{n}",
                "integer" => 1,
                _ => null,
            };
        }

        /// <summary>The schema's type, the non-null one of a type list, or object for a schema with properties.</summary>
        internal static string? TypeOf(JsonNode? schema) => schema?["type"] switch
        {
            JsonArray types => types.Select(t => t!.GetValue<string>()).FirstOrDefault(t => t != "null") ?? "null",
            JsonValue type => type.GetValue<string>(),
            _ => schema?["properties"] is not null ? "object" : null,
        };

        /// <summary>Follows a local $ref (#/components/schemas/...).</summary>
        public static JsonNode? Resolve(JsonNode document, JsonNode? schema)
        {
            for (var hops = 0; schema?["$ref"]?.GetValue<string>() is { } reference && hops < 10; hops++)
            {
                schema = reference.TrimStart('#').Split('/', StringSplitOptions.RemoveEmptyEntries)
                    .Aggregate<string, JsonNode?>(document, (node, segment) => node?[segment]);
            }

            return schema;
        }
    }
}
