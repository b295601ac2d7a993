using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using static Cms.Tests.Api.ApiRequests;

namespace Cms.Tests.Api;

public sealed partial class EveryEndpointBadInputTests
{
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
        : operation.Path.EndsWith("/approve", StringComparison.Ordinal) ? _supervisor // four-eyes approval is the supervisor's alone
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
                    case ("query", "status" or "kind" or "channel" or "type", "string", _):
                        bad.Add(("zz_not_a_value", false));
                        break;
                    case ("query", "reason", "string", _):
                        bad.Add((new string('r', 501), false)); // longer than any reason may be
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
