using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Cms.Tests.Fuzz;
using Cms.Tests.Support;

namespace Cms.Tests.Api;

/// <summary>
/// Walks every operation the OpenAPI document declares (paths, path and query parameters, JSON request bodies, read
/// from /openapi/v1.json, never a list written here) and puts, one slot at a time, a NUL character into each string, a
/// date outside what the product computes into each date, and a number outside its declared type into each number,
/// with well-formed values everywhere else. Every answer must be a 4xx RFC 9457 problem document and nothing may be
/// written (issue 23: these reached PostgreSQL as 22021 or deadline arithmetic as ArgumentOutOfRangeException, 500).
/// </summary>
[TestFixture(DatabaseKind.Sqlite)]
[TestFixture(DatabaseKind.Postgres)]
public sealed class EveryOperationHostileInputTests(DatabaseKind kind) : ApiTestBase(kind)
{
    private sealed record Slot(string In, string Name, string[] Path, string Type, string? Format);

    [Test]
    public async Task Every_operation_answers_NUL_characters_extreme_dates_and_numbers_with_a_4xx_problem_and_writes_nothing()
    {
        var tenant = await CreateTenantAsync();
        var consumer = await tenant.RegisterConsumerAsync();
        var complaint = await tenant.FileComplaintAsync(consumer.Id);
        var (staff, _) = await tenant.AddStaffAsync(global::Cms.Domain.Staff.Role.Agent);
        var ids = new Dictionary<string, string>
        {
            ["tenants"] = tenant.Id.ToString(), ["consumers"] = consumer.Id.ToString(), ["complaints"] = complaint.Id.ToString(),
            ["staff"] = staff.Id.ToString(),
        };

        using var anonymous = Factory.CreateClient();
        var document = JsonNode.Parse(await anonymous.GetStringAsync("/openapi/v1.json"))!;
        var before = await SettledRowsAsync();
        var failures = new List<string>();
        var sent = 0;
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                if (method is not ("get" or "post" or "put" or "patch" or "delete") || operation is null)
                {
                    continue;
                }

                var client = path.StartsWith("/v1/tenants", StringComparison.Ordinal) ? Platform : tenant.Admin;
                foreach (var slot in Slots(document, item, operation))
                {
                    // A NUL in the path never reaches the application: the server refuses the request line (Kestrel: 400 "The
                    // path contains null characters"; the test host throws), before any route or filter runs.
                    foreach (var hostile in HostileValues(slot).Where(v => slot.In != "path" || !Text(v).Contains('\0', StringComparison.Ordinal)))
                    {
                        using var request = Build(document, path, method, item, operation, ids, slot, hostile);
                        var response = await client.SendAsync(request);
                        sent++;
                        var body = await response.Content.ReadAsStringAsync();
                        if ((int)response.StatusCode is < 400 or >= 500
                            || response.Content.Headers.ContentType?.MediaType != "application/problem+json")
                        {
                            failures.Add($"{method.ToUpperInvariant()} {path} {slot.In} {string.Join('.', slot.Path)} = {Describe(hostile)}: " +
                                         $"{(int)response.StatusCode} {response.Content.Headers.ContentType?.MediaType} {Truncate(body)}");
                        }
                    }
                }
            }
        }

        Assert.That(sent, Is.GreaterThan(100), "the document declares too few slots: the walk proves little");
        Assert.That(failures, Is.Empty, string.Join("\n", failures.Take(40)));
        Assert.That(await SettledRowsAsync(), Is.EqualTo(before), "a hostile request wrote something");
    }

    /// <summary>Every path and query parameter and every leaf of the JSON request body that holds a string, a date or a number.</summary>
    private static IEnumerable<Slot> Slots(JsonNode document, JsonNode item, JsonNode operation)
    {
        foreach (var parameter in Parameters(item, operation))
        {
            var location = parameter["in"]?.GetValue<string>();
            if (location is "path" or "query" && Leaf(OpenApiFuzzTests.Generator.Resolve(document, parameter["schema"]), document) is { } leaf)
            {
                yield return new Slot(location, parameter["name"]!.GetValue<string>(), [], leaf.Type, leaf.Format);
            }
        }

        if (operation["requestBody"]?["content"]?["application/json"]?["schema"] is { } schema)
        {
            foreach (var slot in BodySlots(document, schema, [], 0))
            {
                yield return slot;
            }
        }
    }

    private static IEnumerable<Slot> BodySlots(JsonNode document, JsonNode? schema, string[] path, int depth)
    {
        var resolved = NonNull(document, schema);
        if (resolved is null || depth > 6)
        {
            yield break;
        }

        if (Leaf(resolved, document) is { } leaf)
        {
            yield return new Slot("body", string.Join('.', path), path, leaf.Type, leaf.Format);
            yield break;
        }

        if (TypeOf(resolved) == "array")
        {
            foreach (var slot in BodySlots(document, resolved["items"], [.. path, "0"], depth + 1))
            {
                yield return slot;
            }

            yield break;
        }

        foreach (var (name, property) in resolved["properties"]?.AsObject() ?? [])
        {
            foreach (var slot in BodySlots(document, property, [.. path, name], depth + 1))
            {
                yield return slot;
            }
        }
    }

    private static IEnumerable<object> HostileValues(Slot slot) => (slot.Type, slot.Format) switch
    {
        ("string", "date-time") => ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "2026-11-20T10:00:00Z\u0000"],
        ("string", "date") => ["9999-12-31", "0001-01-01"],
        ("string", "uuid") => ["00000000-0000-0000-0000-\u000000000000"],
        ("string", _) => ["nul\u0000inside"],
        ("integer", "int64") => [new BigNumber("9223372036854775808"), new BigNumber("-9223372036854775809")],
        ("integer", _) => [new BigNumber("2147483648"), new BigNumber("-2147483649")],
        ("number", _) => [new BigNumber("1e400")],
        _ => [],
    };

    private sealed record BigNumber(string Text);

    private static HttpRequestMessage Build(JsonNode document, string path, string method, JsonNode item, JsonNode operation,
        Dictionary<string, string> ids, Slot slot, object hostile)
    {
        var url = new StringBuilder();
        var query = new List<string>();
        foreach (var parameter in Parameters(item, operation))
        {
            var name = parameter["name"]!.GetValue<string>();
            var location = parameter["in"]?.GetValue<string>();
            var target = slot.In == location && slot.Name == name;
            if (location == "path")
            {
                path = path.Replace($"{{{name}}}", Uri.EscapeDataString(target ? Text(hostile) : PathValue(document, path, parameter, ids)),
                    StringComparison.Ordinal);
            }
            else if (location == "query" && target)
            {
                query.Add($"{Uri.EscapeDataString(name)}={Uri.EscapeDataString(Text(hostile))}");
            }
        }

        url.Append(path);
        if (query.Count > 0)
        {
            url.Append('?').Append(string.Join('&', query));
        }

        var request = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), url.ToString());
        request.Headers.TryAddWithoutValidation("If-Match", "\"1\"");
        if (operation["requestBody"]?["content"]?["application/json"]?["schema"] is { } schema)
        {
            var body = Valid(document, schema, ids, 0) ?? new JsonObject();
            if (slot.In == "body")
            {
                body = Put(body, slot.Path, hostile);
            }

            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        }

        return request;
    }

    private static JsonNode Put(JsonNode root, string[] path, object hostile)
    {
        var value = hostile is BigNumber big ? JsonNode.Parse(big.Text) : JsonValue.Create((string)hostile);
        if (path.Length == 0)
        {
            return value!;
        }

        var node = root;
        foreach (var segment in path[..^1])
        {
            node = node is JsonArray array ? array[int.Parse(segment, CultureInfo.InvariantCulture)]! : node[segment]!;
        }

        if (node is JsonArray items)
        {
            items[int.Parse(path[^1], CultureInfo.InvariantCulture)] = value;
        }
        else
        {
            node[path[^1]] = value;
        }

        return root;
    }

    /// <summary>A well-formed value for the schema: every property, real ids where an id is asked for.</summary>
    private static JsonNode? Valid(JsonNode document, JsonNode? schema, Dictionary<string, string> ids, int depth, string name = "")
    {
        var resolved = NonNull(document, schema);
        if (resolved is null || depth > 6)
        {
            return null;
        }

        if (resolved["enum"] is JsonArray members && members.Count > 0)
        {
            return members[0]?.DeepClone();
        }

        return TypeOf(resolved) switch
        {
            "object" => new JsonObject((resolved["properties"]?.AsObject() ?? []).Select(p =>
                KeyValuePair.Create(p.Key, Valid(document, p.Value, ids, depth + 1, p.Key)))),
            "array" => new JsonArray(Valid(document, resolved["items"], ids, depth + 1)),
            "integer" or "number" => JsonValue.Create(1),
            "boolean" => JsonValue.Create(true),
            "string" => JsonValue.Create(resolved["format"]?.GetValue<string>() switch
            {
                "uuid" => name.Equals("assigneeId", StringComparison.OrdinalIgnoreCase) ? ids["staff"] : ids["consumers"],
                "date-time" => "2026-11-20T10:00:00Z",
                "date" => "2026-11-20",
                "email" => "someone@example.test",
                _ => "walk",
            }),
            _ => null,
        };
    }

    private static string PathValue(JsonNode document, string path, JsonNode parameter, Dictionary<string, string> ids)
    {
        var schema = OpenApiFuzzTests.Generator.Resolve(document, parameter["schema"]);
        if (schema?["enum"] is JsonArray members && members.Count > 0)
        {
            return members[0]!.ToString();
        }

        return schema?["format"]?.GetValue<string>() switch
        {
            "uuid" => ids.FirstOrDefault(i => path.StartsWith($"/v1/{i.Key}/", StringComparison.Ordinal)).Value ?? Guid.NewGuid().ToString(),
            "date" => "2026-12-24",
            _ => "walk",
        };
    }

    private static IEnumerable<JsonNode> Parameters(JsonNode item, JsonNode operation) =>
        (item["parameters"]?.AsArray() ?? []).Concat(operation["parameters"]?.AsArray() ?? []).OfType<JsonNode>();

    private static (string Type, string? Format)? Leaf(JsonNode? schema, JsonNode document)
    {
        var resolved = NonNull(document, schema);
        return TypeOf(resolved) is "string" or "integer" or "number" && resolved?["enum"] is null
            ? (TypeOf(resolved)!, resolved?["format"]?.GetValue<string>())
            : null;
    }

    /// <summary>The schema itself, or its non-null alternative (nullable fields are oneOf/anyOf with null).</summary>
    private static JsonNode? NonNull(JsonNode document, JsonNode? schema)
    {
        var resolved = OpenApiFuzzTests.Generator.Resolve(document, schema);
        foreach (var combinator in new[] { "oneOf", "anyOf", "allOf" })
        {
            if (resolved?[combinator] is JsonArray options && options.Count > 0)
            {
                return NonNull(document, options.FirstOrDefault(o => TypeOf(OpenApiFuzzTests.Generator.Resolve(document, o)) != "null"));
            }
        }

        return resolved;
    }

    private static string? TypeOf(JsonNode? schema) => OpenApiFuzzTests.Generator.TypeOf(schema);

    private static string Text(object hostile) => hostile is BigNumber big ? big.Text : (string)hostile;

    private static string Describe(object hostile) => Text(hostile).Replace("\u0000", "\\0", StringComparison.Ordinal);

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200] + "…";

    /// <summary>The count once background work (sealing of the seed's changes) has settled: two reads a second apart agree.</summary>
    private async Task<long> SettledRowsAsync()
    {
        var last = await RowsAsync();
        for (var i = 0; i < 30; i++)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            var now = await RowsAsync();
            if (now == last)
            {
                return now;
            }

            last = now;
        }

        return last;
    }

    private Task<long> RowsAsync() => Idempotent.CountAsync(Db,
        "SELECT (SELECT count(*) FROM tenants) + (SELECT count(*) FROM audit_entries) + (SELECT count(*) FROM events) + " +
        "(SELECT count(*) FROM idempotency_keys) + (SELECT count(*) FROM platform_idempotency_keys)");
}
