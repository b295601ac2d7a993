using System.Data.Common;
using System.Net;
using System.Net.Http.Json;
using Cms.Application.Audit;
using Cms.Application.Audit.VerifyAuditChain;
using Cms.Application.Common;
using Cms.Application.Complaints;
using Cms.Application.Consumers;
using Cms.Domain.Staff;
using Cms.Infrastructure.Crypto;
using Cms.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Cms.Tests.Privacy;

/// <summary>
/// security.md 10–12 through the API on both databases: no plaintext personal data at rest (a superuser's pg_dump, the
/// SQLite file's bytes), ciphertext bound to its tenant, row and column, blind-index lookups, erasure by destroying the
/// consumer's key (complaints and the audit chain survive), legal hold, and master-key rotation.
/// </summary>
[TestFixture(DatabaseKind.Sqlite)]
[TestFixture(DatabaseKind.Postgres)]
public sealed class ConsumerPrivacyApiTests(DatabaseKind kind) : ApiTestBase(kind)
{
    private sealed record Probe(string ExternalRef, string FullName, string Email, string Phone, string AddressLine, string City);

    private static Probe NewProbe(string tag) => new(
        $"PLAINREF-{tag}-7731",
        $"Zebulon Quixotic-Fairweather {tag}",
        $"zebulon.{tag.ToLowerInvariant()}@plaintext-probe.test",
        "+44 7700 900123",
        $"42 Marmalade Crescent {tag}",
        "Llanfairpwllgwyngyll");

    private static async Task<ConsumerDto> RegisterAsync(HttpClient client, Probe probe) =>
        await Read<ConsumerDto>(await client.PostAsJsonAsync("/v1/consumers", new
        {
            externalRef = probe.ExternalRef,
            fullName = probe.FullName,
            email = probe.Email,
            phone = probe.Phone,
            address = new { lines = new[] { probe.AddressLine, "Flat 9" }, city = probe.City, postcode = "LL61 5UJ", country = "GB" },
            dateOfBirth = "1961-02-03",
            vulnerability = new { drivers = new[] { "health" }, consentRecorded = true },
        }, Json), HttpStatusCode.Created);

    [Test]
    public async Task A_superuser_sees_no_plaintext_personal_data_at_rest()
    {
        var a = await CreateTenantAsync();
        var b = await CreateTenantAsync("Other Bank");
        var probes = new[] { NewProbe("ALPHA"), NewProbe("BRAVO") };
        var first = await RegisterAsync(a.Admin, probes[0]);
        await RegisterAsync(b.Admin, probes[1]);
        await a.FileComplaintAsync(first.Id);

        // The API reads them back in plaintext...
        var read = await Read<ConsumerDto>(await a.Admin.GetAsync($"/v1/consumers/{first.Id}"));
        Assert.That(read.FullName, Is.EqualTo(probes[0].FullName));

        // ...but nothing at rest holds it.
        var atRest = await DumpAsync();
        Assert.That(atRest, Does.Contain(first.Id.ToString("D")).IgnoreCase, "the dump holds the data (sanity check)");
        using (Assert.EnterMultipleScope())
        {
            foreach (var probe in probes)
            {
                foreach (var plaintext in new[] { probe.ExternalRef, probe.FullName, "Zebulon", "Quixotic", probe.Email, "plaintext-probe",
                             probe.Phone, "7700 900123", probe.AddressLine, "Marmalade", probe.City, "1961-02-03" })
                {
                    Assert.That(atRest, Does.Not.Contain(plaintext).IgnoreCase, $"plaintext '{plaintext}' found at rest");
                }
            }
        }
    }

