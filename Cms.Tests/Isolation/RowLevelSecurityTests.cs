using System.Net;
using System.Net.Http.Json;
using Cms.Application.Complaints;
using Cms.Tests.Api;
using Cms.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Cms.Tests.Isolation;

/// <summary>
/// security.md points 2, 4 (the pool part that needs no load), 6 and 7 (grants) on PostgreSQL: two tenants seeded
/// through the API, then direct SQL as the service's login cms_app (and as the table owner cms_owner, whom FORCE ROW
/// LEVEL SECURITY must hold too). Every probe walks every tenant table of the catalogue.
/// </summary>
public sealed partial class RowLevelSecurityTests() : ApiTestBase(DatabaseKind.Postgres)
{
    private PostgresTestDatabase Pg => (PostgresTestDatabase)Db;

    private string NoPool(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;

    private sealed record Seeded(Guid A, Guid B, IReadOnlyList<TenantRelation> Tables);

    /// <summary>Webhooks to a loopback receiver, so that webhook_endpoints and webhook_attempts hold rows of both tenants.</summary>
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Cms:Webhooks:AllowLoopback"] = "true",
        ["Cms:Webhooks:AttemptsPerPass"] = "1",
        // The seed leaves an event waiting in event_outbox per tenant: no sealer worker moves it on.
        ["Cms:Sealer:Enabled"] = "false",
    };

