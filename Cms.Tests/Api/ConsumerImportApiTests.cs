using System.Net;
using System.Security.Cryptography;
using System.Text;
using Cms.Api.Import;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Application.Consumers;
using Cms.Application.Consumers.ImportConsumers;
using Cms.Domain.Consumers;
using Cms.Domain.Staff;
using Cms.Tests.Support;

namespace Cms.Tests.Api;

/// <summary>
/// POST /v1/consumers/imports, the bulk consumer import (JSON lines and CSV), on both databases: the same rules and the
/// same sealing as registering one consumer, per-line errors that load nothing wrong, duplicates skipped, one audit entry
/// per batch, tenant_admin only, and nothing of another tenant touched.
/// </summary>
[TestFixture(DatabaseKind.Sqlite)]
[TestFixture(DatabaseKind.Postgres)]
public sealed partial class ConsumerImportApiTests(DatabaseKind kind) : ApiTestBase(kind)
{
    protected override IReadOnlyDictionary<string, string>? Settings => new Dictionary<string, string>
    {
        ["Cms:Import:BatchSize"] = "100",
        ["Cms:Import:BatchesAhead"] = "2",
    };

    private static string Line(string externalRef, string email = "Ann.Example@Example.TEST") =>
        $$$"""{"externalRef":"{{{externalRef}}}","fullName":" Ann Example ","email":"{{{email}}}","phone":"+44 20 7946 0001","address":{"lines":["1 Main Road"],"city":"Leeds","postcode":"LS1 1AA","country":"GB"},"dateOfBirth":"1975-06-01","vulnerability":{"drivers":["health"],"consentRecorded":true}}""";

    private static Task<HttpResponseMessage> ImportAsync(HttpClient client, string body, string mediaType = "application/x-ndjson") =>
        client.PostAsync("/v1/consumers/imports", new StringContent(body, Encoding.UTF8, mediaType));

    private static async Task<ConsumerDto?> FindAsync(HttpClient client, string externalRef)
    {
        var page = await Read<Page<ConsumerDto>>(await client.GetAsync($"/v1/consumers?externalRef={Uri.EscapeDataString(externalRef)}"));
        return page.Items.SingleOrDefault();
    }

    private async Task<IReadOnlyList<AuditEntryDto>> ImportAuditAsync(TestTenant tenant)
    {
        var page = await Read<Page<AuditEntryDto>>(await tenant.Admin.GetAsync("/v1/audit?limit=200"));
        return [.. page.Items.Where(e => e.Action == "consumer.imported")];
    }

    [Test]
    public async Task Json_lines_load_sealed_consumers_and_report_every_refused_line_by_number()
    {
        var tenant = await CreateTenantAsync();
        var existing = await tenant.RegisterConsumerAsync(externalRef: "EXISTING-1");
        var body = string.Join("\n",
            Line("IMP-1"),
            Line("IMP-2", "second@example.test"),
            "{ this is not json",
            """{"externalRef":"IMP-BAD","fullName":"","email":"not-an-email"}""",
            Line(" EXISTING-1 "),
            "",
            Line("IMP-1"),
            Line("IMP-3")) + "\n";

        var report = await Read<ConsumerImportReport>(await ImportAsync(tenant.Admin, body));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(report.Lines, Is.EqualTo(7), "the blank line is no record");
            Assert.That(report.Imported, Is.EqualTo(3));
            Assert.That(report.Duplicates, Is.EqualTo(2));
            Assert.That(report.Rejected, Is.EqualTo(2));
            Assert.That(report.Errors.Select(e => (e.Line, e.Code)).Distinct(), Is.EqualTo(new[]
            {
                (3L, ImportConsumersHandler.UnreadableCode),
                (4L, ImportConsumersHandler.InvalidCode),
                (5L, ImportConsumersHandler.DuplicateCode),
                (7L, ImportConsumersHandler.DuplicateCode),
            }));
            Assert.That(report.Errors.Where(e => e.Line == 4).Select(e => e.Field), Is.SupersetOf(new[] { "fullName", "email" }));
            Assert.That(string.Join("\n", report.Errors.Select(e => e.Message)), Does.Not.Contain("not-an-email").And.Not.Contain("this is not"),
                "errors never repeat the file's content");
        }

