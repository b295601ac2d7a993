using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cms.Application.Webhooks;
using Cms.Domain.Staff;
using Cms.Tests.Support;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Cms.Tests.Api;

/// <summary>
/// security.md §16 generated from the service's own endpoint list: every operation of <c>/openapi/v1.json</c> (itself
/// checked against the route table, so a route missing from the document fails here naming it) gets the bad inputs its
/// schema allows: for a JSON body malformed JSON, a wrong type at the root and in each property (nested objects too),
/// missing fields, unknown enum values, absurdly long strings, absurd and negative numbers, JSON nested too deep and an
/// unknown member (ignored, the same answer as without it, on every endpoint); for each path and query parameter a value
/// that does not bind, the empty uuid, an invalid cursor and absurd limits. Every answer is an RFC 9457 problem+json 4xx
/// (400 naming the field in <c>errors</c> where the field is the problem), never a 5xx, no stack trace or SQL, and no row
/// of any table (nor any version) changed. A parameter or body shape the generator does not know fails the test with its
/// name, so a new endpoint is covered or refused, never silently skipped.
/// </summary>
[TestFixture(DatabaseKind.Sqlite)]
[TestFixture(DatabaseKind.Postgres)]
public sealed partial class EveryEndpointBadInputTests(DatabaseKind kind) : ApiTestBase(kind)
{
    /// <summary>Request bodies that are not JSON: covered by their own suites.</summary>
    private static readonly Dictionary<string, string> NonJsonBodies = new(StringComparer.Ordinal)
    {
        ["postConsumersImports"] = "NDJSON/CSV import: per-line errors in its report, ConsumerImportApiTests",
    };

    /// <summary>Free-text query filters: any string is a valid filter value (an unmatched one finds nothing).</summary>
    private static readonly HashSet<string> FreeTextQueries = new(StringComparer.Ordinal) { "name", "category", "externalRef", "email", "phone", "queue", "reference", "product" };

    /// <summary>Bodies whose every member may be left out: a merge patch, and settings whose absent members take their defaults.</summary>
    private static readonly Dictionary<string, string> AllMembersOptional = new(StringComparer.Ordinal)
    {
        ["patchConsumersById"] = "merge patch",
        ["patchWebhooksById"] = "merge patch",
        ["putSettingsClocks"] = "absent members take their defaults (no internal SLA, the profile's at-risk days)",
        ["postComplaintsQueue"] = "an absent or null queue takes the complaint out of its queue",
    };

    private const string Absurd = "99999999999999999999999";

    private TestTenant _tenant = null!;
    private HttpClient _integration = null!;
    private HttpClient _supervisor = null!;
    private JsonNode _document = null!;
    private Dictionary<string, string> _realIds = null!;
    private string _letterId = null!;

    [SetUp]
    public async Task ArrangeAsync()
    {
        _tenant = await CreateTenantAsync();
        var (agent, _) = await _tenant.AddStaffAsync(Role.Agent);
        (_, _integration) = await _tenant.AddStaffAsync(Role.Integration);
        (_, _supervisor) = await _tenant.AddStaffAsync(Role.Supervisor);
        var consumer = await _tenant.RegisterConsumerAsync();
        var complaint = await _tenant.FileComplaintAsync(consumer.Id);
        var webhook = await Read<WebhookCreatedDto>(await _tenant.Admin.SendAsync(HttpMethod.Post, "/v1/webhooks",
            new { url = "https://hooks.example.test/cms", eventTypes = new[] { "*" } }), HttpStatusCode.Created);
        _letterId = (await Letters.LetterApiTests.DraftAcknowledgementAsync(_tenant.Admin, complaint.Id)).Id.ToString();
        _realIds = new(StringComparer.Ordinal)
        {
            ["/v1/consumers/"] = consumer.Id.ToString(),
            ["/v1/complaints/"] = complaint.Id.ToString(),
            ["/v1/staff/"] = agent.Id.ToString(),
            ["/v1/webhooks/"] = webhook.Webhook.Id.ToString(),
            ["/v1/tenants/"] = _tenant.Id.ToString(),
        };
        using var anonymous = Factory.CreateClient();
        _document = JsonNode.Parse(await anonymous.GetStringAsync("/openapi/v1.json"))!;
    }

    private sealed record Operation(string Id, HttpMethod Method, string Path, JsonNode Node);

