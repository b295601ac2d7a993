using System.Net;
using System.Text;
using Cms.Application.Common;
using Cms.Application.Complaints;
using Cms.Application.Consumers;
using Cms.Application.Staff;
using Cms.Tests.Support;
using static Cms.Tests.Api.ApiRequests;

namespace Cms.Tests.Api;

/// <summary>
/// security.md §16: malformed JSON, wrong types, missing fields, unknown enum values, overlong strings, oversize and
/// too-deep bodies, invalid ids. Each is an RFC 9457 4xx with a clear message, no stack trace or SQL, and nothing written.
/// </summary>
[TestFixture(DatabaseKind.Sqlite)]
[TestFixture(DatabaseKind.Postgres)]
public sealed class BadInputApiTests(DatabaseKind kind) : ApiTestBase(kind)
{
    private TestTenant _tenant = null!;
    private ConsumerDto _consumer = null!;
    private ComplaintDto _complaint = null!;

    [SetUp]
    public async Task ArrangeAsync()
    {
        _tenant = await CreateTenantAsync();
        _consumer = await _tenant.RegisterConsumerAsync();
        _complaint = await _tenant.FileComplaintAsync(_consumer.Id);
    }

    /// <summary>What a bad request must leave as it was: the audit trail, the complaints, the consumer, and every table's rows and versions.</summary>
    private async Task<string> SnapshotAsync()
    {
        var audit = await AuditAsync(_tenant.Admin);
        var complaints = await Read<Page<ComplaintSummaryDto>>(await _tenant.Admin.GetAsync("/v1/complaints?limit=200"));
        var consumer = await Read<ConsumerDto>(await _tenant.Admin.GetAsync($"/v1/consumers/{_consumer.Id}"));
        var complaint = await Read<ComplaintDto>(await _tenant.Admin.GetAsync($"/v1/complaints/{_complaint.Id}"));
        return $"audit={audit.Count} last={audit[^1].Id} complaints={complaints.Items.Count} consumer=v{consumer.Version} complaint=v{complaint.Version} " +
               await DatabaseSnapshot.TakeAsync(Db);
    }

    private async Task AssertRefusedAsync(HttpRequestMessage request, HttpStatusCode status, string? field = null, HttpClient? client = null)
    {
        var before = await SnapshotAsync();
        using (request)
        {
            await AssertProblemAsync(await (client ?? _tenant.Admin).SendAsync(request), status, field);
        }

        Assert.That(await SnapshotAsync(), Is.EqualTo(before), "nothing was written");
    }

    private string ComplaintJson(string consumerId = "", string channel = "\"web\"", string description = "\"Charged twice.\"") =>
        $$"""{"consumerId":{{(consumerId.Length == 0 ? $"\"{_consumer.Id}\"" : consumerId)}},"channel":{{channel}},"product":"current_account","category":"fees","description":{{description}}}""";