    /// <summary>Two tenants, each with staff working a queue, a consumer, a complaint (sequence, deadlines), a note and audit entries.</summary>
    private async Task<Seeded> SeedAsync()
    {
        var ids = new List<Guid>();
        var complaints = new List<(Guid Tenant, Guid Complaint)>();
        await using var receiver = new Events.WebhookReceiver();
        foreach (var name in new[] { "Tenant A", "Tenant B" })
        {
            var tenant = await CreateTenantAsync(name);
            // A queue the agent works (queues, staff_queues) and the complaint filed into it (complaints.queue_id).
            var (_, agent) = await tenant.AddQueueAgentAsync("seed-queue");
            var consumer = await tenant.RegisterConsumerAsync(agent);
            var complaint = await tenant.FileComplaintAsync(consumer.Id, agent, queue: "seed-queue");
            // With an Idempotency-Key, so that idempotency_keys holds rows of both tenants too.
            using var note = new HttpRequestMessage(HttpMethod.Post, $"/v1/complaints/{complaint.Id}/notes")
            {
                Content = JsonContent.Create(new { kind = "internal", body = "seed note" }, options: Json),
            };
            note.Headers.Add("Idempotency-Key", $"seed-{Guid.NewGuid():N}");
            await Expect(await agent.SendAsync(note), HttpStatusCode.Created);
            // The tenant's calendar and clock settings.
            await Expect(await tenant.Admin.PutAsJsonAsync("/v1/calendar/closure-days/2026-12-24", new { name = "seed closure" }, Json), HttpStatusCode.OK);
            await Expect(await tenant.Admin.PutAsJsonAsync("/v1/settings/clocks", new { internalSla = new { amount = 5, unit = "business_days" } }, Json),
                HttpStatusCode.OK);
            await Expect(await tenant.Admin.PostAsJsonAsync("/v1/webhooks", new { url = receiver.Url, eventTypes = new[] { "*" }, after = 0 }, Json),
                HttpStatusCode.Created);
            // A taxonomy version (taxonomies, taxonomy_entries) and a response on the complaint (complaint_responses).
            await Expect(await tenant.Admin.PostAsJsonAsync("/v1/taxonomies/root_cause/versions",
                new { entries = new[] { new { code = "seed_cause", label = "Seed cause" } } }, Json), HttpStatusCode.Created);
            // A vulnerability driver (complaint_vulnerability_tallies); the description's words fill complaint_keywords.
            complaint = await Read<ComplaintDto>(await tenant.Admin.SendAsync(ApiRequests.Json(HttpMethod.Put, $"/v1/complaints/{complaint.Id}/vulnerability",
                new { involved = true, drivers = new[] { "health" }, consentGivenAt = complaint.ReceivedAt }, complaint.Version)));
            await Expect(await TransitionAsync(agent, complaint.Id, "responses", complaint.Version,
                new { type = "holding_response", sentAt = complaint.ReceivedAt }), HttpStatusCode.OK);
            // The FCA return (legal_entities: the default entity; return_mappings; fca_return_snapshots, a nil return of 2026 H1).
            await Expect(await tenant.Admin.PutAsJsonAsync("/v1/return-mappings/fca_product",
                new { entries = new[] { new { code = "current_account", targetCode = "banking.current_account" } } }, Json), HttpStatusCode.OK);
            await Expect(await tenant.Admin.PostAsJsonAsync("/v1/reports/fca-complaints-return/snapshots",
                new { legalEntityId = tenant.Id, periodStart = "2026-01-01" }, Json), HttpStatusCode.Created);
            // A retention schedule (retention_schedules); the job's pass below leaves its lease and cursor (retention_runs).
            await Expect(await tenant.Admin.PutAsJsonAsync("/v1/retention/schedule", new { afterClosureDays = 400 }, Json), HttpStatusCode.OK);
            // A letter template and a letter (letter_templates, letters).
            await Api.Letters.LetterApiTests.DraftAcknowledgementAsync(tenant.Admin, complaint.Id);
            complaints.Add((tenant.Id, complaint.Id));
            ids.Add(tenant.Id);
        }

        await Factory.Services.GetRequiredService<Cms.Infrastructure.Webhooks.WebhookDispatcher>().RunOnceAsync(CancellationToken.None);
        await Factory.Services.GetRequiredService<Cms.Infrastructure.Retention.RetentionRunner>().RunOnceAsync(CancellationToken.None);

        await using var admin = await Pg.OpenAdminAsync();
        foreach (var tenant in ids)
        {
            // An event not placed yet (event_outbox), as a write leaves it until the sealer runs.
            await using var waiting = new NpgsqlCommand(
                """
                INSERT INTO event_outbox (tenant_id, id, type, entity_type, entity_id, entity_version, changed_fields, occurred_at)
                VALUES (@t, gen_random_uuid(), 'tenant.updated', 'tenant', @t, 1, '[]', now())
                """, admin);
            waiting.Parameters.AddWithValue("t", tenant);
            await waiting.ExecuteNonQueryAsync();
        }

        foreach (var (tenant, complaint) in complaints)
        {
            // A deadline alert's marker (deadline_alerts), as the scheduler leaves it.
            await using var alert = new NpgsqlCommand(
                "INSERT INTO deadline_alerts (tenant_id, complaint_id, kind, alert, due_at, emitted_at) VALUES (@t, @c, 'final_response', 'at_risk', now(), now())",
                admin);
            alert.Parameters.AddWithValue("t", tenant);
            alert.Parameters.AddWithValue("c", complaint);
            await alert.ExecuteNonQueryAsync();
        }

        var tables = await TenantCatalog.TenantTablesAsync(admin);
        Assert.That(tables, Is.Not.Empty);
        foreach (var tenant in ids)
        {
            var counts = await RlsProbe.CountAsSuperuserAsync(Pg.AdminConnectionString, tables, tenant);
            Assert.That(counts.Where(c => c.Value == 0).Select(c => c.Key), Is.Empty,
                "the seed must put rows of both tenants into every tenant table, or a probe would prove nothing");
        }

        return new Seeded(ids[0], ids[1], tables);
    }

    private IEnumerable<(string Role, string ConnectionString)> Logins() =>
        [("cms_app", Pg.AppConnectionString), ("cms_owner (table owner)", Pg.OwnerConnectionString)];

    [Test]
    public async Task With_tenant_B_set_no_row_of_tenant_A_is_visible_in_any_tenant_table()
    {
        var seed = await SeedAsync();
        var ownRows = await RlsProbe.CountAsSuperuserAsync(Pg.AdminConnectionString, seed.Tables, seed.B);
        foreach (var (role, cs) in Logins())
        {
            Assert.That(await RlsProbe.ForeignRowsVisibleAsync(cs, seed.Tables, TenantSetting.Of(seed.B), seed.B), Is.Empty, role);
            Assert.That(await RlsProbe.VisibleRowsOfAsync(cs, seed.Tables, TenantSetting.Of(seed.B), seed.A),
                Has.All.Property("Value").EqualTo(0L), $"{role}: rows of A asked for by tenant_id");

            // Not vacuous: B sees every one of its own rows.
            Assert.That(await RlsProbe.VisibleRowsOfAsync(cs, seed.Tables, TenantSetting.Of(seed.B), seed.B), Is.EquivalentTo(ownRows), role);
        }
    }

