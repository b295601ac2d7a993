using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cms.Tests.Api;
using Cms.Tests.Support;

namespace Cms.Tests.Fuzz;

/// <summary>
/// A fuzz run generated from the service's own OpenAPI document (/openapi/v1.json): for a fixed number of iterations and
/// a fixed seed it picks a documented operation and sends it with generated path, query, header and body values, valid
/// and broken (wrong types, missing required fields, unknown enum values, overlong and hostile strings, absurd numbers,
/// malformed JSON, unknown fields, random ids and real ids of a seeded tenant). Every answer must be below 500, carry no
/// stack trace or SQL, have a status the operation documents (refusals included), a 4xx must be RFC 9457 problem+json
/// whose body states the same status, and a 2xx must be JSON conforming to the documented schema as a whole
/// (<see cref="SchemaConformance"/>: types, nested required properties, enums, formats). The seed makes a failure
/// reproducible.
/// </summary>
[TestFixture(DatabaseKind.Sqlite)]
[TestFixture(DatabaseKind.Postgres)]
public sealed class OpenApiFuzzTests(DatabaseKind kind) : ApiTestBase(kind)
{
    private const int Seed = 20261125;
    private const int Iterations = 600;

    private static readonly string[] HostileStrings =
    [
        "", " ", "null", "0", "-1", "1e309", "true", "\u0000", "' OR 1=1 --", "\"; DROP TABLE complaints; --", "<script>alert(1)</script>",
        "../../etc/passwd", "%00", "\ud83d\ude00\u202e", new string('x', 5000), "2026-02-30T25:61:00Z", "00000000-0000-0000-0000-000000000000",
        "not-a-uuid", "9999999999999999999999", "NaN",
    ];

    [Test]
    public async Task Generated_requests_from_the_OpenAPI_document_never_answer_5xx_and_conform_to_the_document()
    {
        var tenant = await CreateTenantAsync();
        var consumer = await tenant.RegisterConsumerAsync();
        var complaint = await tenant.FileComplaintAsync(consumer.Id);
        var (staff, _) = await tenant.AddStaffAsync(global::Cms.Domain.Staff.Role.Agent);
        var realIds = new[] { tenant.Id.ToString(), consumer.Id.ToString(), complaint.Id.ToString(), staff.Id.ToString() };

        using var anonymous = Factory.CreateClient();
        var document = JsonNode.Parse(await anonymous.GetStringAsync("/openapi/v1.json"))!;
        var operations = Operations(document).ToList();
        Assert.That(operations, Has.Count.GreaterThan(10), "the OpenAPI document lists too few operations to fuzz");

        var random = new Random(Seed);
        var generator = new Generator(document, random, realIds);
        var failures = new List<string>();
        var statuses = new Dictionary<int, int>();
        for (var i = 0; i < Iterations && failures.Count < 20; i++)
        {
            var operation = operations[random.Next(operations.Count)];
            using var request = generator.Request(operation);
            var client = operation.Path.StartsWith("/v1/tenants", StringComparison.Ordinal) ? Platform : tenant.Admin;
            if (random.Next(20) == 0)
            {
                client = anonymous; // no token
            }

            using var response = await client.SendAsync(request);
            var status = (int)response.StatusCode;
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
            var body = await response.Content.ReadAsStringAsync();
            if (Check(operation, response, body) is { } problem)
            {
                failures.Add($"#{i} {request.Method} {request.RequestUri}: {status} {problem}: {Truncate(body)}");
            }
        }

        TestContext.Out.WriteLine($"seed {Seed}: " + string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}")));
        Assert.That(failures, Is.Empty, $"seed {Seed}");
        Assert.That(statuses.Keys.Any(s => s is >= 200 and < 300), Is.True, "no generated request succeeded: the generator only tested refusals");
        Assert.That(statuses.GetValueOrDefault(201), Is.GreaterThan(0), "no generated creation succeeded: the well-formed requests are not");
    }

    private static string? Check(Operation operation, HttpResponseMessage response, string body)
    {
        var status = (int)response.StatusCode;
        if (status >= 500)
        {
            return "server error";
        }

        if (body.Contains("   at ", StringComparison.Ordinal) || body.Contains("Exception", StringComparison.Ordinal) ||
            body.Contains("SELECT ", StringComparison.OrdinalIgnoreCase) || body.Contains("Npgsql", StringComparison.Ordinal) ||
            body.Contains("SQLite", StringComparison.OrdinalIgnoreCase))
        {
            return "internals leaked";
        }

        var mediaType = response.Content.Headers.ContentType?.MediaType;
        var documented = operation.Responses.TryGetValue(status.ToString(CultureInfo.InvariantCulture), out var documentedResponse);
        if (!documented)
        {
            // Every status the service answers, refusals included, is in the document: a client can rely on the list.
            return $"status {status} is not documented for this operation ({string.Join(", ", operation.Responses.Keys)})";
        }

        if (status is >= 400 and < 500)
        {
            if (status == 405 || (status is 401 or 413 && body.Length == 0))
            {
                return null; // answered by the framework before the endpoint (no body to conform)
            }

            if (mediaType != "application/problem+json")
            {
                return $"a {status} that is not problem+json ({mediaType})";
            }

            using var problem = JsonDocument.Parse(body);
            if (!problem.RootElement.TryGetProperty("status", out var stated) || stated.GetInt32() != status)
            {
                return "a problem whose body does not state the status";
            }

            // The problem against the operation's schema for that status: its code and type among the listed ones.
            return Conformance(operation, problem.RootElement, documentedResponse?["content"]?["application/problem+json"]?["schema"], "problem");
        }

        if (status is >= 200 and < 300)
        {
            // Every header the document says this answer carries (ETag, Location) is there.
            var missing = (documentedResponse?["headers"]?.AsObject() ?? []).Where(h => h.Value?["required"]?.GetValue<bool>() == true)
                .Select(h => h.Key).Where(h => !response.Headers.Contains(h) && !response.Content.Headers.Contains(h)).ToList();
            if (missing.Count > 0)
            {
                return $"a {status} without the header(s) it documents: {string.Join(", ", missing)}";
            }

            if (documentedResponse?["content"]?["application/json"]?["schema"] is { } schema)
            {
                if (mediaType != "application/json")
                {
                    return $"a {status} that is not JSON ({mediaType})";
                }

                // The whole answer against the documented schema: types, nested required properties, enums, formats,
                // and no member the document does not declare.
                using var json = JsonDocument.Parse(body);
                return Conformance(operation, json.RootElement, schema, "answer");
            }
        }

        return null;
    }

    private static string? Conformance(Operation operation, JsonElement body, JsonNode? schema, string what)
    {
        if (schema is null)
        {
            return $"the {what} has no documented schema";
        }

        var violations = new SchemaConformance(operation.Document, undeclaredMembers: true).Check(body, schema);
        return violations.Count == 0 ? null : $"the {what} does not conform to its schema: " + string.Join("; ", violations);
    }

    private static string Truncate(string text) => text.Length <= 300 ? text : text[..300] + "…";

    internal sealed record Operation(JsonNode Document, string Path, HttpMethod Method, JsonNode Node, Dictionary<string, JsonNode?> Responses);

    private static IEnumerable<Operation> Operations(JsonNode document)
    {
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, node) in item!.AsObject())
            {
                if (method is "get" or "post" or "put" or "patch" or "delete" && node is not null)
                {
                    var responses = node["responses"]?.AsObject().ToDictionary(r => r.Key, r => r.Value) ?? [];
                    yield return new Operation(document, path, new HttpMethod(method.ToUpperInvariant()), node, responses);
                }
            }
        }
    }

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
