using System.Net;
using System.Text;
using Cms.Infrastructure.Idempotency;
using Cms.Infrastructure.Persistence;
using Cms.Tests.Api;
using Cms.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Cms.Tests.Isolation;

/// <summary>
/// <see cref="CitusStatementRules"/> over the migrated catalogue's functions, the statements the service sends during the
/// API's write flows (captured from Npgsql's spans) and the service's sources; and each rule shown to catch the form
/// that failed on Citus (the six faults of docs/scaling.md "Citus").
/// </summary>
[TestFixture]
public sealed class CitusStatementRulesTests() : ApiTestBase(DatabaseKind.Postgres)
{
    /// <summary>The statements checked are those the service sends to a Citus coordinator (the import's path there, ADR 0020).</summary>
    protected override IReadOnlyDictionary<string, string>? Settings => new Dictionary<string, string> { ["Cms:Database:Citus"] = "true" };

    private static readonly string[] ServiceProjects = ["Cms.Api", "Cms.Application", "Cms.Infrastructure"];

    /// <summary>Files whose owner's-function calls are each the first statement of their own transaction (TenantWork), so
    /// no cms_app write precedes them; what cms_app writes after them are the platform's reference rows. Keep it short.</summary>
    private static readonly HashSet<string> DefinerFirstInTransaction =
    [
        Path.Combine("Cms.Infrastructure", "Offboarding", "TenantOffboardingRunner.cs"),
    ];

    [Test]
    public void Each_rule_catches_the_form_that_failed_on_Citus()
    {
        var global = new[] { "tenants", "platform_idempotency_keys", "service_instances" };
        var rowSecurity = new[] { "consumers", "consumer_keys", "idempotency_keys" };
        Assert.Multiple(() =>
        {
            // 3. the first purge: a row lock over every tenant's shards.
            Assert.That(CitusStatementRules.LocksWithoutTenant("old purge", """
                DELETE FROM public.idempotency_keys WHERE (tenant_id, principal, idem_key) IN (
                    SELECT tenant_id, principal, idem_key FROM public.idempotency_keys WHERE expires_at <= p_now LIMIT p_limit FOR UPDATE SKIP LOCKED);
                """, global).ToList(), Has.Count.EqualTo(1));
            Assert.That(CitusStatementRules.LocksWithoutTenant("fixed purge", """
                DELETE FROM public.idempotency_keys WHERE tenant_id = tenant AND (tenant_id, principal, idem_key) IN (
                    SELECT tenant_id, principal, idem_key FROM public.idempotency_keys WHERE tenant_id = tenant LIMIT 5 FOR UPDATE SKIP LOCKED);
                """, global).ToList(), Is.Empty);

            // 6. the first import: COPY under row-level security, directly or through a temporary staging table.
            Assert.That(CitusStatementRules.CopyUnderRowSecurity("direct", "COPY consumers (tenant_id, id) FROM STDIN (FORMAT BINARY)", rowSecurity)
                .ToList(), Has.Count.EqualTo(1));
            Assert.That(CitusStatementRules.CopyUnderRowSecurity("staging",
                "CREATE TEMPORARY TABLE consumer_import_staging (pos integer) ON COMMIT DROP", rowSecurity).ToList(), Has.Count.EqualTo(1));

            // 5. the first partition function: ATTACH PARTITION in parallel mode.
            const string partitionDdl = "EXECUTE format('ALTER TABLE public.%I ATTACH PARTITION public.%I FOR VALUES FROM (%L) TO (%L)', a, b, c, d);";
            Assert.That(CitusStatementRules.ShardDdlWithoutSequentialMode("old partitions", "BEGIN " + partitionDdl + " END", null).ToList(),
                Has.Count.EqualTo(1));
            Assert.That(CitusStatementRules.ShardDdlWithoutSequentialMode("after the DDL", "BEGIN " + partitionDdl +
                " PERFORM set_config('citus.multi_shard_modify_mode', 'sequential', true); END", null).ToList(), Has.Count.EqualTo(1));
            Assert.That(CitusStatementRules.ShardDdlWithoutSequentialMode("fixed partitions",
                "BEGIN PERFORM set_config('citus.multi_shard_modify_mode', 'sequential', true); " + partitionDdl + " END", null).ToList(), Is.Empty);

            // 3. the first claim: the owner's purge in the request's transaction, after the key's INSERT.
            Assert.That(CitusStatementRules.DefinerCallsInRequestTransaction("IdempotencyStore.cs", """
                internal sealed class IdempotencyStore(DbSession db) { const string Purge = "SELECT purge_expired_idempotency_keys(@Now, 100)"; }
                """, ["purge_expired_idempotency_keys"]).ToList(), Has.Count.EqualTo(1));
        });
    }