    [Test]
    public async Task A_fresh_session_has_no_tenant_setting_at_all()
    {
        await using var connection = await Connections.OpenAsync(NoPool(Pg.AppConnectionString));
        Assert.That(await RlsProbe.ScalarAsync(connection, "SELECT current_setting('app.tenant_id', true)"), Is.Null,
            "the 'never set' probes below run on such sessions (current_setting(..., true) is NULL, not '')");
    }

    private static IEnumerable<TestCaseData> NoTenant()
    {
        yield return new TestCaseData("unset").SetArgDisplayNames("never set");
        yield return new TestCaseData("empty").SetArgDisplayNames("set to ''");
    }

    private static TenantSetting SettingOf(string name) => name == "unset" ? TenantSetting.Unset : TenantSetting.Empty;

    [TestCaseSource(nameof(NoTenant))]
    public async Task Without_a_tenant_every_select_returns_nothing(string settingName)
    {
        var seed = await SeedAsync();
        var setting = SettingOf(settingName);
        foreach (var (role, cs) in Logins())
        {
            Assert.That(await RlsProbe.ForeignRowsVisibleAsync(NoPool(cs), seed.Tables, setting, allowed: null), Is.Empty, role);
        }
    }

    [Test]
    public async Task A_malformed_tenant_setting_is_an_error_never_rows()
    {
        var seed = await SeedAsync();
        foreach (var (role, cs) in Logins())
        {
            var results = await RlsProbe.ExecuteEachAsync(cs, seed.Tables, TenantSetting.Malformed("not-a-tenant"),
                t => $"SELECT count(*) FROM {t.Sql}");
            Assert.That(results.Values.Select(r => r.Error?.SqlState), Has.All.EqualTo(PostgresErrorCodes.InvalidTextRepresentation), role);

            // Text that tries to smuggle SQL into the setting is only ever a string to the policy: still an error.
            var smuggled = await RlsProbe.ExecuteEachAsync(cs, seed.Tables, TenantSetting.Malformed($"{seed.A:D}' OR true OR '"),
                t => $"SELECT count(*) FROM {t.Sql}");
            Assert.That(smuggled.Values.Select(r => r.Error?.SqlState), Has.All.EqualTo(PostgresErrorCodes.InvalidTextRepresentation), role);
        }
    }

    [Test]
    public async Task Planner_statistics_of_tenant_tables_are_hidden_from_the_service_role()
    {
        // pg_stats holds sampled column values (most common values, histograms) of every tenant at once. PostgreSQL hides
        // a table's rows of pg_stats from a user subject to its row-level security; this pins that the service role is one.
        var seed = await SeedAsync();
        await using (var admin = await Pg.OpenAdminAsync())
        {
            await RlsProbe.ScalarAsync(admin, "ANALYZE");
            Assert.That((long)(await RlsProbe.ScalarAsync(admin,
                "SELECT count(*) FROM pg_catalog.pg_stats WHERE schemaname = 'public' AND tablename = 'consumers'"))!, Is.GreaterThan(0L),
                "control: the statistics exist");
        }

        foreach (var (role, cs) in Logins())
        {
            await using var connection = await Connections.OpenAsync(cs);
            foreach (var table in seed.Tables)
            {
                var visible = (long)(await RlsProbe.ScalarAsync(connection,
                    $"SELECT count(*) FROM pg_catalog.pg_stats WHERE schemaname = '{table.Schema}' AND tablename = '{table.Name}'"))!;
                Assert.That(visible, Is.Zero, $"{role}: pg_stats rows of {table.DisplayName}");
            }
        }
    }

