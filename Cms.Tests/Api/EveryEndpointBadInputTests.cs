using System.Data.Common;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cms.Application.Webhooks;
using Cms.Domain.Staff;
using Cms.Tests.Support;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using static Cms.Tests.Api.ApiRequests;

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
public sealed class EveryEndpointBadInputTests(DatabaseKind kind) : ApiTestBase(kind)
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
    private JsonNode _document = null!;
    private Dictionary<string, string> _realIds = null!;

    [SetUp]
    public async Task ArrangeAsync()
    {
        _tenant = await CreateTenantAsync();
        var (agent, _) = await _tenant.AddStaffAsync(Role.Agent);
        (_, _integration) = await _tenant.AddStaffAsync(Role.Integration);
        var consumer = await _tenant.RegisterConsumerAsync();
        var complaint = await _tenant.FileComplaintAsync(consumer.Id);
        var webhook = await Read<WebhookCreatedDto>(await _tenant.Admin.SendAsync(HttpMethod.Post, "/v1/webhooks",
            new { url = "https://hooks.example.test/cms", eventTypes = new[] { "*" } }), HttpStatusCode.Created);
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
                _ => throw new AssertionException($"{operation.Id}: path parameter '{name}' is unknown to the bad-input generator"),
            };
            path = path.Replace("{" + name + "}", Uri.EscapeDataString(name == parameter ? value! : good), StringComparison.Ordinal);
        }

        return path;
    }

    private static HttpRequestMessage RequestOf(Operation operation, string path, string? body)
    {
        var request = body is null ? new HttpRequestMessage(operation.Method, path) : Raw(operation.Method, path, body);
        if (operation.Method != HttpMethod.Get)
        {
            request.Headers.TryAddWithoutValidation("If-Match", "\"1\"");
        }

        return request;
    }

    private HttpClient ClientFor(Operation operation) =>
        operation.Path.StartsWith("/v1/tenants", StringComparison.Ordinal) ? Platform
        : operation.Path.StartsWith("/v1/events", StringComparison.Ordinal) ? _integration
        : _tenant.Admin;

    private static string Normalise(string key) =>
        Regex.Replace(key.StartsWith("$.", StringComparison.Ordinal) ? key[2..] : key, @"\[\d+\]", "").ToLowerInvariant();

    /// <summary>Sends one bad request; returns a failure description or null. A 400 must name <paramref name="field"/> when given.</summary>
    private static async Task<string?> CheckAsync(HttpClient client, HttpRequestMessage request, string? field, bool notFoundAllowed = false)
    {
        var what = $"{request.Method} {request.RequestUri}";
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var status = (int)response.StatusCode;
        var shown = text.Length > 300 ? text[..300] + "…" : text;
        if (status is < 400 or >= 500 || (status != 400 && !(notFoundAllowed && status == 404)))
        {
            return $"{what}: {status} {shown}";
        }

        if (response.Content.Headers.ContentType?.MediaType != ProblemJson)
        {
            return $"{what}: {status} is not problem+json: {shown}";
        }

        foreach (var leak in new[] { "   at ", "Exception", "SELECT ", "INSERT ", "Npgsql", "SQLite", "Sqlite", ".cs:line", "System." })
        {
            if (text.Contains(leak, StringComparison.Ordinal))
            {
                return $"{what}: the body shows '{leak}': {shown}";
            }
        }

        using var document = JsonDocument.Parse(text);
        var problem = document.RootElement;
        if (!problem.TryGetProperty("status", out var stated) || stated.GetInt32() != status || StringOf(problem, "title") is null)
        {
            return $"{what}: the problem does not state its status and title: {shown}";
        }

        if (status == 400)
        {
            var keys = ErrorFields(problem).Select(Normalise).ToList();
            if (keys.Count == 0 || string.IsNullOrEmpty(StringOf(problem, "detail")))
            {
                return $"{what}: a 400 without 'errors' or 'detail': {shown}";
            }

            var wanted = field?.ToLowerInvariant();
            // The field itself, a member of it, or the object enclosing it when that object is the first problem read
            // (a nested object missing a required member is refused before its other members are looked at).
            if (wanted is not null && !keys.Any(k => k == wanted || k.StartsWith(wanted + ".", StringComparison.Ordinal) ||
                                                     (k.Contains('.', StringComparison.Ordinal) && wanted.StartsWith(k + ".", StringComparison.Ordinal))))
            {
                return $"{what}: 'errors' does not name '{field}': {shown}";
            }
        }

        return null;
    }

    // ---------------------------------------------------------------- the tests

    [Test]
    public async Task Every_JSON_body_refuses_each_kind_of_bad_body_with_a_400_naming_the_field_and_writes_nothing()
    {
        var failures = new List<string>();
        var covered = 0;
        foreach (var operation in Operations())
        {
            if (operation.Node["requestBody"]?["content"] is not JsonObject content)
            {
                continue;
            }

            if (content["application/json"]?["schema"] is not { } schema)
            {
                Assert.That(NonJsonBodies.ContainsKey(operation.Id), Is.True,
                    $"{operation.Id}: a body that is not JSON ({string.Join(", ", content.Select(c => c.Key))}): cover it or list it in NonJsonBodies");
                continue;
            }

            covered++;
            var before = await SnapshotAsync();
            var client = ClientFor(operation);
            foreach (var (what, body, field) in BadBodies(operation, schema))
            {
                if (await CheckAsync(client, RequestOf(operation, PathOf(operation), body), field) is { } failure)
                {
                    failures.Add($"{operation.Id} ({what}): {failure}");
                }
            }

            var after = await SnapshotAsync();
            if (after != before)
            {
                failures.Add($"{operation.Id}: the database changed\n  before: {before}\n  after:  {after}");
            }
        }

        Assert.That(covered, Is.GreaterThan(20), "JSON bodies found in the document");
        Assert.That(failures, Is.Empty, string.Join("\n", failures));
    }

    /// <summary>
    /// Unknown members are ignored, on every endpoint alike (api.md, reliability.md): a body with one added answers exactly
    /// as the same body without it (here a body with a wrong-typed member, so that nothing is written either way).
    /// </summary>
    [Test]
    public async Task Every_JSON_body_ignores_an_unknown_member_alike()
    {
        var failures = new List<string>();
        foreach (var operation in Operations())
        {
            if (operation.Node["requestBody"]?["content"]?["application/json"]?["schema"] is not { } schema)
            {
                continue;
            }

            var client = ClientFor(operation);
            foreach (var baseBody in new[] { "{}", "{\"zzFirst\":1}" }.Where(_ => !AllMembersOptional.ContainsKey(operation.Id))
                         .Append(BadBodies(operation, schema).First(b => b.Field is not null).Body))
            {
                var withUnknown = baseBody == "{}" ? "{\"zzUnknownMember\":{\"a\":[1,2]}}" : baseBody[..^1] + ",\"zzUnknownMember\":{\"a\":[1,2]}}";
                var (plainStatus, plainErrors) = await AnswerAsync(client, RequestOf(operation, PathOf(operation), baseBody));
                var (status, errors) = await AnswerAsync(client, RequestOf(operation, PathOf(operation), withUnknown));
                if (status != plainStatus || errors != plainErrors || status != 400)
                {
                    failures.Add($"{operation.Id}: {baseBody} → {plainStatus} [{plainErrors}], with an unknown member → {status} [{errors}]");
                }
            }
        }

        Assert.That(failures, Is.Empty, string.Join("\n", failures));

        static async Task<(int, string)> AnswerAsync(HttpClient client, HttpRequestMessage request)
        {
            using (request)
            using (var response = await client.SendAsync(request))
            {
                var text = await response.Content.ReadAsStringAsync();
                var keys = response.Content.Headers.ContentType?.MediaType == ProblemJson
                    ? ErrorFields(JsonDocument.Parse(text).RootElement).Order(StringComparer.Ordinal).ToList()
                    : [];
                return ((int)response.StatusCode, string.Join(",", keys));
            }
        }
    }

    [Test]
    public async Task Every_path_and_query_parameter_refuses_values_that_do_not_bind_invalid_cursors_and_absurd_limits()
    {
        var failures = new List<string>();
        var emptyIdFilters = new List<string>();
        var before = await SnapshotAsync();
        foreach (var operation in Operations())
        {
            var client = ClientFor(operation);
            var body = operation.Node["requestBody"]?["content"]?["application/json"] is not null ? "{}" : null;
            foreach (var parameter in operation.Node["parameters"]?.AsArray() ?? [])
            {
                var name = parameter!["name"]!.GetValue<string>();
                var where = parameter["in"]!.GetValue<string>();
                var schema = Resolve(parameter["schema"]!);
                var format = schema["format"]?.GetValue<string>();
                var type = TypeOf(schema);
                var bad = new List<(string Value, bool NotFoundAllowed)>();
                switch (where, name, type, format)
                {
                    case ("header", _, _, _):
                        continue; // If-Match and Idempotency-Key: IdempotencyApiTests, the concurrency tests
                    case (_, _, "string", "uuid"):
                        bad.Add(("not-a-uuid", false));
                        bad.Add(("123", false));
                        if (where == "path")
                        {
                            bad.Add((Guid.Empty.ToString(), true)); // the empty id names nothing: 400, or 404 as any unknown id
                        }
                        else
                        {
                            emptyIdFilters.Add($"{PathOf(operation)}?{name}={Guid.Empty}"); // a filter naming nobody finds nothing
                        }

                        break;
                    case (_, "cursor", _, _):
                        bad.Add(("not-a-cursor!", false));
                        bad.Add(("eyJub3QiOiJhIGN1cnNvciJ9", false)); // base64 of a JSON object that is no cursor
                        break;
                    case (_, "limit", _, _):
                        bad.AddRange(new[] { "-1", "0", "1001", Absurd, "ten", "1.5" }.Select(v => (v, false)));
                        break;
                    case (_, _, "integer", _):
                        bad.AddRange(new[] { "ten", Absurd, "1.5" }.Select(v => (v, where == "path"))); // a non-integer version misses the route
                        break;
                    case (_, _, "boolean", _):
                        bad.Add(("maybe", false));
                        break;
                    case (_, _, "string", "date-time" or "date"):
                    case ("path", "date", "string", _):
                    case ("query", "from" or "to" or "periodStart", "string", _):
                        bad.Add(("tomorrow", false));
                        bad.Add(("2026-13-45", false));
                        break;
                    case ("path", "kind", "string", _):
                    case ("query", "status" or "kind" or "channel", "string", _):
                        bad.Add(("zz_not_a_value", false));
                        break;
                    case ("query", "q", "string", _):
                        bad.Add(("a", false)); // no word of two characters: nothing to search for
                        break;
                    case ("query", _, "string", _) when FreeTextQueries.Contains(name):
                        continue; // a filter of free text: every value is valid
                    default:
                        failures.Add($"{operation.Id}: {where} parameter '{name}' ({schema.ToJsonString()}) is unknown to the bad-input generator");
                        continue;
                }

                foreach (var (value, notFoundAllowed) in bad)
                {
                    var path = where == "path" ? PathOf(operation, name, value) : $"{PathOf(operation)}?{name}={Uri.EscapeDataString(value)}";
                    if (await CheckAsync(client, RequestOf(operation, path, body), name, notFoundAllowed) is { } failure)
                    {
                        failures.Add($"{operation.Id} ({name}={value}): {failure}");
                    }
                }
            }
        }

        foreach (var filter in emptyIdFilters)
        {
            using var response = await _tenant.Admin.GetAsync(filter);
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.BadRequest &&
                !(response.StatusCode == HttpStatusCode.OK && text.StartsWith("{\"items\":[]", StringComparison.Ordinal)))
            {
                failures.Add($"GET {filter}: neither 400 nor an empty list: {(int)response.StatusCode} {text}");
            }
        }

        var after = await SnapshotAsync();
        Assert.That(emptyIdFilters, Is.Not.Empty, "uuid filters found in the document");
        Assert.That(failures, Is.Empty, string.Join("\n", failures));
        Assert.That(after, Is.EqualTo(before), "nothing was written");
    }

    [Test]
    public async Task A_duplicate_external_reference_is_409_and_writes_nothing()
    {
        var existing = await _tenant.RegisterConsumerAsync(externalRef: "E-DUPLICATE");
        var before = await SnapshotAsync();
        var problem = await AssertProblemAsync(await _tenant.Admin.SendAsync(HttpMethod.Post, "/v1/consumers",
            new { externalRef = existing.ExternalRef, fullName = "Someone Else" }), HttpStatusCode.Conflict);
        Assert.That(StringOf(problem, "detail"), Does.Not.Contain("Jane"), "no personal data of the existing consumer");
        Assert.That(await SnapshotAsync(), Is.EqualTo(before));
    }
}
