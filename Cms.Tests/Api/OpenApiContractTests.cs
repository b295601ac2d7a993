using System.Diagnostics;
using System.Text.Json;
using Cms.Tests.Support;
using Microsoft.AspNetCore.Hosting;

namespace Cms.Tests.Api;

/// <summary>
/// The OpenAPI document the service serves is a contract callers can work from: every operation has a summary, a unique
/// operation id, the problem responses it can return, examples for its bodies, and the whole document passes Redocly's
/// recommended-strict rules (tools/openapi-lint, installed by the test command).
/// </summary>
[TestFixture(DatabaseKind.Sqlite)]
public sealed class OpenApiContractTests(DatabaseKind kind) : ApiTestBase(kind)
{
    private JsonElement _document;
    private string _json = "";

    [OneTimeSetUp]
    public async Task ReadDocumentAsync()
    {
        using var client = Factory.CreateClient();
        _json = await client.GetStringAsync("/openapi/v1.json");
        _document = JsonDocument.Parse(_json).RootElement;
    }

    private IEnumerable<(string Name, JsonElement Operation)> Operations() =>
        from path in _document.GetProperty("paths").EnumerateObject()
        from op in path.Value.EnumerateObject()
        where op.Name is "get" or "post" or "put" or "patch" or "delete"
        select ($"{op.Name.ToUpperInvariant()} {path.Name}", op.Value);

    [Test]
    public void Every_operation_has_a_summary_a_unique_id_and_its_problem_responses()
    {
        var ids = new HashSet<string>();
        foreach (var (name, operation) in Operations())
        {
            Assert.That(operation.TryGetProperty("summary", out var summary) && summary.GetString()!.Length > 10, Is.True, name);
            Assert.That(ids.Add(operation.GetProperty("operationId").GetString()!), Is.True, $"{name}: operation id repeated");
            var responses = operation.GetProperty("responses");
            foreach (var status in new[] { "401", "403", "429" })
            {
                Assert.That(responses.TryGetProperty(status, out var problem), Is.True, $"{name} documents {status}");
                Assert.That(problem.GetProperty("content").TryGetProperty("application/problem+json", out _), Is.True, $"{name} {status}");
            }

            if (name.Contains('{', StringComparison.Ordinal))
            {
                Assert.That(responses.TryGetProperty("404", out _), Is.True, $"{name} documents 404");
            }

            if (operation.TryGetProperty("requestBody", out _))
            {
                Assert.That(responses.TryGetProperty("400", out _), Is.True, $"{name} documents 400");
            }
        }
    }

    [Test]
    public void Every_request_and_success_body_has_an_example()
    {
        var missing = new List<string>();
        foreach (var (name, operation) in Operations())
        {
            if (operation.TryGetProperty("requestBody", out var body))
            {
                missing.AddRange(from media in body.GetProperty("content").EnumerateObject()
                                 where !media.Value.TryGetProperty("example", out _)
                                 select $"{name} request {media.Name}");
            }

            missing.AddRange(from response in operation.GetProperty("responses").EnumerateObject()
                             where response.Name.StartsWith('2') && response.Value.TryGetProperty("content", out _)
                             from media in response.Value.GetProperty("content").EnumerateObject()
                             where !media.Value.TryGetProperty("example", out _)
                             select $"{name} {response.Name} {media.Name}");
        }

        Assert.That(missing, Is.Empty, "add the body type to Cms.Api/Http/OpenApiExamples.cs");
    }

    [Test]
    public void Every_problem_response_is_problem_json_with_a_description_and_an_example_of_its_status()
    {
        var wrong = new List<string>();
        var declared = 0;
        foreach (var (name, operation) in Operations())
        {
            foreach (var response in operation.GetProperty("responses").EnumerateObject().Where(r => r.Name[0] is '4' or '5'))
            {
                var what = $"{name} {response.Name}";
                declared++;
                if (!response.Value.TryGetProperty("description", out var description) || description.GetString()!.Length < 10)
                {
                    wrong.Add($"{what}: no description");
                }

                if (!response.Value.TryGetProperty("content", out var content)
                    || content.EnumerateObject().Select(m => m.Name).SingleOrDefault() != "application/problem+json")
                {
                    wrong.Add($"{what}: not (only) application/problem+json");
                    continue;
                }

                var media = content.GetProperty("application/problem+json");
                if (!media.TryGetProperty("example", out var example))
                {
                    wrong.Add($"{what}: no example");
                }
                else if (!example.TryGetProperty("status", out var status) || status.GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture) != response.Name
                         || !example.TryGetProperty("traceId", out _))
                {
                    wrong.Add($"{what}: the example is not a problem with this status and a traceId");
                }
            }
        }