    private IEnumerable<Operation> Operations() =>
        from path in _document["paths"]!.AsObject()
        from op in path.Value!.AsObject()
        where op.Key is "get" or "post" or "put" or "patch" or "delete"
        select new Operation(op.Value!["operationId"]!.GetValue<string>(), new HttpMethod(op.Key.ToUpperInvariant()), path.Key, op.Value!);

    [Test]
    public void The_OpenAPI_document_lists_every_routed_API_endpoint()
    {
        var documented = Operations().Select(o => $"{o.Method} {o.Path}").ToHashSet(StringComparer.Ordinal);
        var routed = Factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.TrimStart('/').StartsWith("v1/", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [])
                .Select(m => $"{m} /{Regex.Replace(e.RoutePattern.RawText!.Trim('/'), ":[^}]+}", "}")}"))
            .ToList();
        Assert.That(routed, Has.Count.GreaterThan(50), "the route table was read");
        var missing = routed.Where(r => !documented.Contains(r)).ToList();
        Assert.That(missing, Is.Empty, "routes the bad-input suite would not reach: " + string.Join(", ", missing));
    }

    // ---------------------------------------------------------------- the database snapshot

    private Task<string> SnapshotAsync() => DatabaseSnapshot.TakeAsync(Db);

    // ---------------------------------------------------------------- schema helpers

    private JsonNode Resolve(JsonNode schema)
    {
        while (true)
        {
            if (schema["$ref"] is { } reference)
            {
                schema = _document["components"]!["schemas"]![reference.GetValue<string>().Split('/')[^1]]!;
                continue;
            }

            if ((schema["oneOf"] ?? schema["anyOf"]) is JsonArray alternatives && alternatives.Count > 0)
            {
                var options = alternatives.Where(a => a!["type"]?.ToString() != "null").ToList();
                if (options.Count == 1)
                {
                    schema = options[0]!;
                    continue;
                }
            }

            return schema;
        }
    }

    /// <summary>The one type a schema stands for: object, array, string, integer, number, boolean (nulls and the "string" of numbers set aside).</summary>
    private static string? TypeOf(JsonNode schema)
    {
        var types = schema["type"] switch
        {
            JsonArray array => array.Select(t => t!.GetValue<string>()).ToList(),
            JsonValue value => [value.GetValue<string>()],
            _ => [],
        };
        types.Remove("null");
        if (types.Contains("integer") || types.Contains("number"))
        {
            return types.Contains("integer") ? "integer" : "number";
        }

        return types.Count == 1 ? types[0] : schema["properties"] is not null ? "object" : null;
    }

    /// <summary>Every property of a body schema, nested objects included, as a dotted path with its resolved schema.</summary>
    private IEnumerable<(string[] Path, JsonNode Schema)> Properties(JsonNode schema, string[] prefix, int depth = 0)
    {
        foreach (var (name, property) in Resolve(schema)["properties"]?.AsObject() ?? [])
        {
            var path = prefix.Append(name).ToArray();
            var resolved = Resolve(property!);
            yield return (path, resolved);
            if (TypeOf(resolved) == "object" && depth < 3)
            {
                foreach (var nested in Properties(resolved, path, depth + 1))
                {
                    yield return nested;
                }
            }
        }
    }

    /// <summary>A body holding only <paramref name="value"/> at <paramref name="path"/>.</summary>
    private static string BodyWith(string[] path, string value)
    {
        var json = value;
        foreach (var name in path.Reverse())
        {
            json = $"{{{JsonSerializer.Serialize(name)}:{json}}}";
        }

        return json;
    }

    private static string Nested(int depth) => new string('[', depth) + new string(']', depth);

    /// <summary>Bad bodies for one JSON body schema: (what, body, the field <c>errors</c> must name or null).</summary>
    private IEnumerable<(string What, string Body, string? Field)> BadBodies(Operation operation, JsonNode schema)
    {
        yield return ("truncated JSON", "{\"a\": ", null);
        yield return ("single quotes", "{'a': 1}", null);
        yield return ("a trailing comma", "{\"a\": 1,}", null);
        yield return ("not JSON", "not json at all", null);
        yield return ("an empty body", "", null);
        foreach (var root in new[] { "[1, 2]", "\"text\"", "42", "true", "null" })
        {
            yield return ($"{root} at the root", root, null);
        }

        yield return ("JSON nested 40 deep", $"{{\"zzDeep\":{Nested(40)}}}", null);
        yield return ("JSON nested 5000 deep", $"{{\"zzDeep\":{Nested(5000)}}}", null);
        if (!AllMembersOptional.ContainsKey(operation.Id))
        {
            yield return ("no members", "{}", null);
        }

        foreach (var (path, property) in Properties(schema, []))
        {
            var field = string.Join('.', path);
            var type = TypeOf(property);
            var enumValues = property["enum"]?.AsArray();
            switch (type)
            {
                case "object":
                    yield return ($"{field}: a string for an object", BodyWith(path, "\"text\""), field);
                    yield return ($"{field}: a number for an object", BodyWith(path, "42"), field);
                    break;
                case "array":
                    yield return ($"{field}: a string for an array", BodyWith(path, "\"text\""), field);
                    yield return ($"{field}: an object for an array", BodyWith(path, "{}"), field);
                    var items = property["items"] is { } i ? Resolve(i) : null;
                    if (items?["enum"] is not null)
                    {
                        yield return ($"{field}: an unknown enum value in the array", BodyWith(path, "[\"zz_not_a_value\"]"), field);
                    }

                    if (items is not null && TypeOf(items) == "string" && items["enum"] is null)
                    {
                        yield return ($"{field}: an absurdly long string in the array", BodyWith(path, $"[\"{new string('x', 100_000)}\"]"), field);
                    }

                    break;
                case "string":
                    yield return ($"{field}: a number for a string", BodyWith(path, "42.5"), field);
                    yield return ($"{field}: an object for a string", BodyWith(path, "{}"), field);
                    yield return ($"{field}: an array for a string", BodyWith(path, "[\"a\"]"), field);
                    if (enumValues is not null)
                    {
                        yield return ($"{field}: an unknown enum value", BodyWith(path, "\"zz_not_a_value\""), field);
                        yield return ($"{field}: an empty enum value", BodyWith(path, "\"\""), field);
                    }
                    else
                    {
                        // Absurdly long for any field (no field takes 100 000 characters) and still within the body limit.
                        yield return ($"{field}: an absurdly long string", BodyWith(path, $"\"{new string('x', 100_000)}\""), field);
                        if (property["maxLength"] is { } max)
                        {
                            yield return ($"{field}: one over maxLength", BodyWith(path, $"\"{new string('x', max.GetValue<int>() + 1)}\""), field);
                        }
                    }

                    break;
                case "integer" or "number":
                    yield return ($"{field}: a word for a number", BodyWith(path, "\"ten\""), field);
                    yield return ($"{field}: an object for a number", BodyWith(path, "{}"), field);
                    yield return ($"{field}: a boolean for a number", BodyWith(path, "true"), field);
                    yield return ($"{field}: an absurd number", BodyWith(path, Absurd), field);
                    yield return ($"{field}: a fraction", BodyWith(path, "1.5"), field);
                    yield return ($"{field}: a negative number", BodyWith(path, "-1"), field);
                    break;
                case "boolean":
                    yield return ($"{field}: a word for a boolean", BodyWith(path, "\"maybe\""), field);
                    yield return ($"{field}: a number for a boolean", BodyWith(path, "2"), field);
                    yield return ($"{field}: an object for a boolean", BodyWith(path, "{}"), field);
                    break;
                default:
                    Assert.Fail($"{operation.Id}: body member '{field}' has a schema the bad-input generator does not know: {property.ToJsonString()}");
                    break;
            }
        }
    }

    // ---------------------------------------------------------------- requests

    private string RealId(string path) =>
        _realIds.FirstOrDefault(p => path.StartsWith(p.Key, StringComparison.Ordinal)).Value ?? Guid.NewGuid().ToString();

    /// <summary>The operation's path with well-formed values (real ids of the tenant), one parameter replaced if given.</summary>
    private string PathOf(Operation operation, string? parameter = null, string? value = null)
    {
        var path = operation.Path;
        foreach (var p in operation.Node["parameters"]?.AsArray() ?? [])
        {
            if (p!["in"]!.GetValue<string>() != "path")
            {
                continue;
            }

            var name = p["name"]!.GetValue<string>();
            var good = name switch
            {
                "id" => RealId(operation.Path),
                "kind" => "product",
                "date" => "2026-12-24",
                "version" => "1",
                "letterId" => _letterId,
                _ => throw new AssertionException($"{operation.Id}: path parameter '{name}' is unknown to the bad-input generator"),
            };
            path = path.Replace("{" + name + "}", Uri.EscapeDataString(name == parameter ? value! : good), StringComparison.Ordinal);
        }

        return path;
    }
}
