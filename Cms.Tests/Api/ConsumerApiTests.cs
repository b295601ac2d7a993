using System.Net;
using Cms.Application.Common;
using Cms.Application.Consumers;
using Cms.Domain.Consumers;
using Cms.Domain.Staff;
using Cms.Tests.Support;
using static Cms.Tests.Api.ApiRequests;

namespace Cms.Tests.Api;

/// <summary>/v1/consumers: registering, reading, exact-match lookup, updating with If-Match, and field validation.</summary>
[TestFixture(DatabaseKind.Sqlite)]
[TestFixture(DatabaseKind.Postgres)]
public sealed class ConsumerApiTests(DatabaseKind kind) : ApiTestBase(kind)
{
    private static object FullConsumer(string externalRef, string email = "Jane.Doe@Example.TEST") => new
    {
        externalRef,
        fullName = "  Jane Doe ",
        email,
        phone = "+44 (0)20 7946-0000",
        address = new { lines = new[] { "1 High Street", "Flat 2" }, city = "London", postcode = "SW1A 1AA", country = "GB" },
        dateOfBirth = "1980-02-29",
        vulnerability = new { drivers = new[] { "health", "life_event" }, consentRecorded = true },
    };

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    private static async Task<(ConsumerDto Consumer, string? ETag)> ReadVersioned(HttpResponseMessage response, HttpStatusCode status)
    {
        var consumer = await Read<ConsumerDto>(response, status);
        return (consumer, response.Headers.ETag?.Tag);
    }