    [Test]
    public async Task The_migrated_functions_lock_within_one_tenant_and_run_shard_ddl_in_sequential_mode()
    {
        await using var admin = await ((PostgresTestDatabase)Db).OpenAdminAsync();
        var global = await CitusCatalog.GlobalTablesAsync(admin);
        var violations = new List<string>();
        await using var command = new NpgsqlCommand("""
            SELECT p.oid::regprocedure::text, p.prosrc, p.proconfig FROM pg_proc p
            JOIN pg_language l ON l.oid = p.prolang
            WHERE p.pronamespace = 'public'::regnamespace AND l.lanname IN ('plpgsql', 'sql')
            """, admin);
        var functions = 0;
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                functions++;
                var (name, body) = (reader.GetString(0), reader.GetString(1));
                var settings = reader.IsDBNull(2) ? null : reader.GetFieldValue<string[]>(2);
                violations.AddRange(CitusStatementRules.LocksWithoutTenant(name, body, global));
                violations.AddRange(CitusStatementRules.ShardDdlWithoutSequentialMode(name, body, settings));
            }
        }

        Assert.That(functions, Is.GreaterThan(3), "the migrated functions were read");
        Assert.That(violations, Is.Empty);
    }

    [Test]
    public async Task No_owners_function_is_called_in_code_that_runs_in_the_request_transaction()
    {
        // The owner's functions that cms_app may run, from the catalogue.
        var definers = await DefinerFunctionsAsync();
        Assert.That(definers, Does.Contain("purge_expired_idempotency_keys").And.Contain("ensure_monthly_partitions"));
        var violations = ServiceProjects
            .SelectMany(p => Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, p), "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Where(f => !DefinerFirstInTransaction.Contains(Path.GetRelativePath(RepoPaths.Root, f)))
            .SelectMany(f => CitusStatementRules.DefinerCallsInRequestTransaction(Path.GetRelativePath(RepoPaths.Root, f), File.ReadAllText(f), definers))
            .ToList();
        Assert.That(violations, Is.Empty);
    }

    [Test]
    public async Task The_statements_of_the_write_flows_lock_within_one_tenant_and_copy_into_no_table_under_row_security()
    {
        using var statements = new NpgsqlStatements();

        await RunWriteFlowsAsync();

        await using var admin = await ((PostgresTestDatabase)Db).OpenAdminAsync();
        var global = await CitusCatalog.GlobalTablesAsync(admin);
        var rowSecurity = new List<string>();
        await using (var command = new NpgsqlCommand("SELECT relname FROM pg_class WHERE relrowsecurity", admin))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                rowSecurity.Add(reader.GetString(0));
            }
        }

        var distinct = statements.Sent.Distinct().ToList();
        Assert.That(distinct, Has.Count.GreaterThan(20), "the flows' statements were captured");
        Assert.That(distinct, Has.Some.Contains("purge_expired_idempotency_keys"), "the background purge's statements were captured");
        var violations = distinct.SelectMany(s => CitusStatementRules.LocksWithoutTenant("service", s, global)
                .Concat(CitusStatementRules.CopyUnderRowSecurity("service", s, rowSecurity))
                .Concat(CitusStatementRules.ShardDdlWithoutSequentialMode("service", s, null)))
            .ToList();
        Assert.That(violations, Is.Empty);
    }

    /// <summary>Every kind of write the API does with a key, the import, and the background purge and partition work.</summary>
    private async Task RunWriteFlowsAsync()
    {
        var key = Idempotent.NewKey();
        var tenantBody = new
        {
            name = "Rules Bank",
            sector = "banking",
            jurisdiction = "UK",
            admin = new { subject = $"admin-{Guid.NewGuid():N}", email = "admin@example.test", displayName = "Admin" },
        };
        await Expect(await Idempotent.PostAsync(Platform, "/v1/tenants", tenantBody, key), HttpStatusCode.Created);
        await Expect(await Idempotent.PostAsync(Platform, "/v1/tenants", tenantBody, key), HttpStatusCode.Created); // replay
        var tenant = await CreateTenantAsync("Rules Tenant");
        var consumerKey = Idempotent.NewKey();
        var consumer = await Read<Cms.Application.Consumers.ConsumerDto>(
            await Idempotent.PostAsync(tenant.Admin, "/v1/consumers", Idempotent.Consumer("RULES-1"), consumerKey), HttpStatusCode.Created);
        await Expect(await Idempotent.PostAsync(tenant.Admin, "/v1/consumers", Idempotent.Consumer("RULES-1"), consumerKey), HttpStatusCode.Created);
        await Expect(await Idempotent.PostAsync(tenant.Admin, "/v1/complaints", Idempotent.Complaint(consumer.Id), Idempotent.NewKey()),
            HttpStatusCode.Created);
        var lines = string.Join('\n', Enumerable.Range(0, 30).Select(i => $$"""{"externalRef":"RULES-I{{i}}","fullName":"Imported {{i}}"}"""));
        await Expect(await tenant.Admin.PostAsync("/v1/consumers/imports", new StringContent(lines, Encoding.UTF8, "application/x-ndjson")),
            HttpStatusCode.OK);

        await Factory.Services.GetRequiredService<IdempotencyPurger>().PurgeAsync(DateTimeOffset.UtcNow, 100, 2, CancellationToken.None);
        await Factory.Services.GetRequiredService<MonthlyPartitions>().EnsureAsync(3, CancellationToken.None);
    }

    private async Task<List<string>> DefinerFunctionsAsync()
    {
        await using var admin = await ((PostgresTestDatabase)Db).OpenAdminAsync();
        await using var command = new NpgsqlCommand("""
            SELECT p.proname FROM pg_proc p
            WHERE p.prosecdef AND p.pronamespace = 'public'::regnamespace AND has_function_privilege('cms_app', p.oid, 'EXECUTE')
            """, admin);
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }
}