        // Read back through the normal path: blind-index lookup and decryption work exactly as for a registered consumer.
        var imported = await FindAsync(tenant.Admin, "IMP-1");
        Assert.That(imported, Is.Not.Null);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(imported!.FullName, Is.EqualTo("Ann Example"));
            Assert.That(imported.Email, Is.EqualTo("ann.example@example.test"));
            Assert.That(imported.Address!.City, Is.EqualTo("Leeds"));
            Assert.That(imported.DateOfBirth, Is.EqualTo(new DateOnly(1975, 6, 1)));
            Assert.That(imported.Vulnerability!.Drivers, Is.EqualTo(new[] { VulnerabilityDriver.Health }));
            Assert.That(imported.Version, Is.EqualTo(1));
        }

        var byEmail = await Read<Page<ConsumerDto>>(await tenant.Admin.GetAsync("/v1/consumers?email=SECOND@example.test"));
        Assert.That(byEmail.Items.Select(c => c.ExternalRef), Is.EqualTo(new[] { "IMP-2" }));
        Assert.That(await FindAsync(tenant.Admin, "IMP-BAD"), Is.Null, "a refused line loads nothing");
        var unchanged = await FindAsync(tenant.Admin, "EXISTING-1");
        Assert.That(unchanged!.Id, Is.EqualTo(existing.Id));
        Assert.That(unchanged.FullName, Is.EqualTo(existing.FullName), "a duplicate never overwrites");

        var audit = await ImportAuditAsync(tenant);
        Assert.That(audit, Has.Count.EqualTo(1), "one audit entry per batch");
        Assert.That(audit[0].EntityType, Is.EqualTo(AuditTrail.ConsumerImport));
        Assert.That(audit[0].EntityId, Is.EqualTo(report.ImportId));
    }

    [Test]
    public async Task Personal_data_of_imported_consumers_is_stored_as_ciphertext_only()
    {
        var tenant = await CreateTenantAsync();
        await Read<ConsumerImportReport>(await ImportAsync(tenant.Admin, Line("CIPHER-1", "cipher.check@example.test")));
        await using var connection = Db.OpenPrivileged();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT sealed_fields, email_bidx, COALESCE(full_name, email, external_ref, phone, address, date_of_birth, vulnerability) FROM consumers";
        await using var reader = await command.ExecuteReaderAsync();
        Assert.That(await reader.ReadAsync(), Is.True);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(reader.GetString(0), Does.StartWith("v2:").And.Not.Contain("Ann Example").And.Not.Contain("cipher.check").And.Not.Contain("CIPHER-1"),
                "no field in clear (a whole value: a short one turns up in base64 by chance)");
            Assert.That(reader.GetString(1), Has.Length.EqualTo(64));
            Assert.That(reader.IsDBNull(2), Is.True, "the fields are sealed together, none in a column of its own");
        }
    }

    /// <summary>
    /// The stored format, opened here without the service's code, from the master key, the tenant key vault's file and the
    /// documented layout alone (security.md; ConsumerEncryption migration; <see cref="TenantKeyLayout"/>): tenant key =
    /// AES-256-GCM under the vault key, then under the master key, data key = AES-256-GCM
    /// under the tenant key ("t1:" + base64), the seven fields sealed together in sealed_fields, "v2:" + base64 of nonce |
    /// ciphertext | tag under the data key with "cms|tenant|consumers|sealed_fields|consumer" as associated data, each field
    /// a 32-bit big-endian length then its UTF-8 (ADR 0024; <see cref="TenantKeyLayout.OpenConsumerFields"/>), blind index = hex HMAC-SHA-256 of "column\nvalue" under
    /// HKDF(tenant key, "cms/consumers/blind-index/v1"). The bulk import and the single registration must both write it,
    /// and every nonce and data key must be fresh.
    /// </summary>
    [Test]
    public async Task Imported_and_registered_consumers_are_sealed_in_the_documented_format_with_fresh_nonces()
    {
        var tenant = await CreateTenantAsync();
        var registered = await tenant.RegisterConsumerAsync(externalRef: "FMT-ONE", email: "one@example.test");
        var bulk = string.Join("\n", Enumerable.Range(1, 150).Select(i => Line($"FMT-{i}", $"bulk.{i}@example.test"))) + "\n";
        Assert.That((await Read<ConsumerImportReport>(await ImportAsync(tenant.Admin, bulk))).Imported, Is.EqualTo(150));

        await using var connection = Db.OpenPrivileged();
        byte[]? tenantKey = null;
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT tenant_id, version, wrapped_key, master_key_version FROM tenant_keys";
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                if (reader.GetGuid(0) == tenant.Id)
                {
                    Assert.That((reader.GetInt32(1), reader.GetString(3)), Is.EqualTo((1, "1")));
                    Assert.That(reader.GetString(2), Does.StartWith("vault:"), "behind the tenant key vault");
                    tenantKey = TenantKeyLayout.Open(Convert.FromBase64String(CmsApiFactory.MasterKey), Db.KeyVaultDirectory, tenant.Id, 1, reader.GetString(2));
                }
            }
        }

        Assert.That(tenantKey, Is.Not.Null.And.Length.EqualTo(32));
        var blindIndexKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, tenantKey!, 32, [], "cms/consumers/blind-index/v1"u8.ToArray());
        string BlindIndex(string column, string value) =>
            Convert.ToHexStringLower(HMACSHA256.HashData(blindIndexKey, Encoding.UTF8.GetBytes($"{column}\n{value}")));

        var nonces = new HashSet<string>();
        var dataKeys = new HashSet<string>();
        var opened = new Dictionary<string, (Guid Id, string Email)>();
        await using (var command = connection.CreateCommand())
        {
            command.CommandText =
                """
                SELECT c.tenant_id, c.id, c.sealed_fields, c.external_ref_bidx, c.email_bidx, k.wrapped_key
                FROM consumers c JOIN consumer_keys k ON k.tenant_id = c.tenant_id AND k.consumer_id = c.id
                """;
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                if (reader.GetGuid(0) != tenant.Id)
                {
                    continue;
                }

                var id = reader.GetGuid(1);
                var wrapped = reader.GetString(5);
                Assert.That(wrapped, Does.StartWith("t1:"));
                var wrappedBytes = Convert.FromBase64String(wrapped[3..]);
                var dataKey = Open(tenantKey!, wrappedBytes, $"cms|{tenant.Id:D}|consumer_keys|{id:D}");
                Assert.That(dataKeys.Add(Convert.ToHexString(dataKey)), Is.True, "a fresh data key per consumer");
                Assert.That(nonces.Add(Convert.ToHexString(wrappedBytes, 0, 12)), Is.True, "a fresh nonce per sealed value");
                var stored = reader.GetString(2);
                var sealedBytes = Convert.FromBase64String(stored[3..]);
                Assert.That(nonces.Add(Convert.ToHexString(sealedBytes, 0, 12)), Is.True, "a fresh nonce per sealed value");
                var fields = TenantKeyLayout.OpenConsumerFields(dataKey, stored, tenant.Id, id);
                var externalRef = fields["external_ref"]!;
                var email = fields["email"]!;
                Assert.That(fields["full_name"], Is.Not.Empty);
                using (Assert.EnterMultipleScope())
                {
                    Assert.That(reader.GetString(3), Is.EqualTo(BlindIndex("external_ref", externalRef)));
                    Assert.That(reader.GetString(4), Is.EqualTo(BlindIndex("email", email)));
                }

                opened[externalRef] = (id, email);
            }
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(opened, Has.Count.EqualTo(151));
            Assert.That(opened["FMT-ONE"], Is.EqualTo((registered.Id, "one@example.test")));
            Assert.That(opened["FMT-77"].Email, Is.EqualTo("bulk.77@example.test"));
        }
    }

    private static byte[] Open(byte[] key, byte[] sealedBytes, string associatedData) => TenantKeyLayout.Open(key, sealedBytes, associatedData);

    [Test]
    public async Task Running_the_same_import_again_loads_nothing_new_and_writes_no_audit_entry()
    {
        var tenant = await CreateTenantAsync();
        var body = Line("AGAIN-1") + "\n" + Line("AGAIN-2") + "\n";
        var first = await Read<ConsumerImportReport>(await ImportAsync(tenant.Admin, body));
        var second = await Read<ConsumerImportReport>(await ImportAsync(tenant.Admin, body));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(first.Imported, Is.EqualTo(2));
            Assert.That(second.Imported, Is.Zero);
            Assert.That(second.Duplicates, Is.EqualTo(2));
        }

        Assert.That(await ImportAuditAsync(tenant), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Csv_with_a_header_quoted_fields_and_line_breaks_inside_quotes_loads()
    {
        var tenant = await CreateTenantAsync();
        const string Body =
            "\uFEFFexternalRef,fullName,email,dateOfBirth,addressLine1,addressLine2,city,postcode,country,vulnerabilityDrivers,consentRecorded\r\n" +
            "CSV-1,\"Doe, Jane\",jane@example.test,1980-02-29,\"1 High St\nBack door\",,London,SW1A 1AA,GB,health|capability,true\r\n" +
            "CSV-2,\"Quote \"\"Q\"\" Person\",,,,,,,,,\r\n" +
            "CSV-3,Bad Date,,29/02/1980,,,,,,,\r\n" +
            "CSV-4,Too few fields\r\n";

        var report = await Read<ConsumerImportReport>(await ImportAsync(tenant.Admin, Body, "text/csv"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(report.Imported, Is.EqualTo(2));
            Assert.That(report.Rejected, Is.EqualTo(2));
            Assert.That(report.Errors.Select(e => e.Line), Is.EqualTo(new[] { 5L, 6L }), "line numbers count the line inside the quotes");
        }

        var jane = await FindAsync(tenant.Admin, "CSV-1");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(jane!.FullName, Is.EqualTo("Doe, Jane"));
            Assert.That(jane.Address!.Lines, Is.EqualTo(new[] { "1 High St\nBack door" }));
            Assert.That(jane.Vulnerability!.Drivers, Is.EquivalentTo(new[] { VulnerabilityDriver.Health, VulnerabilityDriver.Capability }));
            Assert.That(jane.Vulnerability.ConsentRecorded, Is.True);
        }

        Assert.That((await FindAsync(tenant.Admin, "CSV-2"))!.FullName, Is.EqualTo("Quote \"Q\" Person"));
    }

    [Test]
    public async Task A_csv_header_with_an_unknown_or_missing_column_refuses_the_whole_file()
    {
        var tenant = await CreateTenantAsync();
        var unknown = await ImportAsync(tenant.Admin, "externalRef,fullName,password\nX,Y,Z\n", "text/csv");
        await Expect(unknown, HttpStatusCode.BadRequest);
        Assert.That(await unknown.Content.ReadAsStringAsync(), Does.Contain("import.bad_format"));
        await Expect(await ImportAsync(tenant.Admin, "externalRef,email\nX,a@b.test\n", "text/csv"), HttpStatusCode.BadRequest);
        Assert.That(await FindAsync(tenant.Admin, "X"), Is.Null);
    }

    [Test]
    public async Task Other_media_types_get_415()
    {
        var tenant = await CreateTenantAsync();
        await Expect(await ImportAsync(tenant.Admin, Line("M-1"), "application/json"), HttpStatusCode.UnsupportedMediaType);
        Assert.That(await FindAsync(tenant.Admin, "M-1"), Is.Null);
    }

    [Test]
    public async Task Only_a_tenant_admin_may_import_and_a_refused_import_loads_nothing()
    {
        var tenant = await CreateTenantAsync();
        var (_, agent) = await tenant.AddStaffAsync(Role.Agent, Role.Supervisor);
        await Expect(await ImportAsync(agent, Line("DENIED-1")), HttpStatusCode.Forbidden);
        Assert.That(await FindAsync(tenant.Admin, "DENIED-1"), Is.Null);
        Assert.That(Permissions.RolesFor(UseCase.ImportConsumers), Is.EqualTo(new[] { Role.TenantAdmin }));
    }

    [Test]
    public async Task An_import_lands_in_the_callers_tenant_only()
    {
        var a = await CreateTenantAsync("Tenant A");
        var b = await CreateTenantAsync("Tenant B");
        await Read<ConsumerImportReport>(await ImportAsync(a.Admin, Line("SHARED-REF")));
        Assert.That(await FindAsync(b.Admin, "SHARED-REF"), Is.Null);

        // The same external reference is free in B: references are unique per tenant.
        var inB = await Read<ConsumerImportReport>(await ImportAsync(b.Admin, Line("SHARED-REF")));
        Assert.That(inB.Imported, Is.EqualTo(1));
    }

    [Test]
    public async Task Many_batches_load_every_line_once_and_the_first_line_of_a_repeated_reference_wins()
    {
        var tenant = await CreateTenantAsync();
        const int Count = 1_000;
        var body = string.Join("\n", Enumerable.Range(1, Count).Select(i => Line($"MANY-{i}", $"many{i}@example.test")))
                   + "\n" + Line("MANY-7") + "\n";
        // This fixture runs with batches of 100 (Settings): eleven batches, two parsed ahead of the one being written. The
        // last line repeats the reference of line 7: batches are written in file order, so line 1001 is the duplicate.
        var report = await Read<ConsumerImportReport>(await ImportAsync(tenant.Admin, body));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(report.Imported, Is.EqualTo(Count));
            Assert.That(report.Duplicates, Is.EqualTo(1));
            Assert.That(report.Errors.Single().Line, Is.EqualTo(Count + 1));
        }

        Assert.That(await ImportAuditAsync(tenant), Has.Count.EqualTo(10), "one audit entry per batch of 100");

        Assert.That((await FindAsync(tenant.Admin, "MANY-999"))!.Email, Is.EqualTo("many999@example.test"));
        Assert.That((await FindAsync(tenant.Admin, "MANY-7"))!.Email, Is.EqualTo("many7@example.test"), "line 7 was loaded, not line 1001");
    }
}
