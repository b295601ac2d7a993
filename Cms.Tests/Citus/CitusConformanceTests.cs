using System.Net;
using System.Net.Http.Json;
using System.Text;
using Cms.Api.Import;
using Cms.Application.Audit.VerifyAuditChain;
using Cms.Application.Complaints;
using Cms.Application.Consumers;
using Cms.Application.Tenants;
using Cms.Domain.Staff;
using Cms.Infrastructure.Idempotency;
using Cms.Infrastructure.Persistence;
using Cms.Tests.Api;
using Cms.Tests.Isolation;
using Cms.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Cms.Tests.Citus;

/// <summary>
/// The Citus conformance suite (opt-in: <c>CMS_TEST_CITUS</c>, see <see cref="ExternalPostgresDatabase"/>): the API's
/// flows that failed on a Citus coordinator with two workers, run against a database set up exactly as docs/scaling.md
/// says. Keyed writes and their replays in two tenants (tenant and platform keys), the complaint lifecycle, the import
/// across several multi-row statements, the background purge and the partition job, the audit chain and the feed; and
/// on Citus, that every tenant table is distributed by tenant_id in one co-location group. Without the variable every
/// test is reported skipped, with the reason. Runs against plain PostgreSQL too (the distribution test is then skipped).
/// </summary>
[TestFixture]
[Category("Citus")]
[NonParallelizable]
public sealed class CitusConformanceTests : ConformanceFlows
{
    protected override string AdminConnectionString => ((ExternalPostgresDatabase)Db).AdminConnectionString;

    protected override async Task<TestDatabase> CreateDatabaseAsync() => await ExternalPostgresDatabase.FromEnvironmentAsync();
}

/// <summary>The same flows on a fresh database of the test command's PostgreSQL, so the suite itself runs on every build.</summary>
[TestFixture]
public sealed class ConformanceFlowsOnPostgresTests : ConformanceFlows
{
    protected override string AdminConnectionString => ((PostgresTestDatabase)Db).AdminConnectionString;
}

/// <summary>The flows of the conformance suite, against the database a fixture brings.</summary>
public abstract class ConformanceFlows() : ApiTestBase(DatabaseKind.Postgres)
{
    /// <summary>A superuser on the fixture's database.</summary>
    protected abstract string AdminConnectionString { get; }