    [TestCaseSource(nameof(NoTenant))]
    public async Task Without_a_tenant_every_insert_fails_with_a_policy_violation(string settingName)
    {
        var seed = await SeedAsync();
        var setting = SettingOf(settingName);

        // Positive control: the very same rows insert fine in their own tenant, so a failure below is the policy's doing.
        // (A table keyed by tenant_id alone, one row per tenant, answers a unique violation instead: PostgreSQL checks
        // the policy before the unique index, so that too proves the row passed the policy.)
        var control = await RlsProbe.TryInsertAsync(Pg.AppConnectionString, Pg.AdminConnectionString, seed.Tables, TenantSetting.Of(seed.A), seed.A);
        Assert.That(control.Where(r => r.Value is not null && r.Value.SqlState != PostgresErrorCodes.UniqueViolation)
                .Select(r => $"{r.Key}: {RlsProbe.Describe(r.Value)}"), Is.Empty,
            "a fresh row of tenant A inserts under tenant A");

        foreach (var (role, cs) in Logins())
        {
            var results = await RlsProbe.TryInsertAsync(NoPool(cs), Pg.AdminConnectionString, seed.Tables, setting, seed.A);
            Assert.That(results.Keys, Is.EquivalentTo(seed.Tables.Select(t => t.DisplayName)));
            foreach (var (table, error) in results)
            {
                Assert.That(error?.SqlState, Is.EqualTo(PostgresErrorCodes.InsufficientPrivilege), $"{role}, {table}: {RlsProbe.Describe(error)}");
                Assert.That(error?.MessageText, Does.Contain("row-level security policy"), $"{role}, {table}");
            }
        }
    }

    [TestCaseSource(nameof(NoTenant))]
    public async Task Without_a_tenant_update_and_delete_touch_nothing(string settingName)
    {
        var seed = await SeedAsync();
        var setting = SettingOf(settingName);
        var before = await RlsProbe.FingerprintAsync(Pg.AdminConnectionString, seed.Tables);

        // The owner holds every privilege on its tables: only the (forced) policy stands between it and the rows.
        var ownerUpdates = await RlsProbe.ExecuteEachAsync(NoPool(Pg.OwnerConnectionString), seed.Tables, setting,
            t => $"UPDATE {t.Sql} SET tenant_id = tenant_id");
        var ownerDeletes = await RlsProbe.ExecuteEachAsync(NoPool(Pg.OwnerConnectionString), seed.Tables, setting,
            t => $"DELETE FROM {t.Sql}");
        Assert.That(ownerUpdates.Where(r => r.Value != (0, null)).Select(r => $"{r.Key}: {r.Value.Rows} rows, {RlsProbe.Describe(r.Value.Error)}"),
            Is.Empty, "owner UPDATE without tenant");
        Assert.That(ownerDeletes.Where(r => r.Value != (0, null)).Select(r => $"{r.Key}: {r.Value.Rows} rows, {RlsProbe.Describe(r.Value.Error)}"),
            Is.Empty, "owner DELETE without tenant");

        // cms_app: UPDATE where granted touches nothing; elsewhere, and DELETE everywhere, it has no privilege at all.
        var updatable = await UpdatableByAppAsync(seed.Tables);
        var appUpdates = await RlsProbe.ExecuteEachAsync(NoPool(Pg.AppConnectionString), seed.Tables, setting,
            t => $"UPDATE {t.Sql} SET tenant_id = tenant_id");
        var appDeletes = await RlsProbe.ExecuteEachAsync(NoPool(Pg.AppConnectionString), seed.Tables, setting,
            t => $"DELETE FROM {t.Sql}");
        foreach (var table in seed.Tables.Select(t => t.DisplayName))
        {
            var (rows, error) = appUpdates[table];
            Assert.That(rows, Is.Zero, $"cms_app UPDATE {table}");
            Assert.That(error?.SqlState,
                updatable.Contains(table) ? (NUnit.Framework.Constraints.IResolveConstraint)Is.Null : Is.EqualTo(PostgresErrorCodes.InsufficientPrivilege),
                $"cms_app UPDATE {table}: {RlsProbe.Describe(error)}");
            Assert.That(appDeletes[table].Rows, Is.Zero, $"cms_app DELETE {table}");
            Assert.That(appDeletes[table].Error?.SqlState, Is.EqualTo(PostgresErrorCodes.InsufficientPrivilege),
                $"cms_app DELETE {table}: {RlsProbe.Describe(appDeletes[table].Error)}");
        }

        Assert.That(updatable, Is.Not.Empty);
        Assert.That(await RlsProbe.FingerprintAsync(Pg.AdminConnectionString, seed.Tables), Is.EqualTo(before));
    }
}