        Assert.That(declared, Is.GreaterThan(100));
        Assert.That(wrong, Is.Empty);
    }

    [Test]
    public void The_reports_csv_answer_is_documented_as_csv_text()
    {
        var ok = Operations().Single(o => o.Name == "GET /v1/reports/complaints").Operation.GetProperty("responses").GetProperty("200").GetProperty("content");
        Assert.That(ok.GetProperty("application/json").GetProperty("example").ValueKind, Is.EqualTo(JsonValueKind.Object));

        var csv = ok.GetProperty("text/csv");
        Assert.That(csv.GetProperty("schema").GetProperty("type").GetString(), Is.EqualTo("string"));
        var example = csv.GetProperty("example");
        Assert.That(example.ValueKind, Is.EqualTo(JsonValueKind.String), "a CSV body, not a JSON object");
        var lines = example.GetString()!.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();
        Assert.That(lines[0], Is.EqualTo("section,product,root_cause,metric,currency,value"));
        Assert.That(lines.Skip(1), Has.Some.StartsWith("totals,"));
    }

    [Test]
    public void Changes_document_if_match_and_idempotency_key()
    {
        var operations = Operations().ToDictionary(o => o.Name, o => o.Operation);
        var acknowledge = operations["POST /v1/complaints/{id}/acknowledge"];
        Assert.That(Headers(acknowledge), Does.Contain("If-Match"));
        Assert.That(acknowledge.GetProperty("responses").TryGetProperty("428", out _), Is.True);
        var file = operations["POST /v1/complaints"];
        Assert.That(Headers(file), Does.Contain("Idempotency-Key"));
        Assert.That(file.GetProperty("responses").TryGetProperty("422", out _), Is.True);

        static IEnumerable<string> Headers(JsonElement operation) =>
            operation.GetProperty("parameters").EnumerateArray()
                .Where(p => p.GetProperty("in").GetString() == "header")
                .Select(p => p.GetProperty("name").GetString()!);
    }

    [TestCase("Development", null, true)]
    [TestCase("Production", null, false)]
    [TestCase("Production", "true", true)]
    [TestCase("Development", "false", true)] // Development always has it: the setting only turns it on elsewhere
    public async Task The_interactive_api_reference_is_on_in_Development_and_in_Production_only_when_enabled(string environment, string? enabled, bool served)
    {
        await using var factory = Factory.WithWebHostBuilder(b =>
        {
            b.UseEnvironment(environment);
            if (enabled is not null)
            {
                b.UseSetting("Cms:ApiReference:Enabled", enabled);
            }
        });
        // With a token: unknown addresses answer 401 to anonymous callers, whose answer would prove nothing here.
        var tenant = await CreateTenantAsync();
        using var client = factory.CreateClient(); // follows a redirect to the reference's canonical address
        client.DefaultRequestHeaders.Authorization = tenant.Admin.DefaultRequestHeaders.Authorization;
        using var response = await client.GetAsync("/docs");

        if (!served)
        {
            Assert.That(response.StatusCode, Is.EqualTo(System.Net.HttpStatusCode.NotFound), "off in Production unless enabled");
            Assert.That((await client.GetAsync("/openapi/v1.json")).StatusCode, Is.EqualTo(System.Net.HttpStatusCode.OK),
                "the OpenAPI document itself stays available");
            return;
        }

        Assert.That(response.StatusCode, Is.EqualTo(System.Net.HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/html"));
        var page = await response.Content.ReadAsStringAsync();
        Assert.That(page, Does.Contain("\"openapi/v1.json\""), "the reference reads the service's OpenAPI document");
        Assert.That(page, Does.Contain("\"preferredSecurityScheme\":[\"bearer\"]"), "with the bearer-token input");
        Assert.That(page, Does.Contain("<title>Complaint Management Service</title>"));

        // Anonymous callers get the page and its script too (the token is typed into the page).
        using var anonymous = factory.CreateClient();
        Assert.That((await anonymous.GetAsync("/docs")).StatusCode, Is.EqualTo(System.Net.HttpStatusCode.OK));
        Assert.That((await anonymous.GetAsync(new Uri(response.RequestMessage!.RequestUri!, "scalar.js"))).StatusCode,
            Is.EqualTo(System.Net.HttpStatusCode.OK), "the page's script is served");
    }

    [Test]
    public async Task The_document_passes_the_openapi_linter()
    {
        var redocly = Environment.GetEnvironmentVariable("CMS_TEST_REDOCLY");
        if (string.IsNullOrEmpty(redocly) || !File.Exists(redocly))
        {
            if (Environment.GetEnvironmentVariable("CMS_TEST_REQUIRE_PG") == "1")
            {
                Assert.Fail("The test command did not install the OpenAPI linter (CMS_TEST_REDOCLY); see scripts/test.sh.");
            }

            Assert.Ignore("Run through scripts/test.sh, which installs the OpenAPI linter (tools/openapi-lint).");
        }

        var directory = Path.Combine(Path.GetTempPath(), "cms-openapi-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            var documentPath = Path.Combine(directory, "openapi.json");
            await File.WriteAllTextAsync(documentPath, _json);
            var config = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(redocly)!)!)!, "redocly.yaml");
            var start = new ProcessStartInfo(redocly)
            {
                ArgumentList = { "lint", documentPath, "--config", config, "--format", "stylish" },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                Environment = { ["REDOCLY_TELEMETRY"] = "off", ["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true", ["NO_COLOR"] = "1" },
            };
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail("The OpenAPI linter did not finish within 2 minutes.");
            }

            Assert.That(process.ExitCode, Is.Zero, $"{await stdout}\n{await stderr}");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
