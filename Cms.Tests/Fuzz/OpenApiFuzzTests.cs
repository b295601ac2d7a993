using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
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
public sealed partial class OpenApiFuzzTests(DatabaseKind kind) : ApiTestBase(kind)
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
}