    [Test]
    public async Task Ciphertext_copied_to_another_row_or_tenant_does_not_decrypt()
    {
        var a = await CreateTenantAsync();
        var b = await CreateTenantAsync("Other Bank");
        var source = await RegisterAsync(a.Admin, NewProbe("SOURCE"));
        var sameTenant = await RegisterAsync(a.Admin, NewProbe("TARGET"));
        var otherTenant = await RegisterAsync(b.Admin, NewProbe("FOREIGN"));

        // The fields are sealed together (ADR 0024): the value moved whole to another row of the tenant or to another tenant.
        await SqlAsync($"UPDATE consumers SET sealed_fields = (SELECT sealed_fields FROM consumers WHERE id = {Literal(source.Id)}) WHERE id = {Literal(sameTenant.Id)}");
        await SqlAsync($"UPDATE consumers SET sealed_fields = (SELECT sealed_fields FROM consumers WHERE id = {Literal(source.Id)}) WHERE id = {Literal(otherTenant.Id)}");
        // Another column of the same row, read as a field sealed on its own: the column is bound too.
        var third = await RegisterAsync(a.Admin, NewProbe("COLUMN"));
        await SqlAsync($"UPDATE consumers SET full_name = 'v1:' || substr(sealed_fields, 4), sealed_fields = NULL WHERE id = {Literal(third.Id)}");

        foreach (var (client, id) in new[] { (a.Admin, sameTenant.Id), (b.Admin, otherTenant.Id), (a.Admin, third.Id) })
        {
            var response = await client.GetAsync($"/v1/consumers/{id}");
            var body = await response.Content.ReadAsStringAsync();
            using (Assert.EnterMultipleScope())
            {
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.InternalServerError), body);
                Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
                Assert.That(body, Does.Not.Contain("SOURCE").And.Not.Contain("Zebulon").And.Not.Contain("plaintext-probe"));
                Assert.That(body, Does.Not.Contain("Cryptographic").And.Not.Contain("tag").And.Not.Contain("   at "));
            }
        }

        // The source itself is untouched and readable.
        var intact = await Read<ConsumerDto>(await a.Admin.GetAsync($"/v1/consumers/{source.Id}"));
        Assert.That(intact.FullName, Is.EqualTo(NewProbe("SOURCE").FullName));
    }

    [Test]
    public async Task Lookups_by_email_phone_and_external_reference_go_through_the_blind_indexes()
    {
        var a = await CreateTenantAsync();
        var probe = NewProbe("LOOKUP");
        var consumer = await RegisterAsync(a.Admin, probe);
        await RegisterAsync(a.Admin, NewProbe("NOISE") with { Phone = "+44 20 7946 0999" });

        async Task<IReadOnlyList<ConsumerDto>> Find(string query) =>
            (await Read<Page<ConsumerDto>>(await a.Admin.GetAsync($"/v1/consumers?{query}"))).Items;

        using (Assert.EnterMultipleScope())
        {
            Assert.That((await Find($"email={Uri.EscapeDataString("  " + probe.Email.ToUpperInvariant() + " ")}")).Select(c => c.Id),
                Is.EqualTo(new[] { consumer.Id }));
            Assert.That((await Find($"externalRef={Uri.EscapeDataString(" " + probe.ExternalRef + " ")}")).Select(c => c.Id),
                Is.EqualTo(new[] { consumer.Id }));
            Assert.That((await Find($"phone={Uri.EscapeDataString("+44 (7700) 900-123")}")).Select(c => c.Id), Is.EqualTo(new[] { consumer.Id }));
            Assert.That((await Find($"email={Uri.EscapeDataString(probe.Email)}&phone={Uri.EscapeDataString("+44 20 7946 0999")}")), Is.Empty);
            Assert.That(await Find("email=nobody%40example.test"), Is.Empty);
            Assert.That(await Find($"externalRef={Uri.EscapeDataString(probe.ExternalRef.ToLowerInvariant())}"), Is.Empty,
                "external references are case-sensitive");
        }

        var found = (await Find($"email={Uri.EscapeDataString(probe.Email)}")).Single();
        Assert.That(found.FullName, Is.EqualTo(probe.FullName));

        // The external reference stays unique per tenant through its blind index.
        var duplicate = await a.Admin.PostAsJsonAsync("/v1/consumers", new { externalRef = probe.ExternalRef, fullName = "Someone Else" }, Json);
        Assert.That(duplicate.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
    }

    [Test]
    public async Task The_same_email_in_two_tenants_gets_different_blind_indexes()
    {
        var a = await CreateTenantAsync();
        var b = await CreateTenantAsync("Other Bank");
        var inA = await a.RegisterConsumerAsync(email: "shared.person@example.test");
        var inB = await b.RegisterConsumerAsync(email: "Shared.Person@Example.test");
        var inA2 = await a.RegisterConsumerAsync(email: "SHARED.person@example.test");

        var indexA = await ScalarAsync($"SELECT email_bidx FROM consumers WHERE id = {Literal(inA.Id)}");
        var indexB = await ScalarAsync($"SELECT email_bidx FROM consumers WHERE id = {Literal(inB.Id)}");
        var indexA2 = await ScalarAsync($"SELECT email_bidx FROM consumers WHERE id = {Literal(inA2.Id)}");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(indexA, Has.Length.EqualTo(64));
            Assert.That(indexB, Has.Length.EqualTo(64));
            Assert.That(indexA, Is.Not.EqualTo(indexB), "two tenants, two blind-index keys");
            Assert.That(indexA2, Is.EqualTo(indexA), "one tenant, one normalised e-mail, one index");
        }

        var inBOnly = await Read<Page<ConsumerDto>>(await b.Admin.GetAsync("/v1/consumers?email=shared.person%40example.test"));
        Assert.That(inBOnly.Items.Select(c => c.Id), Is.EqualTo(new[] { inB.Id }));
    }

    [Test]
    public async Task Erasure_destroys_the_key_and_keeps_complaints_and_the_audit_chain()
    {
        var tenant = await CreateTenantAsync();
        var (_, auditor) = await tenant.AddStaffAsync(Role.Auditor);
        var (_, agent) = await tenant.AddStaffAsync(Role.Agent);
        var probe = NewProbe("ERASE");
        var consumer = await RegisterAsync(tenant.Admin, probe);
        var complaint = await tenant.FileComplaintAsync(consumer.Id);

        Assert.That((await agent.PostAsync($"/v1/consumers/{consumer.Id}/erasure", null)).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));

        var erased = await Read<ConsumerDto>(await tenant.Admin.PostAsync($"/v1/consumers/{consumer.Id}/erasure", null));
        var reread = await Read<ConsumerDto>(await tenant.Admin.GetAsync($"/v1/consumers/{consumer.Id}"));
        foreach (var dto in new[] { erased, reread })
        {
            using (Assert.EnterMultipleScope())
            {
                Assert.That(dto.Id, Is.EqualTo(consumer.Id));
                Assert.That(dto.ErasedAt, Is.Not.Null);
                Assert.That(dto.ExternalRef, Is.Null);
                Assert.That(dto.FullName, Is.Null);
                Assert.That(dto.Email, Is.Null);
                Assert.That(dto.Phone, Is.Null);
                Assert.That(dto.Address, Is.Null);
                Assert.That(dto.DateOfBirth, Is.Null);
                Assert.That(dto.Vulnerability, Is.Null);
                Assert.That(dto.Version, Is.EqualTo(consumer.Version + 1));
            }
        }

        // The key is destroyed and nothing personal is left in the row.
        using (Assert.EnterMultipleScope())
        {
            Assert.That(await ScalarAsync($"SELECT wrapped_key FROM consumer_keys WHERE consumer_id = {Literal(consumer.Id)}"), Is.Null);
            Assert.That(await ScalarAsync(
                $"SELECT COALESCE(external_ref, external_ref_bidx, full_name, email, email_bidx, phone, phone_bidx, address, date_of_birth, vulnerability, sealed_fields) FROM consumers WHERE id = {Literal(consumer.Id)}"),
                Is.Null);
        }

        // Lookups find nothing any more; the external reference may be used again.
        Assert.That((await Read<Page<ConsumerDto>>(await tenant.Admin.GetAsync($"/v1/consumers?email={Uri.EscapeDataString(probe.Email)}"))).Items, Is.Empty);

        // Complaints keep their statistics.
        var kept = await Read<ComplaintDto>(await tenant.Admin.GetAsync($"/v1/complaints/{complaint.Id}"));
        Assert.That(kept.ConsumerId, Is.EqualTo(consumer.Id));

        // The audit chain holds ids only, so it is still valid; the erasure is in it.
        var verification = await Read<AuditVerificationDto>(await auditor.GetAsync("/v1/audit/verify"));
        Assert.That(verification.Valid, Is.True, verification.Problem);
        var audit = await Read<Page<AuditEntryDto>>(await auditor.GetAsync($"/v1/audit?limit=200"));
        Assert.That(audit.Items.Where(e => e.EntityId == consumer.Id).Select(e => e.Action), Does.Contain("consumer.erased"));

        // Twice: 409; updating an erased consumer: 409.
        var again = await tenant.Admin.PostAsync($"/v1/consumers/{consumer.Id}/erasure", null);
        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(await again.Content.ReadAsStringAsync(), Does.Contain("already erased"));
        var update = new HttpRequestMessage(HttpMethod.Patch, $"/v1/consumers/{consumer.Id}")
        {
            Content = JsonContent.Create(new { fullName = "Back Again" }, options: Json),
        };
        update.Headers.TryAddWithoutValidation("If-Match", $"\"{reread.Version}\"");
        Assert.That((await tenant.Admin.SendAsync(update)).StatusCode, Is.EqualTo(HttpStatusCode.Conflict));

        // And the old plaintext is nowhere at rest.
        var atRest = await DumpAsync();
        Assert.That(atRest, Does.Not.Contain(probe.FullName).And.Not.Contain(probe.Email));
    }

    [Test]
    public async Task A_legal_hold_refuses_erasure_with_409_until_it_is_lifted()
    {
        var tenant = await CreateTenantAsync();
        var consumer = await tenant.RegisterConsumerAsync();
        var (_, supervisor) = await tenant.AddStaffAsync(Role.Supervisor);

        Assert.That((await supervisor.PutAsJsonAsync($"/v1/consumers/{consumer.Id}/legal-hold", new { onHold = true }, Json)).StatusCode,
            Is.EqualTo(HttpStatusCode.Forbidden));
        var held = await Read<ConsumerDto>(await tenant.Admin.PutAsJsonAsync($"/v1/consumers/{consumer.Id}/legal-hold", new { onHold = true }, Json));
        Assert.That(held.LegalHold, Is.True);

        var refused = await tenant.Admin.PostAsync($"/v1/consumers/{consumer.Id}/erasure", null);
        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(await refused.Content.ReadAsStringAsync(), Does.Contain("legal hold"));
        var still = await Read<ConsumerDto>(await tenant.Admin.GetAsync($"/v1/consumers/{consumer.Id}"));
        Assert.That(still.FullName, Is.EqualTo("Jane Consumer"));
        Assert.That(await ScalarAsync($"SELECT wrapped_key FROM consumer_keys WHERE consumer_id = {Literal(consumer.Id)}"), Is.Not.Null);

        Assert.That((await tenant.Admin.PutAsJsonAsync($"/v1/consumers/{consumer.Id}/legal-hold", new { }, Json)).StatusCode,
            Is.EqualTo(HttpStatusCode.BadRequest));
        var lifted = await Read<ConsumerDto>(await tenant.Admin.PutAsJsonAsync($"/v1/consumers/{consumer.Id}/legal-hold", new { onHold = false }, Json));
        Assert.That(lifted.LegalHold, Is.False);
        var erased = await Read<ConsumerDto>(await tenant.Admin.PostAsync($"/v1/consumers/{consumer.Id}/erasure", null));
        Assert.That(erased.ErasedAt, Is.Not.Null);
    }

    [Test]
    public async Task Master_key_rotation_rewraps_tenant_keys_and_keeps_every_consumer_readable()
    {
        var tenants = new[] { await CreateTenantAsync(), await CreateTenantAsync("Second Bank") };
        var consumers = new List<(TestTenant Tenant, ConsumerDto Consumer, string Subject)>();
        foreach (var tenant in tenants)
        {
            var (admin, _) = await tenant.AddStaffAsync(Role.TenantAdmin);
            for (var i = 0; i < 3; i++)
            {
                consumers.Add((tenant, await RegisterAsync(tenant.Admin, NewProbe($"ROT{i}")), admin.Subject));
            }
        }

        var ciphertextBefore = await ScalarAsync($"SELECT full_name FROM consumers WHERE id = {Literal(consumers[0].Consumer.Id)}");
        var newKey = Convert.ToBase64String("cms-tests-master-key-version-two"u8.ToArray());

        // A host with both versions, the new one active, re-wraps; a second run has nothing left to do.
        await using (var rotating = new CmsApiFactory(Db, new Dictionary<string, string>
        {
            ["Cms:Crypto:MasterKeys:2"] = newKey,
            ["Cms:Crypto:ActiveMasterKeyVersion"] = "2",
        }))
        {
            var rotation = rotating.Services.GetRequiredService<MasterKeyRotation>();
            // Each tenant's key row and its vault entry (sealed under the master key too) move to version 2.
            Assert.That(await rotation.RewrapTenantKeysAsync(CancellationToken.None), Is.EqualTo(new TenantKeyRewrap(tenants.Length, tenants.Length, 0)));
            Assert.That(await rotation.RewrapTenantKeysAsync(CancellationToken.None), Is.EqualTo(new TenantKeyRewrap(0, 0, 0)));
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await ScalarAsync("SELECT COUNT(*) FROM tenant_keys WHERE master_key_version <> '2'"), Is.EqualTo("0"));
            Assert.That(await ScalarAsync($"SELECT full_name FROM consumers WHERE id = {Literal(consumers[0].Consumer.Id)}"),
                Is.EqualTo(ciphertextBefore), "rotation re-wraps tenant keys only; rows are not re-encrypted");
        }

        // A host that holds only the new master key reads every consumer and can still register new ones.
        await using var rotated = new CmsApiFactory(Db, new Dictionary<string, string>
        {
            ["Cms:Crypto:MasterKeys:1"] = "",
            ["Cms:Crypto:MasterKeys:2"] = newKey,
            ["Cms:Crypto:ActiveMasterKeyVersion"] = "2",
        });
        foreach (var (tenant, consumer, subject) in consumers)
        {
            using var client = rotated.ClientWithToken(CmsApiFactory.TenantToken(tenant.Id, subject));
            var read = await Read<ConsumerDto>(await client.GetAsync($"/v1/consumers/{consumer.Id}"));
            Assert.That(read.FullName, Is.EqualTo(consumer.FullName));
            Assert.That(read.Email, Is.EqualTo(consumer.Email));
        }

        using var newClient = rotated.ClientWithToken(CmsApiFactory.TenantToken(consumers[0].Tenant.Id, consumers[0].Subject));
        var added = await RegisterAsync(newClient, NewProbe("AFTER"));
        var found = await Read<Page<ConsumerDto>>(await newClient.GetAsync($"/v1/consumers?email={Uri.EscapeDataString(consumers[0].Consumer.Email!)}"));
        Assert.That(found.Items.Select(c => c.Id), Does.Contain(consumers[0].Consumer.Id));
        Assert.That(added.FullName, Is.EqualTo(NewProbe("AFTER").FullName));
    }

    [Test]
    public async Task The_foreign_key_from_complaints_to_the_recreated_consumers_table_still_holds()
    {
        var tenant = await CreateTenantAsync();
        var consumer = await tenant.RegisterConsumerAsync();
        var complaint = await tenant.FileComplaintAsync(consumer.Id);

        DbException? refused = null;
        try
        {
            await SqlAsync($"UPDATE complaints SET consumer_id = {Literal(Guid.NewGuid())} WHERE id = {Literal(complaint.Id)}");
        }
        catch (DbException ex)
        {
            refused = ex;
        }

        Assert.That(refused, Is.Not.Null, "a complaint pointing at a consumer that does not exist was accepted");
        Assert.That(refused!.Message, Does.Contain("foreign key").IgnoreCase);
        if (Kind == DatabaseKind.Sqlite)
        {
            Assert.That(await ScalarAsync("SELECT \"table\" FROM pragma_foreign_key_list('complaints') WHERE \"from\" = 'consumer_id'"),
                Is.EqualTo("consumers"));
            Assert.That(await ScalarAsync("SELECT COUNT(*) FROM pragma_foreign_key_check"), Is.EqualTo("0"));
        }
    }

    // ---- helpers ----

    private string Literal(Guid id) => $"'{id:D}'";

    private Task SqlAsync(string sql) => AtRest.SqlAsync(Db, sql);

    private Task<string?> ScalarAsync(string sql) => AtRest.ScalarAsync(Db, sql);

    private Task<string> DumpAsync() => AtRest.DumpAsync(Db);
}