    [Test]
    public async Task Registering_answers_201_with_location_etag_and_the_stored_consumer()
    {
        var tenant = await CreateTenantAsync();
        var (_, agent) = await tenant.AddStaffAsync(Role.Agent);
        var externalRef = Unique("CUST");
        var response = await agent.SendAsync(HttpMethod.Post, "/v1/consumers", FullConsumer($" {externalRef} "));
        var (consumer, etag) = await ReadVersioned(response, HttpStatusCode.Created);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.Headers.Location?.ToString(), Is.EqualTo($"/v1/consumers/{consumer.Id}"));
            Assert.That(etag, Is.EqualTo("\"1\""));
            Assert.That(consumer.Version, Is.EqualTo(1));
            Assert.That(consumer.ExternalRef, Is.EqualTo(externalRef), "trimmed");
            Assert.That(consumer.FullName, Is.EqualTo("Jane Doe"), "trimmed");
            Assert.That(consumer.Email, Is.EqualTo("jane.doe@example.test"), "normalised");
            Assert.That(consumer.Phone, Is.EqualTo("+44 (0)20 7946-0000"));
            Assert.That(consumer.Address!.Lines, Is.EqualTo(new[] { "1 High Street", "Flat 2" }));
            Assert.That(consumer.Address.Country, Is.EqualTo("GB"));
            Assert.That(consumer.DateOfBirth, Is.EqualTo(new DateOnly(1980, 2, 29)));
            Assert.That(consumer.Vulnerability!.Drivers, Is.EquivalentTo(new[] { VulnerabilityDriver.Health, VulnerabilityDriver.LifeEvent }));
            Assert.That(consumer.Vulnerability.ConsentRecorded, Is.True);
            Assert.That(consumer.LegalHold, Is.False);
        }

        // GET reads the same, with the same ETag.
        var (read, readTag) = await ReadVersioned(await agent.GetAsync($"/v1/consumers/{consumer.Id}"), HttpStatusCode.OK);
        Assert.That(read, Is.EqualTo(consumer with { Address = read.Address, Vulnerability = read.Vulnerability }));
        Assert.That(read.Address!.Lines, Is.EqualTo(consumer.Address!.Lines));
        Assert.That(readTag, Is.EqualTo("\"1\""));

        // The audit entry names fields, never values.
        var entry = (await AuditAsync(tenant.Admin)).Single(a => a.Action == "consumer.registered");
        Assert.That(entry.EntityId, Is.EqualTo(consumer.Id));
        Assert.That(string.Join(",", entry.ChangedFields), Does.Not.Contain("Jane").And.Not.Contain("example.test"));
    }

    [Test]
    public async Task A_minimal_consumer_needs_only_externalRef_and_fullName()
    {
        var tenant = await CreateTenantAsync();
        var consumer = await Read<ConsumerDto>(await tenant.Admin.SendAsync(HttpMethod.Post, "/v1/consumers",
            new { externalRef = Unique("MIN"), fullName = "Min" }), HttpStatusCode.Created);
        Assert.That(consumer.Email, Is.Null);
        Assert.That(consumer.Phone, Is.Null);
        Assert.That(consumer.Address, Is.Null);
        Assert.That(consumer.Vulnerability!.Drivers, Is.Empty);
    }

    [Test]
    public async Task An_unknown_consumer_is_404()
    {
        var tenant = await CreateTenantAsync();
        await AssertProblemAsync(await tenant.Admin.GetAsync($"/v1/consumers/{Guid.NewGuid()}"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await tenant.Admin.SendAsync(HttpMethod.Patch, $"/v1/consumers/{Guid.NewGuid()}", new { fullName = "X" }, 1),
            HttpStatusCode.NotFound);
    }

    [Test]
    public async Task Lookup_by_external_reference_and_by_email_ignoring_case()
    {
        var tenant = await CreateTenantAsync();
        var (_, integration) = await tenant.AddStaffAsync(Role.Integration);
        var externalRef = Unique("CUST");
        var jane = await Read<ConsumerDto>(await integration.SendAsync(HttpMethod.Post, "/v1/consumers", FullConsumer(externalRef)),
            HttpStatusCode.Created);
        var other = await tenant.RegisterConsumerAsync(email: "someone.else@example.test");

        async Task<IReadOnlyList<Guid>> Find(string query) =>
            [.. (await Read<Page<ConsumerDto>>(await integration.GetAsync($"/v1/consumers?{query}"))).Items.Select(c => c.Id)];

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await Find($"externalRef={externalRef}"), Is.EqualTo(new[] { jane.Id }));
            Assert.That(await Find($"externalRef={Uri.EscapeDataString($" {externalRef} ")}"), Is.EqualTo(new[] { jane.Id }), "trimmed");
            Assert.That(await Find($"externalRef={externalRef.ToUpperInvariant()}"), Is.Empty, "an external reference is exact");
            Assert.That(await Find("email=jane.doe@example.test"), Is.EqualTo(new[] { jane.Id }));
            Assert.That(await Find("email=JANE.DOE@EXAMPLE.TEST"), Is.EqualTo(new[] { jane.Id }), "e-mail ignores case");
            Assert.That(await Find($"email={Uri.EscapeDataString("  Jane.Doe@example.test ")}"), Is.EqualTo(new[] { jane.Id }));
            Assert.That(await Find("email=jane.doe@example.tes"), Is.Empty, "exact, not a prefix");
            Assert.That(await Find("email=someone.else@example.test"), Is.EqualTo(new[] { other.Id }));
            Assert.That(await Find($"externalRef={externalRef}&email=someone.else@example.test"), Is.Empty, "both keys must match");
            Assert.That(await Find($"externalRef=nobody"), Is.Empty);
        }
    }

    [Test]
    public async Task Lookup_by_email_finds_every_consumer_sharing_it_and_pages()
    {
        var tenant = await CreateTenantAsync();
        var ids = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await tenant.RegisterConsumerAsync(email: i % 2 == 0 ? "family@example.test" : "FAMILY@example.test")).Id);
        }

        var pages = await ReadPagesAsync<ConsumerDto>(tenant.Admin, "/v1/consumers?email=Family@Example.test", 2);
        Assert.That(pages.Select(p => p.Count), Is.EqualTo(new[] { 2, 1 }));
        Assert.That(pages.SelectMany(p => p).Select(c => c.Id), Is.EquivalentTo(ids));
    }

    [TestCase("")]
    [TestCase("?externalRef=")]
    [TestCase("?email=%20%20")]
    public async Task A_lookup_without_a_key_is_400(string query)
    {
        var tenant = await CreateTenantAsync();
        var problem = await AssertProblemAsync(await tenant.Admin.GetAsync($"/v1/consumers{query}"), HttpStatusCode.BadRequest);
        Assert.That(ErrorFields(problem), Is.Not.Empty);
        Assert.That(ErrorFields(problem), Is.SubsetOf(new[] { "externalRef", "email" }));
    }

    [Test]
    public async Task A_duplicate_external_reference_is_409_and_writes_nothing()
    {
        var tenant = await CreateTenantAsync();
        var externalRef = Unique("DUP");
        await tenant.RegisterConsumerAsync(externalRef: externalRef);
        var before = await AuditCountAsync(tenant.Admin);

        await AssertProblemAsync(await tenant.Admin.SendAsync(HttpMethod.Post, "/v1/consumers",
            new { externalRef, fullName = "Second" }), HttpStatusCode.Conflict);
        await AssertProblemAsync(await tenant.Admin.SendAsync(HttpMethod.Post, "/v1/consumers",
            new { externalRef = $"  {externalRef}  ", fullName = "Third" }), HttpStatusCode.Conflict);

        var found = await Read<Page<ConsumerDto>>(await tenant.Admin.GetAsync($"/v1/consumers?externalRef={externalRef}"));
        Assert.That(found.Items, Has.Count.EqualTo(1));
        Assert.That(await AuditCountAsync(tenant.Admin), Is.EqualTo(before));

        // Another tenant may hold the same reference for its own customer.
        var other = await CreateTenantAsync("Other Bank");
        await other.RegisterConsumerAsync(externalRef: externalRef);
    }

    [Test]
    public async Task Patch_needs_If_Match_refuses_a_stale_one_and_audits_only_the_changed_fields()
    {
        var tenant = await CreateTenantAsync();
        var (_, agent) = await tenant.AddStaffAsync(Role.Agent);
        var consumer = await Read<ConsumerDto>(await agent.SendAsync(HttpMethod.Post, "/v1/consumers", FullConsumer(Unique("CUST"))),
            HttpStatusCode.Created);
        var path = $"/v1/consumers/{consumer.Id}";
        var before = await AuditCountAsync(tenant.Admin);

        // Missing If-Match: 428. Stale: 412. Neither changes anything.
        await AssertProblemAsync(await agent.SendAsync(HttpMethod.Patch, path, new { phone = "+44 161 496 0000" }),
            HttpStatusCode.PreconditionRequired);
        await AssertProblemAsync(await agent.SendAsync(HttpMethod.Patch, path, new { phone = "+44 161 496 0000" }, ifMatch: 2),
            HttpStatusCode.PreconditionFailed);
        using (var notAnETag = Raw(HttpMethod.Patch, path, """{"phone":"+44 161 496 0000"}""", ifMatch: "*"))
        {
            await AssertProblemAsync(await agent.SendAsync(notAnETag), HttpStatusCode.BadRequest, "If-Match");
        }

        var unchanged = await Read<ConsumerDto>(await agent.GetAsync(path));
        Assert.That(unchanged.Phone, Is.EqualTo(consumer.Phone));
        Assert.That(unchanged.Version, Is.EqualTo(1));
        Assert.That(await AuditCountAsync(tenant.Admin), Is.EqualTo(before));

        // Correct If-Match: 200, new ETag; the same full name and e-mail (in another case) are no change.
        var response = await agent.SendAsync(HttpMethod.Patch, path,
            new { phone = "+44 161 496 0000", fullName = "Jane Doe", email = "JANE.DOE@example.test" }, ifMatch: 1);
        var (updated, etag) = await ReadVersioned(response, HttpStatusCode.OK);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(etag, Is.EqualTo("\"2\""));
            Assert.That(updated.Version, Is.EqualTo(2));
            Assert.That(updated.Phone, Is.EqualTo("+44 161 496 0000"));
            Assert.That(updated.FullName, Is.EqualTo("Jane Doe"));
            Assert.That(updated.Email, Is.EqualTo("jane.doe@example.test"));
            Assert.That(updated.Address!.Postcode, Is.EqualTo("SW1A 1AA"), "fields not sent stay as they were");
            Assert.That(updated.Vulnerability!.ConsentRecorded, Is.True);
        }

        var audit = await AuditAsync(tenant.Admin);
        var entry = audit.Single(a => a.Action == "consumer.updated");
        Assert.That(entry.EntityId, Is.EqualTo(consumer.Id));
        Assert.That(entry.ChangedFields, Is.EqualTo(new[] { "phone" }));

        // The old ETag is now stale; the new one works, for an address and vulnerability change.
        await AssertProblemAsync(await agent.SendAsync(HttpMethod.Patch, path, new { fullName = "Jane Smith" }, ifMatch: 1),
            HttpStatusCode.PreconditionFailed);
        var third = await Read<ConsumerDto>(await agent.SendAsync(HttpMethod.Patch, path, new
        {
            address = new { lines = new[] { "9 Low Road" }, country = "IE" },
            vulnerability = new { drivers = new[] { "capability" }, consentRecorded = true },
        }, ifMatch: 2));
        Assert.That(third.Version, Is.EqualTo(3));
        Assert.That(third.Address!.Country, Is.EqualTo("IE"));
        var last = (await AuditAsync(tenant.Admin)).Where(a => a.Action == "consumer.updated").Last();
        Assert.That(last.ChangedFields, Is.EquivalentTo(new[] { "address", "vulnerability" }));
    }

    [Test]
    public async Task A_patch_that_changes_nothing_keeps_the_version_and_writes_no_audit_entry()
    {
        var tenant = await CreateTenantAsync();
        var consumer = await Read<ConsumerDto>(await tenant.Admin.SendAsync(HttpMethod.Post, "/v1/consumers", FullConsumer(Unique("CUST"))),
            HttpStatusCode.Created);
        var before = await AuditCountAsync(tenant.Admin);
        var response = await tenant.Admin.SendAsync(HttpMethod.Patch, $"/v1/consumers/{consumer.Id}",
            new { fullName = "Jane Doe", phone = "+44 (0)20 7946-0000" }, ifMatch: 1);
        var (same, etag) = await ReadVersioned(response, HttpStatusCode.OK);
        Assert.That(same.Version, Is.EqualTo(1));
        Assert.That(etag, Is.EqualTo("\"1\""));
        Assert.That(await AuditCountAsync(tenant.Admin), Is.EqualTo(before));
    }

    public static IEnumerable<TestCaseData> InvalidFields()
    {
        yield return new TestCaseData("email", "not-an-email").SetName("email without @");
        yield return new TestCaseData("email", "two@@example.test").SetName("email with two @");
        yield return new TestCaseData("email", "jane@localhost").SetName("email without a domain dot");
        yield return new TestCaseData("email", "jane doe@example.test").SetName("email with a space");
        yield return new TestCaseData("email", new string('e', 250) + "@x.io").SetName("email too long");
        yield return new TestCaseData("phone", "call me").SetName("phone with letters");
        yield return new TestCaseData("phone", "+44 1").SetName("phone too short");
        yield return new TestCaseData("phone", "+" + new string('1', 40)).SetName("phone too long");
        yield return new TestCaseData("address.country", "gb").SetName("country in lower case");
        yield return new TestCaseData("address.country", "GBR").SetName("country of three letters");
        yield return new TestCaseData("address.country", "").SetName("country empty");
    }

    [TestCaseSource(nameof(InvalidFields))]
    public async Task An_invalid_field_is_400_naming_it_on_register_and_on_patch(string field, string value)
    {
        var tenant = await CreateTenantAsync();
        var consumer = await tenant.RegisterConsumerAsync();
        var before = await AuditCountAsync(tenant.Admin);

        object Body(bool register)
        {
            var address = new { lines = new[] { "1 High Street" }, country = field == "address.country" ? value : "GB" };
            return register
                ? new
                {
                    externalRef = Unique("BAD"),
                    fullName = "Bad Input",
                    email = field == "email" ? value : null,
                    phone = field == "phone" ? value : null,
                    address,
                }
                : new { email = field == "email" ? value : null, phone = field == "phone" ? value : null, address };
        }

        var problem = await AssertProblemAsync(await tenant.Admin.SendAsync(HttpMethod.Post, "/v1/consumers", Body(register: true)),
            HttpStatusCode.BadRequest, field);
        Assert.That(ErrorFields(problem), Is.EqualTo(new[] { field }), "only the bad field is named");
        await AssertProblemAsync(await tenant.Admin.SendAsync(HttpMethod.Patch, $"/v1/consumers/{consumer.Id}", Body(register: false), 1),
            HttpStatusCode.BadRequest, field);

        Assert.That(await AuditCountAsync(tenant.Admin), Is.EqualTo(before));
        Assert.That((await Read<ConsumerDto>(await tenant.Admin.GetAsync($"/v1/consumers/{consumer.Id}"))).Version, Is.EqualTo(1));
    }

    [Test]
    public async Task Other_invalid_consumer_fields_are_400_naming_them()
    {
        var tenant = await CreateTenantAsync();
        var before = await AuditCountAsync(tenant.Admin);
        var problem = await AssertProblemAsync(await tenant.Admin.SendAsync(HttpMethod.Post, "/v1/consumers", new
        {
            externalRef = new string('r', 101),
            fullName = "  ",
            address = new { lines = Array.Empty<string>(), postcode = new string('p', 17), country = "GB" },
            dateOfBirth = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(1),
        }), HttpStatusCode.BadRequest);
        Assert.That(ErrorFields(problem), Is.EquivalentTo(new[] { "externalRef", "fullName", "address.lines", "address.postcode", "dateOfBirth" }));

        using var unknownDriver = Raw(HttpMethod.Post, "/v1/consumers",
            """{"externalRef":"E-1","fullName":"F","vulnerability":{"drivers":["health","bad_luck"],"consentRecorded":true}}""");
        await AssertProblemAsync(await tenant.Admin.SendAsync(unknownDriver), HttpStatusCode.BadRequest, "vulnerability.drivers[1]");
        Assert.That(await AuditCountAsync(tenant.Admin), Is.EqualTo(before));
    }
}
