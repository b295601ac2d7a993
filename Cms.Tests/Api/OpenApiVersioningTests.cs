using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cms.Tests.Fuzz;
using Cms.Tests.Support;

namespace Cms.Tests.Api;

/// <summary>
/// The document as a versioned contract: the one this build serves breaks no client generated from the release baseline
/// (docs/openapi/v1.json, the versioning rule of docs/clients.md), the rule finds what it must, and every request the
/// README and docs/ show is one the document accepts (operation, required headers, body members and types).
/// </summary>
[TestFixture(DatabaseKind.Sqlite)]
public sealed partial class OpenApiVersioningTests(DatabaseKind kind) : ApiTestBase(kind)
{
    private const string BaselinePath = "docs/openapi/v1.json";
    private JsonNode _document = null!;

    [OneTimeSetUp]
    public async Task ReadDocumentAsync()
    {
        using var client = Factory.CreateClient();
        _document = JsonNode.Parse(await client.GetStringAsync("/openapi/v1.json"))!;
    }

    [Test]
    public void The_served_document_breaks_no_client_of_the_release_baseline()
    {
        var baseline = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, BaselinePath)))!;
        Assert.That(OpenApiCompatibility.BreakingChanges(baseline, _document), Is.Empty,
            $"breaking changes against {BaselinePath}: keep the old shape (add, don't change), or release a new version (docs/clients.md)");
    }

    [Test]
    public void The_versioning_rule_finds_the_breaking_changes_and_lets_additions_through()
    {
        var before = _document.DeepClone();
        Assert.That(OpenApiCompatibility.BreakingChanges(before, _document.DeepClone()), Is.Empty, "the document against itself");

        var added = _document.DeepClone();
        added["paths"]!["/v1/new-things"] = new JsonObject { ["get"] = new JsonObject { ["responses"] = new JsonObject() } };
        Schema(added, "RegisterConsumerCommand")["properties"]!["nickname"] = new JsonObject { ["type"] = "string" };
        Schema(added, "ConsumerDto")["properties"]!["nickname"] = new JsonObject { ["type"] = "string" };
        Assert.That(OpenApiCompatibility.BreakingChanges(before, added), Is.Empty, "additions");

        var removedOperation = _document.DeepClone();
        removedOperation["paths"]!.AsObject().Remove("/v1/staff/{id}");
        Assert.That(OpenApiCompatibility.BreakingChanges(before, removedOperation), Has.Some.Contains("GET /v1/staff/{id}: the operation is gone"));

        var newRequired = _document.DeepClone();
        Schema(newRequired, "RegisterConsumerCommand")["required"]!.AsArray().Add("phone");
        Assert.That(OpenApiCompatibility.BreakingChanges(before, newRequired), Has.Some.Contains("'phone' is now required"));

        var goneMember = _document.DeepClone();
        Schema(goneMember, "StaffDto")["properties"]!.AsObject().Remove("displayName");
        Assert.That(OpenApiCompatibility.BreakingChanges(before, goneMember), Has.Some.Contains("'displayName' is gone"));

        var nowNullable = _document.DeepClone();
        Schema(nowNullable, "StaffDto")["properties"]!["email"] = new JsonObject { ["type"] = new JsonArray("null", "string") };
        Assert.That(OpenApiCompatibility.BreakingChanges(before, nowNullable), Has.Some.Contains(".email: is"));

        var narrowed = _document.DeepClone();
        Schema(narrowed, "Channel")["enum"]!.AsArray().RemoveAt(0);
        Assert.That(OpenApiCompatibility.BreakingChanges(before, narrowed), Has.Some.Contains("no longer accepts"));

        var goneHeader = _document.DeepClone();
        goneHeader["paths"]!["/v1/staff"]!["post"]!["responses"]!["201"]!["headers"]!.AsObject().Remove("ETag");
        Assert.That(OpenApiCompatibility.BreakingChanges(before, goneHeader), Has.Some.Contains("the ETag header is gone"));
    }

    private static JsonNode Schema(JsonNode document, string name) => document["components"]!["schemas"]![name]!;

    [Test]
    public void Every_request_in_the_README_and_docs_is_valid_against_the_document()
    {
        var requests = DocumentedRequests().ToList();
        Assert.That(requests.Count(r => r.Body is not null), Is.GreaterThanOrEqualTo(3), "the README's requests were not found");
        var wrong = new List<string>();
        foreach (var request in requests)
        {
            if (Match(request) is not { } operation)
            {
                wrong.Add($"{request}: no such operation in the document");
                continue;
            }

            foreach (var header in (operation["parameters"]?.AsArray() ?? []).Where(p => p?["in"]?.GetValue<string>() == "header"
                         && p["required"]?.GetValue<bool>() == true).Select(p => p!["name"]!.GetValue<string>()))
            {
                if (!request.Headers.Contains(header, StringComparer.OrdinalIgnoreCase))
                {
                    wrong.Add($"{request}: lacks the required header {header}");
                }
            }

            var schema = operation["requestBody"]?["content"]?["application/json"]?["schema"];
            if (request.Body is not null)
            {
                using var body = JsonDocument.Parse(request.Body);
                wrong.AddRange(new SchemaConformance(_document, undeclaredMembers: true).Check(body.RootElement, schema).Select(v => $"{request}: {v}"));
            }
            else if (operation["requestBody"]?["required"]?.GetValue<bool>() == true)
            {
                wrong.Add($"{request}: lacks the body the operation requires");
            }
        }

        Assert.That(wrong, Is.Empty);
    }

    private sealed record DocumentedRequest(string File, string Method, string Path, IReadOnlyList<string> Headers, string? Body)
    {
        public override string ToString() => $"{File}: {Method} {Path}";
    }

    /// <summary>The curl commands to the API (/v1) in README.md and docs/*.md; placeholders such as &lt;complaint id&gt; stand for an id.</summary>
    private static IEnumerable<DocumentedRequest> DocumentedRequests()
    {
        var files = Directory.GetFiles(Path.Combine(RepoPaths.Root, "docs"), "*.md", SearchOption.AllDirectories).Prepend(Path.Combine(RepoPaths.Root, "README.md"));
        foreach (var file in files)
        {
            var text = File.ReadAllText(file).Replace("\\\n", " ", StringComparison.Ordinal);
            foreach (Match command in CurlCommand().Matches(text))
            {
                var line = Placeholder().Replace(command.Value, "0195f0a2-7c41-7b7e-9d1a-3c5e2f4b6a04");
                if (Url().Match(line) is not { Success: true } url || !url.Groups["path"].Value.StartsWith("/v1/", StringComparison.Ordinal))
                {
                    continue;
                }

                var body = Body().Match(line) is { Success: true } b ? b.Groups["body"].Value : null;
                var method = Method().Match(line) is { Success: true } m ? m.Groups["method"].Value : body is null ? "GET" : "POST";
                var headers = Header().Matches(line).Select(h => h.Groups["name"].Value).ToList();
                yield return new DocumentedRequest(Path.GetRelativePath(RepoPaths.Root, file), method, url.Groups["path"].Value, headers, body);
            }
        }
    }

    private JsonNode? Match(DocumentedRequest request)
    {
        var segments = request.Path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return (from path in _document["paths"]!.AsObject()
                let template = path.Key.Split('/', StringSplitOptions.RemoveEmptyEntries)
                where template.Length == segments.Length
                      && template.Zip(segments).All(p => p.First.StartsWith('{') || p.First == p.Second)
                orderby template.Count(t => t.StartsWith('{'))
                select path.Value?[request.Method.ToLowerInvariant()]).FirstOrDefault(o => o is not null);
    }

    [GeneratedRegex(@"curl\s[^\n]*")]
    private static partial Regex CurlCommand();

    [GeneratedRegex(@"<[^>\n]+>|\.\.\.")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"(?:https?://)?(?:localhost|127\.0\.0\.1)(?::\d+)?(?<path>/[^\s'""?]*)")]
    private static partial Regex Url();

    [GeneratedRegex(@"-d\s+'(?<body>[^']*)'")]
    private static partial Regex Body();

    [GeneratedRegex(@"-X\s+(?<method>[A-Z]+)")]
    private static partial Regex Method();

    [GeneratedRegex(@"-H\s+['""](?<name>[A-Za-z-]+):")]
    private static partial Regex Header();
}