    [TestCase("{\"externalRef\": \"E-1\", \"fullName\": ", TestName = "Truncated JSON")]
    [TestCase("{\"externalRef\": \"E-1\" \"fullName\": \"F\"}", TestName = "A missing comma")]
    [TestCase("{'externalRef': 'E-1'}", TestName = "Single quotes")]
    [TestCase("not json at all", TestName = "Not JSON")]
    [TestCase("[1, 2, 3]", TestName = "An array instead of an object")]
    [TestCase("{\"externalRef\": \"E-1\", \"fullName\": \"F\",}", TestName = "A trailing comma")]
    public async Task Malformed_json_is_400(string body)
    {
        var before = await SnapshotAsync();
        using var request = Raw(HttpMethod.Post, "/v1/consumers", body);
        var problem = await AssertProblemAsync(await _tenant.Admin.SendAsync(request), HttpStatusCode.BadRequest);
        Assert.That(ErrorFields(problem), Is.Not.Empty, "the errors object says where");
        Assert.That(StringOf(problem, "detail"), Is.Not.Null.And.Not.Empty);
        Assert.That(await SnapshotAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task An_empty_body_is_400()
    {
        await AssertRefusedAsync(Raw(HttpMethod.Post, "/v1/consumers", ""), HttpStatusCode.BadRequest);
        await AssertRefusedAsync(new HttpRequestMessage(HttpMethod.Post, "/v1/complaints"), HttpStatusCode.BadRequest);
    }

    [Test]
    public async Task Wrong_types_are_400_naming_the_field()
    {
        await AssertRefusedAsync(Raw(HttpMethod.Post, "/v1/consumers", """{"externalRef": 123, "fullName": "F"}"""),
            HttpStatusCode.BadRequest, "externalRef");
        await AssertRefusedAsync(Raw(HttpMethod.Post, "/v1/consumers", """{"externalRef": "E-1", "fullName": {"first": "F"}}"""),
            HttpStatusCode.BadRequest, "fullName");
        await AssertRefusedAsync(Raw(HttpMethod.Post, "/v1/complaints", ComplaintJson(consumerId: "\"not-a-guid\"")),
            HttpStatusCode.BadRequest, "consumerId");
        await AssertRefusedAsync(Raw(HttpMethod.Post, "/v1/complaints", ComplaintJson(consumerId: "42")),
            HttpStatusCode.BadRequest, "consumerId");
        await AssertRefusedAsync(Raw(HttpMethod.Post, "/v1/complaints", ComplaintJson(channel: "7")), HttpStatusCode.BadRequest, "channel");
        await AssertRefusedAsync(Raw(HttpMethod.Post, "/v1/complaints",
            ComplaintJson().Replace("}", ",\"receivedAt\":\"yesterday\"}", StringComparison.Ordinal)), HttpStatusCode.BadRequest, "receivedAt");
        await AssertRefusedAsync(Raw(HttpMethod.Post, "/v1/complaints",
            ComplaintJson().Replace("}", ",\"vulnerabilityInvolved\":\"yes\"}", StringComparison.Ordinal)), HttpStatusCode.BadRequest,
            "vulnerabilityInvolved");
        await AssertRefusedAsync(Raw(HttpMethod.Post, $"/v1/complaints/{_complaint.Id}/resolve",
            """{"outcome":"upheld","redress":{"monetary":{"amountMinor":"lots","currency":"GBP"}}}""", ifMatch: "\"1\""),
            HttpStatusCode.BadRequest, "redress.monetary.amountMinor");
        await AssertRefusedAsync(Raw(HttpMethod.Put, $"/v1/staff/{Guid.NewGuid()}/roles", """{"roles":"agent"}"""),
            HttpStatusCode.BadRequest, "roles");
    }

    [Test]
    public async Task Missing_required_fields_are_400_naming_each()
    {
        var before = await SnapshotAsync();
        var problem = await AssertProblemAsync(await _tenant.Admin.SendAsync(HttpMethod.Post, "/v1/complaints", new { }), HttpStatusCode.BadRequest);
        Assert.That(ErrorFields(problem), Is.SupersetOf(new[] { "consumerId", "channel", "product", "category", "description" }));

        problem = await AssertProblemAsync(await _tenant.Admin.SendAsync(HttpMethod.Post, "/v1/consumers", new { }), HttpStatusCode.BadRequest);
        Assert.That(ErrorFields(problem), Is.SupersetOf(new[] { "externalRef", "fullName" }));

        problem = await AssertProblemAsync(await _tenant.Admin.SendAsync(HttpMethod.Post, "/v1/staff", new { }), HttpStatusCode.BadRequest);
        Assert.That(ErrorFields(problem), Is.SupersetOf(new[] { "subject", "email", "displayName", "roles", "kind" }));

        problem = await AssertProblemAsync(await Platform.SendAsync(HttpMethod.Post, "/v1/tenants", new { name = "No Admin" }),
            HttpStatusCode.BadRequest);
        Assert.That(ErrorFields(problem), Is.SupersetOf(new[] { "sector", "jurisdiction", "admin" }));

        problem = await AssertProblemAsync(await TransitionAsync(_tenant.Admin, _complaint.Id, "resolve", _complaint.Version),
            HttpStatusCode.BadRequest);
        Assert.That(ErrorFields(problem), Does.Contain("outcome"));
        problem = await AssertProblemAsync(await TransitionAsync(_tenant.Admin, _complaint.Id, "assign", _complaint.Version),
            HttpStatusCode.BadRequest);
        Assert.That(ErrorFields(problem), Does.Contain("assigneeId"));
        problem = await AssertProblemAsync(await _tenant.Admin.SendAsync(HttpMethod.Post, $"/v1/complaints/{_complaint.Id}/notes", new { }),
            HttpStatusCode.BadRequest);
        Assert.That(ErrorFields(problem), Is.SupersetOf(new[] { "kind", "body" }));
        Assert.That(await SnapshotAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task Unknown_enum_values_are_400_naming_the_field_and_the_allowed_values()
    {
        var before = await SnapshotAsync();
        using (var request = Raw(HttpMethod.Post, "/v1/complaints", ComplaintJson(channel: "\"carrier_pigeon\"")))
        {
            var problem = await AssertProblemAsync(await _tenant.Admin.SendAsync(request), HttpStatusCode.BadRequest, "channel");
            Assert.That(problem.GetProperty("errors").GetProperty("channel")[0].GetString(), Does.Contain("web").And.Contain("partner"));
            Assert.That(problem.GetRawText(), Does.Not.Contain("carrier_pigeon"), "the input is not echoed");
        }

        await AssertRefusedAsync(Raw(HttpMethod.Post, "/v1/complaints",
            ComplaintJson().Replace("}", ",\"priority\":\"whenever\"}", StringComparison.Ordinal)), HttpStatusCode.BadRequest, "priority");
        await AssertRefusedAsync(Raw(HttpMethod.Post, $"/v1/complaints/{_complaint.Id}/resolve", """{"outcome":"sort_of"}""",
            ifMatch: "\"1\""), HttpStatusCode.BadRequest, "outcome");
        await AssertRefusedAsync(Raw(HttpMethod.Post, $"/v1/complaints/{_complaint.Id}/notes", """{"kind":"gossip","body":"B"}"""),
            HttpStatusCode.BadRequest, "kind");
        await AssertRefusedAsync(Raw(HttpMethod.Post, "/v1/complaints", ComplaintJson(channel: "\"\"")), HttpStatusCode.BadRequest, "channel");

        using (var tenant = Raw(HttpMethod.Post, "/v1/tenants",
                   """{"name":"N","sector":"casino","jurisdiction":"UK","admin":{"subject":"s","email":"a@b.co","displayName":"A"}}"""))
        {
            await AssertProblemAsync(await Platform.SendAsync(tenant), HttpStatusCode.BadRequest, "sector");
        }

        Assert.That(await SnapshotAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task Overlong_strings_are_400_naming_the_field_and_the_limit_itself_is_accepted()
    {
        var longest = new string('d', 10_000);
        await AssertRefusedAsync(Raw(HttpMethod.Post, "/v1/complaints", ComplaintJson(description: $"\"{longest}d\"")),
            HttpStatusCode.BadRequest, "description");
        await AssertRefusedAsync(Json(HttpMethod.Post, $"/v1/complaints/{_complaint.Id}/notes", new { kind = "internal", body = longest + "b" }),
            HttpStatusCode.BadRequest, "body");
        await AssertRefusedAsync(Json(HttpMethod.Post, "/v1/consumers", new { externalRef = "E-long", fullName = new string('n', 201) }),
            HttpStatusCode.BadRequest, "fullName");
        await AssertRefusedAsync(Json(HttpMethod.Post, $"/v1/complaints/{_complaint.Id}/resolve",
            new { outcome = "upheld", rootCause = new string('r', 101) }, _complaint.Version), HttpStatusCode.BadRequest, "rootCause");
        await AssertRefusedAsync(Json(HttpMethod.Post, "/v1/complaints", new
        {
            consumerId = _consumer.Id,
            channel = "web",
            product = new string('p', 101),
            category = new string('c', 101),
            description = "D",
        }), HttpStatusCode.BadRequest, "product");

        var filed = await Read<ComplaintDto>(await _tenant.Admin.SendAsync(HttpMethod.Post, "/v1/complaints", new
        {
            consumerId = _consumer.Id,
            channel = "web",
            product = new string('p', 100),
            category = new string('c', 100),
            description = longest,
        }), HttpStatusCode.Created);
        Assert.That(filed.Description, Has.Length.EqualTo(10_000));
    }

    public static IEnumerable<TestCaseData> InvalidIdRoutes()
    {
        yield return new TestCaseData("GET", "/v1/complaints/not-a-guid");
        yield return new TestCaseData("POST", "/v1/complaints/not-a-guid/acknowledge");
        yield return new TestCaseData("POST", "/v1/complaints/not-a-guid/assign");
        yield return new TestCaseData("POST", "/v1/complaints/not-a-guid/notes");
        yield return new TestCaseData("GET", "/v1/complaints/not-a-guid/history");
        yield return new TestCaseData("GET", "/v1/consumers/not-a-guid");
        yield return new TestCaseData("PATCH", "/v1/consumers/not-a-guid");
        yield return new TestCaseData("PUT", "/v1/staff/not-a-guid/roles");
        yield return new TestCaseData("POST", "/v1/staff/not-a-guid/deactivate");
        yield return new TestCaseData("GET", "/v1/complaints/123");
        yield return new TestCaseData("GET", "/v1/complaints?assigneeId=not-a-guid");
        yield return new TestCaseData("GET", "/v1/complaints?consumerId=42");
    }

    [TestCaseSource(nameof(InvalidIdRoutes))]
    public async Task An_invalid_id_is_400(string method, string path)
    {
        var request = method == "GET"
            ? new HttpRequestMessage(HttpMethod.Get, path)
            : Raw(new HttpMethod(method), path, method == "PUT" ? """{"roles":["agent"]}""" : """{"kind":"internal","body":"B","assigneeId":"00000000-0000-0000-0000-000000000001"}""", ifMatch: "\"1\"");
        await AssertRefusedAsync(request, HttpStatusCode.BadRequest);
    }

    /// <summary>
    /// A path or query value that does not bind is a validation failure like a body field's: api.md promises
    /// <c>errors</c> for validation, naming the parameter, in words for API callers rather than CLR type names.
    /// </summary>
    [TestCase("/v1/complaints/not-a-guid", "id")]
    [TestCase("/v1/consumers/not-a-guid", "id")]
    [TestCase("/v1/complaints?limit=ten", "limit")]
    [TestCase("/v1/complaints?assigneeId=not-a-guid", "assigneeId")]
    [TestCase("/v1/complaints?dueBefore=tomorrow", "dueBefore")]
    public async Task A_path_or_query_value_that_does_not_bind_is_400_naming_it_in_errors(string path, string field)
    {
        var problem = await AssertProblemAsync(await _tenant.Admin.GetAsync(path), HttpStatusCode.BadRequest);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(ErrorFields(problem), Does.Contain(field), problem.GetRawText());
            Assert.That(StringOf(problem, "detail"), Does.Not.Contain("Nullable<").And.Not.Contain("Guid "), "no CLR type names");
        }
    }

    /// <summary>A monetary redress needs its amount: a missing one must not be recorded as zero redress paid.</summary>
    [Test]
    public async Task A_monetary_redress_without_an_amount_is_400_not_a_zero_amount()
    {
        var before = await SnapshotAsync();
        using (var request = Raw(HttpMethod.Post, $"/v1/complaints/{_complaint.Id}/resolve",
                   """{"outcome":"upheld","redress":{"monetary":{"currency":"GBP"}}}""", ifMatch: "\"1\""))
        {
            var problem = await AssertProblemAsync(await _tenant.Admin.SendAsync(request), HttpStatusCode.BadRequest);
            Assert.That(ErrorFields(problem), Has.Some.StartsWith("redress.monetary"), problem.GetRawText());
        }

        Assert.That(await SnapshotAsync(), Is.EqualTo(before), "nothing was written");
    }

    [Test]
    public async Task The_empty_id_is_400_or_404_never_a_server_error()
    {
        var empty = Guid.Empty;
        using (var get = new HttpRequestMessage(HttpMethod.Get, $"/v1/complaints/{empty}"))
        {
            var response = await _tenant.Admin.SendAsync(get);
            Assert.That(response.StatusCode, Is.AnyOf(HttpStatusCode.BadRequest, HttpStatusCode.NotFound));
            await AssertProblemAsync(response, response.StatusCode);
        }

        await AssertRefusedAsync(Json(HttpMethod.Post, $"/v1/complaints/{empty}/acknowledge", new { }, 1), HttpStatusCode.BadRequest, "id");
        await AssertRefusedAsync(Json(HttpMethod.Post, $"/v1/complaints/{_complaint.Id}/assign", new { assigneeId = empty }, 1),
            HttpStatusCode.BadRequest, "assigneeId");
    }

    /// <summary>
    /// Body limits are per endpoint (Cms:Limits): 128 KiB by default, overrides by operationId. Kestrel enforces them (the
    /// service sets each request's limit from its endpoint; the in-memory test server enforces none), so this test runs
    /// the service on a real Kestrel listener over the same database, with two overrides: one raising a limit above the
    /// default (postConsumers, 256 KiB), one lowering the import's 64 GiB to 4 KiB.
    /// </summary>
    [Test]
    public async Task Body_limits_are_per_endpoint_small_by_default_and_configurable_with_413_just_over()
    {
        const int consumerLimit = 256 * 1024;
        const int importLimit = 4096;
        await using var kestrel = new CmsApiFactory(Db, new Dictionary<string, string>
        {
            ["Cms:Limits:Endpoints:postConsumers"] = consumerLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Cms:Limits:Endpoints:postConsumersImports"] = importLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        kestrel.UseKestrel(0);
        kestrel.StartServer();
        var admin = (await Read<Page<StaffDto>>(await _tenant.Admin.GetAsync("/v1/staff"))).Items.Single();
        using var client = kestrel.ClientWithToken(CmsApiFactory.TenantToken(_tenant.Id, admin.Subject));
        const int defaultLimit = 128 * 1024;

        // A JSON consumer body of exactly `bytes` bytes (ASCII), padded by a member the service ignores.
        static string Consumer(string externalRef, int bytes)
        {
            var head = "{\"externalRef\":\"" + externalRef + "\",\"fullName\":\"F\",\"padding\":\"";
            return head + new string('x', bytes - head.Length - 2) + "\"}";
        }

        // The default still applies to every endpoint without an override: POST /v1/complaints just over 128 KiB.
        var complaint = ComplaintJson()[..^1] + ",\"padding\":\"";
        var overDefault = complaint + new string('x', defaultLimit + 1 - complaint.Length - 2) + "\"}";
        Assert.That(Encoding.UTF8.GetByteCount(overDefault), Is.EqualTo(defaultLimit + 1));
        await AssertRefusedAsync(Raw(HttpMethod.Post, "/v1/complaints", overDefault), HttpStatusCode.RequestEntityTooLarge, client: client);
        using (var atDefault = Raw(HttpMethod.Post, "/v1/complaints", overDefault.Remove(complaint.Length, 1)))
        {
            await Expect(await client.SendAsync(atDefault), HttpStatusCode.Created);
        }


        // Raised: over the default but within the override is read; one byte over the override is 413, chunked too.
        Assert.That(Encoding.UTF8.GetByteCount(Consumer("E-max", consumerLimit)), Is.EqualTo(consumerLimit));
        await AssertRefusedAsync(Raw(HttpMethod.Post, "/v1/consumers", Consumer("E-over", consumerLimit + 1)),
            HttpStatusCode.RequestEntityTooLarge, client: client);
        var chunked = Raw(HttpMethod.Post, "/v1/consumers", Consumer("E-over2", consumerLimit + 1));
        chunked.Headers.TransferEncodingChunked = true;
        await AssertRefusedAsync(chunked, HttpStatusCode.RequestEntityTooLarge, client: client);
        using (var exactly = Raw(HttpMethod.Post, "/v1/consumers", Consumer("E-max", consumerLimit)))
        {
            await Expect(await client.SendAsync(exactly), HttpStatusCode.Created);
        }

        // Lowered: the import's body one byte over 4 KiB is 413 problem+json and loads nothing; at 4 KiB it is read.
        static string Import(string externalRef, int bytes)
        {
            var line = $$"""{"externalRef":"{{externalRef}}","fullName":"Ann Example"}""" + "\n";
            return line + new string('\n', bytes - line.Length); // blank lines are no records
        }

        static HttpRequestMessage ImportRequest(string body) =>
            new(HttpMethod.Post, "/v1/consumers/imports") { Content = new StringContent(body, Encoding.UTF8, "application/x-ndjson") };

        await AssertRefusedAsync(ImportRequest(Import("E-imp-over", importLimit + 1)), HttpStatusCode.RequestEntityTooLarge, client: client);
        using (var under = ImportRequest(Import("E-imp", importLimit)))
        {
            var report = await Read<Cms.Api.Import.ConsumerImportReport>(await client.SendAsync(under));
            Assert.That((report.Lines, report.Imported), Is.EqualTo((1L, 1L)));
        }

        // The over-limit requests wrote nothing (AssertRefusedAsync compared the tenant's state); the import's either.
        var page = await Read<Page<ConsumerDto>>(await client.GetAsync("/v1/consumers?externalRef=E-imp-over"));
        Assert.That(page.Items, Is.Empty);
    }

    [Test]
    public async Task Json_nested_deeper_than_32_is_400()
    {
        static string Nested(int depth) => new StringBuilder().Insert(0, "[", depth).Append(new StringBuilder().Insert(0, "]", depth)).ToString();

        await AssertRefusedAsync(Raw(HttpMethod.Post, "/v1/consumers", $$"""{"externalRef":"E-deep","fullName":"F","extra":{{Nested(40)}}}"""),
            HttpStatusCode.BadRequest);
        await AssertRefusedAsync(Raw(HttpMethod.Post, "/v1/complaints",
            ComplaintJson().Replace("}", $",\"extra\":{Nested(100)}}}", StringComparison.Ordinal)), HttpStatusCode.BadRequest);
        await AssertRefusedAsync(Raw(HttpMethod.Post, "/v1/consumers", $"{{\"externalRef\":\"E-deep\",\"fullName\":\"F\",\"extra\":{Nested(5000)}}}"),
            HttpStatusCode.BadRequest);

        // Depth within the limit is fine (unknown members are ignored).
        using var shallow = Raw(HttpMethod.Post, "/v1/consumers", $$"""{"externalRef":"E-shallow","fullName":"F","extra":{{Nested(20)}}}""");
        await Expect(await _tenant.Admin.SendAsync(shallow), HttpStatusCode.Created);
    }

    [Test]
    public async Task Bad_query_values_are_400()
    {
        await AssertRefusedAsync(new HttpRequestMessage(HttpMethod.Get, "/v1/complaints?limit=ten"), HttpStatusCode.BadRequest);
        await AssertRefusedAsync(new HttpRequestMessage(HttpMethod.Get, "/v1/complaints?overdue=maybe"), HttpStatusCode.BadRequest);
        await AssertRefusedAsync(new HttpRequestMessage(HttpMethod.Get, "/v1/complaints?dueBefore=tomorrow"), HttpStatusCode.BadRequest);
        await AssertRefusedAsync(new HttpRequestMessage(HttpMethod.Get, "/v1/complaints?receivedFrom=2026-13-45"), HttpStatusCode.BadRequest);
        await AssertRefusedAsync(new HttpRequestMessage(HttpMethod.Get, "/v1/audit?limit=99999999999"), HttpStatusCode.BadRequest);
    }

    [Test]
    public async Task A_receivedAt_in_the_future_or_over_6_years_ago_is_400_naming_it()
    {
        await AssertRefusedAsync(Json(HttpMethod.Post, "/v1/complaints", new
        {
            consumerId = _consumer.Id,
            channel = "web",
            product = "p",
            category = "c",
            description = "d",
            receivedAt = DateTimeOffset.UtcNow.AddDays(2),
        }), HttpStatusCode.BadRequest, "receivedAt");
        await AssertRefusedAsync(Json(HttpMethod.Post, "/v1/complaints", new
        {
            consumerId = _consumer.Id,
            channel = "web",
            product = "p",
            category = "c",
            description = "d",
            receivedAt = DateTimeOffset.UtcNow.AddYears(-7),
        }), HttpStatusCode.BadRequest, "receivedAt");
    }

    [Test]
    public async Task A_complaint_for_an_unknown_consumer_is_404_and_writes_nothing()
    {
        await AssertRefusedAsync(Raw(HttpMethod.Post, "/v1/complaints", ComplaintJson(consumerId: $"\"{Guid.NewGuid()}\"")), HttpStatusCode.NotFound);
    }
}
