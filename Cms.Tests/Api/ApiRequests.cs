using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Cms.Api.Auth;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Tests.Support;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Cms.Tests.Api;

/// <summary>Request builders and response checks shared by the HTTP API tests (beside ApiTestBase, which others own).</summary>
internal static class ApiRequests
{
    public const string ProblemJson = "application/problem+json";

    /// <summary>Words that would show a stack trace, an exception or SQL reaching the caller.</summary>
    private static readonly string[] Leaks =
    [
        "   at ", "Exception", "StackTrace", "stackTrace", "SELECT ", "INSERT ", "UPDATE ", "DELETE ", " FROM ", "Npgsql",
        "Sqlite", "SQLite", "Cms.Infrastructure", "Cms.Application", "System.", ".cs:line",
    ];

    /// <summary>A JSON request (the web serializer options of the tests, so enums travel as wire names).</summary>
    public static HttpRequestMessage Json(HttpMethod method, string path, object? body = null, long? ifMatch = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, options: ApiTestBase.Json);
        }

        if (ifMatch is { } version)
        {
            request.Headers.TryAddWithoutValidation("If-Match", $"\"{version}\"");
        }

        return request;
    }

    /// <summary>A request with a body sent exactly as given.</summary>
    public static HttpRequestMessage Raw(HttpMethod method, string path, string body, string contentType = "application/json",
        string? ifMatch = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType) { CharSet = "utf-8" };
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return request;
    }

    public static async Task<HttpResponseMessage> SendAsync(this HttpClient client, HttpMethod method, string path, object? body = null,
        long? ifMatch = null)
    {
        using var request = Json(method, path, body, ifMatch);
        return await client.SendAsync(request);
    }

    /// <summary>
    /// Checks an RFC 9457 answer: the status, application/problem+json, type, title, status and traceId, no stack trace
    /// or SQL; with <paramref name="field"/>, an <c>errors</c> object naming that field. Returns the parsed body.
    /// </summary>
    public static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? field = null)
    {
        var text = await response.Content.ReadAsStringAsync();
        var what = $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery}";
        Assert.That(response.StatusCode, Is.EqualTo(status), $"{what}: {text}");
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo(ProblemJson), $"{what}: content type of {text}");
        using var document = JsonDocument.Parse(text);
        var problem = document.RootElement.Clone();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(problem.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.Number ? s.GetInt32() : 0,
                Is.EqualTo((int)status), $"{what}: 'status' of {text}");
            Assert.That(StringOf(problem, "title"), Is.Not.Null.And.Not.Empty, $"{what}: 'title' of {text}");
            Assert.That(StringOf(problem, "type"), Is.Not.Null.And.Not.Empty, $"{what}: 'type' of {text}");
            Assert.That(StringOf(problem, "traceId"), Is.Not.Null.And.Not.Empty, $"{what}: 'traceId' of {text}");
            foreach (var leak in Leaks)
            {
                Assert.That(text, Does.Not.Contain(leak), $"{what}: the body shows '{leak}': {text}");
            }

            if (field is not null)
            {
                Assert.That(ErrorFields(problem), Does.Contain(field), $"{what}: 'errors' should name '{field}': {text}");
            }
        }

        return problem;
    }

    /// <summary>The field names of a validation problem's <c>errors</c> object (empty when there is none).</summary>
    public static IReadOnlyList<string> ErrorFields(JsonElement problem) =>
        problem.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object
            ? [.. errors.EnumerateObject().Select(p => p.Name)]
            : [];

    public static string? StringOf(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>Reads every page of a keyset-paged list, checking each page's size.</summary>
    public static async Task<List<IReadOnlyList<T>>> ReadPagesAsync<T>(HttpClient client, string path, int limit, int maxPages = 50)
    {
        var pages = new List<IReadOnlyList<T>>();
        string? cursor = null;
        var separator = path.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        do
        {
            var url = $"{path}{separator}limit={limit}" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}");
            var page = await ApiTestBase.Read<Page<T>>(await client.GetAsync(url));
            pages.Add(page.Items);
            cursor = page.NextCursor;
            Assert.That(pages, Has.Count.LessThanOrEqualTo(maxPages), $"{path}: the cursor never ends");
        }
        while (cursor is not null);

        return pages;
    }

    /// <summary>Every audit entry of the caller's tenant, oldest first (caller: tenant_admin or auditor).</summary>
    public static async Task<List<AuditEntryDto>> AuditAsync(HttpClient client) =>
        [.. (await ReadPagesAsync<AuditEntryDto>(client, "/v1/audit", 200)).SelectMany(p => p)];

    public static async Task<int> AuditCountAsync(HttpClient client) => (await AuditAsync(client)).Count;

    /// <summary>A UTC instant to whole seconds (what every database keeps exactly).</summary>
    public static DateTimeOffset Seconds(DateTimeOffset at) => new(at.UtcTicks - (at.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);

    public static string Query(DateTimeOffset at) => Uri.EscapeDataString(at.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
}

/// <summary>Tokens the service must refuse or treat specially, minted like the real issuer but with one thing wrong.</summary>
internal static class TestTokens
{
    public static string Issue(IEnumerable<Claim> claims, string? signingKey = null, string? issuer = null, string? audience = null,
        DateTime? notBefore = null, DateTime? expires = null)
    {
        var key = Convert.FromBase64String(signingKey ?? CmsApiFactory.Auth.SigningKey!);
        var now = DateTime.UtcNow;
        var descriptor = new SecurityTokenDescriptor
        {
            Subject = new ClaimsIdentity(claims),
            Issuer = issuer ?? CmsApiFactory.Auth.Issuer,
            Audience = audience ?? CmsApiFactory.Auth.Audience,
            IssuedAt = notBefore ?? now,
            NotBefore = notBefore ?? now,
            Expires = expires ?? now.AddHours(1),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(key), SecurityAlgorithms.HmacSha256),
        };
        return new JsonWebTokenHandler().CreateToken(descriptor);
    }

    public static Claim[] Tenant(Guid tenantId, string subject) =>
        [new(CmsClaims.Subject, subject), new(CmsClaims.TenantId, tenantId.ToString())];

    public static string OtherKey { get; } = Convert.ToBase64String("another-signing-key-nobody-trusts-0123456789"u8.ToArray());
}