    [Test]
    public async Task Every_tenant_table_is_distributed_by_tenant_id_in_one_co_location_group()
    {
        if (!await IsCitusAsync())
        {
            Assert.Ignore("The database is not distributed (no citus extension): the flows ran on plain PostgreSQL.");
        }

        await using var admin = await Connections.OpenAsync(AdminConnectionString);
        var tenantTables = (await TenantCatalog.TenantTablesAsync(admin)).Select(t => t.Name).ToList();
        await using var command = new NpgsqlCommand("""
            SELECT logicalrelid::regclass::text, partmethod::text, colocationid,
                   coalesce(column_to_column_name(logicalrelid, partkey), '') FROM pg_dist_partition
            """, admin);
        var distributed = new Dictionary<string, (string Method, int Group, string Column)>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                distributed[reader.GetString(0)] = (reader.GetString(1), reader.GetInt32(2), reader.GetString(3));
            }
        }

        Assert.Multiple(() =>
        {
            foreach (var table in tenantTables)
            {
                Assert.That(distributed.TryGetValue(table, out var d) && d.Method == "h" && d.Column == "tenant_id", Is.True,
                    $"{table} is distributed by tenant_id");
            }

            Assert.That(tenantTables.Select(t => distributed.GetValueOrDefault(t).Group).Distinct().Count(), Is.EqualTo(1), "one co-location group");
            Assert.That(distributed.GetValueOrDefault("tenants").Method, Is.EqualTo("n"), "tenants is a reference table");
        });
    }

    [Test]
    public async Task Keyed_writes_replay_and_stay_in_their_tenant_through_the_lifecycle()
    {
        var platformKey = Idempotent.NewKey();
        var body = TenantBody("Conformance Platform Key Bank");
        var created = await Read<TenantDto>(await Idempotent.PostAsync(Platform, "/v1/tenants", body, platformKey), HttpStatusCode.Created);
        var replayed = await Read<TenantDto>(await Idempotent.PostAsync(Platform, "/v1/tenants", body, platformKey), HttpStatusCode.Created);
        Assert.That(replayed.Id, Is.EqualTo(created.Id), "a platform key replays");

        var a = await CreateTenantAsync("Conformance A");
        var b = await CreateTenantAsync("Conformance B");
        foreach (var tenant in new[] { a, b })
        {
            var key = Idempotent.NewKey();
            var consumer = await Read<ConsumerDto>(await Idempotent.PostAsync(tenant.Admin, "/v1/consumers", Idempotent.Consumer($"CONF-{tenant.Id:N}"), key),
                HttpStatusCode.Created);
            var again = await Read<ConsumerDto>(await Idempotent.PostAsync(tenant.Admin, "/v1/consumers", Idempotent.Consumer($"CONF-{tenant.Id:N}"), key),
                HttpStatusCode.Created);
            Assert.That(again.Id, Is.EqualTo(consumer.Id), "a tenant key replays");

            var complaint = await Read<ComplaintDto>(await Idempotent.PostAsync(tenant.Admin, "/v1/complaints", Idempotent.Complaint(consumer.Id),
                Idempotent.NewKey()), HttpStatusCode.Created);
            await Expect(await TransitionAsync(tenant.Admin, complaint.Id, "acknowledge", complaint.Version), HttpStatusCode.OK);
            await Expect(await tenant.Admin.PostAsJsonAsync($"/v1/complaints/{complaint.Id}/notes", new { kind = "internal", body = "Called." }, Json),
                HttpStatusCode.Created);
            var other = tenant == a ? b : a;
            await Expect(await other.Admin.GetAsync($"/v1/complaints/{complaint.Id}"), HttpStatusCode.NotFound);
        }

        foreach (var tenant in new[] { a, b })
        {
            var (_, auditor) = await tenant.AddStaffAsync(Role.Auditor);
            var verification = await Read<AuditVerificationDto>(await auditor.GetAsync("/v1/audit/verify"));
            Assert.That(verification.Valid, Is.True, verification.Problem);
            Assert.That(verification.EntriesChecked, Is.GreaterThanOrEqualTo(4));
            var (_, integration) = await tenant.AddStaffAsync(Role.Integration);
            await Expect(await integration.GetAsync("/v1/events?after=0&limit=100"), HttpStatusCode.OK);
        }
    }

    [Test]
    public async Task An_import_of_several_statements_loads_every_line_once_under_row_level_security()
    {
        var tenant = await CreateTenantAsync("Conformance Import");
        var lines = Enumerable.Range(0, 2_100).Select(i => $$"""{"externalRef":"IMP-{{i}}","fullName":"Imported {{i}}"}""").ToList();
        lines.Insert(1_500, """{"externalRef":"IMP-10","fullName":"Repeated"}"""); // a repeat of a line of the first statement
        var report = await Read<ConsumerImportReport>(await tenant.Admin.PostAsync("/v1/consumers/imports",
            new StringContent(string.Join('\n', lines), Encoding.UTF8, "application/x-ndjson")));
        Assert.Multiple(async () =>
        {
            Assert.That(report.Imported, Is.EqualTo(2_100));
            Assert.That(report.Duplicates, Is.EqualTo(1));
            Assert.That(await CountAsync($"SELECT count(*) FROM consumers WHERE tenant_id = '{tenant.Id:D}'"), Is.EqualTo(2_100));
            Assert.That(await CountAsync($"SELECT count(*) FROM consumer_keys WHERE tenant_id = '{tenant.Id:D}'"), Is.EqualTo(2_100));
        });
    }

    [Test]
    public async Task The_background_purge_and_the_partition_job_run()
    {
        var tenant = await CreateTenantAsync("Conformance Purge");
        var key = Idempotent.NewKey();
        await Expect(await Idempotent.PostAsync(tenant.Admin, "/v1/consumers", Idempotent.Consumer("PURGE-1"), key), HttpStatusCode.Created);
        await using (var connection = Db.OpenPrivileged())
        {
            await using var expire = connection.CreateCommand();
            expire.CommandText = $"UPDATE idempotency_keys SET expires_at = created_at WHERE tenant_id = '{tenant.Id:D}' AND idem_key = '{key}'";
            Assert.That(await expire.ExecuteNonQueryAsync(), Is.EqualTo(1));
        }

        await Factory.Services.GetRequiredService<IdempotencyPurger>().PurgeAsync(DateTimeOffset.UtcNow, 500, 10, CancellationToken.None);
        Assert.That(await CountAsync($"SELECT count(*) FROM idempotency_keys WHERE tenant_id = '{tenant.Id:D}'"), Is.Zero);

        await Factory.Services.GetRequiredService<MonthlyPartitions>().EnsureAsync(Migrations.Migrations.AuditEntriesPartitioned.MaxMonthsAhead,
            CancellationToken.None);
        var lastMonth = DateTime.UtcNow.AddMonths(Migrations.Migrations.AuditEntriesPartitioned.MaxMonthsAhead);
        Assert.That(await CountAsync($"SELECT count(*) FROM pg_class WHERE relname IN ('audit_entries_p{lastMonth:yyyy_MM}', 'events_p{lastMonth:yyyy_MM}')"),
            Is.EqualTo(2), "the job created the months ahead of both tables");
    }

    private static object TenantBody(string name) => new
    {
        name,
        sector = "banking",
        jurisdiction = "UK",
        admin = new { subject = $"admin-{Guid.NewGuid():N}", email = "admin@example.test", displayName = "Admin" },
    };

    private Task<long> CountAsync(string sql) => Idempotent.CountAsync(Db, sql);

    private async Task<bool> IsCitusAsync() => await CountAsync("SELECT count(*) FROM pg_extension WHERE extname = 'citus'") > 0;
}
