using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Cms.Application.Complaints;
using Cms.Domain.Staff;
using Cms.Migrations.Migrations;
using Cms.Tests.Support;
using Npgsql;

namespace Cms.Tests.Performance;

/// <summary>
/// Every statement the service sends on its hot paths, as captured from Npgsql's own trace (so the check follows the code,
/// not a copy of its SQL), is planned by PostgreSQL on a seeded database (thousands of tenants, ANALYZEd) as cms_app
/// under row-level security, with the generic plan (the plan that must hold for any parameter values). No plan may
/// scan a tenant table sequentially, and every scan of a tenant table must use tenant_id as an index condition: a
/// tenant_id that only shows up as a Filter means the index was not used for it. A scan of a partition (audit entries and
/// events by month: EXPLAIN names the partition, e.g. audit_entries_p2026_12) is held to the rules of its partitioned table.
/// </summary>
[TestFixture(DatabaseKind.Postgres)]
public sealed partial class HotQueryPlanTests(DatabaseKind kind) : ApiTestBase(kind)
{
    private const int CopiesOfTheTenant = 2_000;

    /// <summary>
    /// The sealer's sweep comes once an hour instead of every 2 s: each sweep would seal every one of the 2,000 seeded
    /// copies (their entries are copied unlinked), tens of seconds of background work beside the planning and nothing of a
    /// request's path (the real tenant's commits are still sealed at once, on the worker's signal). Settings of its own
    /// also give the fixture a database of its own: the ANALYZEd volume never reaches the run's shared database.
    /// </summary>
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Cms:Sealer:SweepInterval"] = "01:00:00",
    };

    [Test]
    public async Task No_hot_statement_scans_a_tenant_table_sequentially_or_filters_tenant_id_outside_an_index()
    {
        // ---- one real tenant, its rows written by the service ----
        var tenant = await CreateTenantAsync();
        // The agent works the queue the complaints are filed into (an agent acts on unassigned complaints of their queues).
        var (agent, agentClient) = await tenant.AddQueueAgentAsync("plan");
        var (_, integration) = await tenant.AddStaffAsync(Role.Integration);
        var lines = string.Join("\n", Enumerable.Range(1, 60).Select(i =>
            $$$"""{"externalRef":"PLAN-{{{i}}}","fullName":"Plan Person {{{i}}}","email":"plan{{{i}}}@example.test","phone":"+44 20 7946 {{{1000 + i}}}"}"""));
        await Expect(await tenant.Admin.PostAsync("/v1/consumers/imports", new StringContent(lines, Encoding.UTF8, "application/x-ndjson")),
            HttpStatusCode.OK);
        var consumer = await tenant.RegisterConsumerAsync(externalRef: "PLAN-REGISTERED", email: "registered@example.test");
        var complaints = new List<ComplaintDto>();
        for (var i = 0; i < 8; i++)
        {
            complaints.Add(await tenant.FileComplaintAsync(consumer.Id, category: i % 2 == 0 ? "fees" : "service", queue: "plan"));
        }

        await Expect(await tenant.Admin.PostAsJsonAsync($"/v1/complaints/{complaints[0].Id}/notes",
            new { kind = "internal", body = "Called back." }, Json), HttpStatusCode.Created);
        await Expect(await tenant.Admin.PutAsJsonAsync("/v1/calendar/closure-days/2030-12-24", new { name = "Plan closure" }, Json),
            HttpStatusCode.OK);
        await Expect(await tenant.Admin.PutAsJsonAsync("/v1/settings/clocks", new { atRiskDays = 3 }, Json), HttpStatusCode.OK);
        await Expect(await tenant.Admin.PostAsJsonAsync("/v1/taxonomies/root_cause/versions",
            new { entries = new[] { new { code = "plan_cause", label = "Plan cause" } } }, Json), HttpStatusCode.Created);
        var responded = await tenant.FileComplaintAsync(consumer.Id); // its own complaint: the hot paths below use the others
        await Expect(await TransitionAsync(tenant.Admin, responded.Id, "responses", responded.Version,
            new { type = "holding_response", sentAt = responded.ReceivedAt }), HttpStatusCode.OK);

        // ---- volume: the tenant's rows copied into thousands of other tenants (every uuid mapped the same way, so
        // foreign keys hold), then ANALYZE ----
        await SeedCopiesAsync(tenant.Id);

        // ---- the hot paths, with Npgsql's statements captured ----
        var statements = new ConcurrentDictionary<string, byte>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                if ((a.GetTagItem("db.query.text") ?? a.GetTagItem("db.statement")) is string text)
                {
                    statements.TryAdd(text, 0);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);

        var id = complaints[1].Id;
        var firstPage = await Read<JsonElement>(await agentClient.GetAsync("/v1/complaints?limit=2"));
        var cursor = firstPage.GetProperty("nextCursor").GetString();
        string[] reads =
        [
            $"/v1/complaints/{id}", "/v1/complaints", "/v1/complaints?limit=2&cursor=" + Uri.EscapeDataString(cursor!),
            "/v1/complaints?status=received", $"/v1/complaints?assigneeId={agent.Id}", "/v1/complaints?category=fees",
            $"/v1/complaints?consumerId={consumer.Id}", "/v1/complaints?overdue=true", $"/v1/complaints/{id}/notes",
            $"/v1/complaints/{complaints[0].Id}/notes", $"/v1/complaints/{id}/history", $"/v1/consumers/{consumer.Id}",
            "/v1/consumers?externalRef=PLAN-7", "/v1/consumers?email=plan8@example.test", "/v1/consumers?phone=%2B44%2020%207946%201009",
            "/v1/queues", "/v1/complaints?queue=plan", "/v1/complaints?queue=plan&unassigned=true", "/v1/complaints?unassigned=true",
            "/v1/complaints/due?queue=plan&withinDays=30", "/v1/complaints/due?queue=plan&unassigned=true&overdue=true",
            "/v1/complaints/due?unassigned=true&withinDays=30",
            $"/v1/complaints?reference={complaints[2].Reference}", "/v1/complaints?product=current_account", "/v1/complaints?channel=web",
            "/v1/complaints?vulnerable=true", "/v1/complaints?q=charged", "/v1/complaints?q=charged%20transfer&status=received",
        ];
        foreach (var path in reads)
        {
            await Expect(await agentClient.GetAsync(path), HttpStatusCode.OK);
        }

        await Expect(await tenant.Admin.GetAsync("/v1/audit?limit=50"), HttpStatusCode.OK);
        await Expect(await integration.GetAsync("/v1/events?after=0&limit=100"), HttpStatusCode.OK);
        await Expect(await integration.GetAsync("/v1/events?after=5&limit=3"), HttpStatusCode.OK);
        await Expect(await TransitionAsync(agentClient, id, "acknowledge", complaints[1].Version), HttpStatusCode.OK);
        await Expect(await agentClient.PostAsJsonAsync($"/v1/complaints/{id}/notes", new { kind = "internal", body = "Noted." }, Json),
            HttpStatusCode.Created);
        await tenant.FileComplaintAsync(consumer.Id, agentClient, queue: "plan");

        // ---- plan every statement as the service runs it: cms_app, the tenant set, generic plan ----
        var violations = new List<string>();
        var planned = new List<string>();
        var db = (PostgresTestDatabase)Db;
        var tables = await TenantTablesByRelationAsync(db);
        Assert.That(tables.Parents.Keys, Has.Some.StartsWith("audit_entries_p").And.Some.StartsWith("events_p"), "partitions map to their parent");
        var scanned = new HashSet<string>();
        await using var connection = db.OpenApp();
        // A command may carry several statements (a pipelined read, held writes with COMMIT: docs/adr/0011): each is planned.
        foreach (var sql in statements.Keys.SelectMany(raw => StatementEnd().Split(SetLocalPrefix().Replace(raw, "")))
                     .Select(s => s.Trim()).Where(s => s.Length > 0).Distinct())
        {
            if (!(sql.StartsWith("SELECT", StringComparison.OrdinalIgnoreCase) || sql.StartsWith("UPDATE", StringComparison.OrdinalIgnoreCase)
                  || sql.StartsWith("WITH", StringComparison.OrdinalIgnoreCase) || sql.StartsWith("DELETE", StringComparison.OrdinalIgnoreCase))
                || sql.Contains("consumer_import_staging", StringComparison.Ordinal) || sql.Contains("pg_catalog", StringComparison.Ordinal)
                || sql.Contains("VersionInfo", StringComparison.Ordinal)
                || sql.Contains("audit_chain_heads", StringComparison.Ordinal)) // the sealer's batches (background; requests no longer touch the chain heads)
            {
                continue;
            }

            var (positional, count) = ToPositional(sql);
            JsonElement plan;
            try
            {
                plan = await GenericPlanAsync(connection, tenant.Id, positional, count);
            }
            catch (PostgresException e)
            {
                throw new AssertionException($"{e.SqlState} {e.MessageText}\n    in: {sql}");
            }

            planned.Add(sql);
            foreach (var problem in Problems(plan, tables, scanned))
            {
                violations.Add($"{problem}\n    in: {sql}");
            }
        }

        Assert.That(planned, Has.Some.Contains("FROM complaints WHERE tenant_id").And.Some.Contains("ORDER BY received_at, id")
            .And.Some.Contains("external_ref_bidx").And.Some.Contains("FROM staff_users").And.Some.Contains("complaint_deadlines")
            .And.Some.Contains("complaint_notes").And.Some.Contains("audit_entries").And.Some.Contains("FROM events WHERE tenant_id")
            .And.Some.Contains("LEFT JOIN staff_queues").And.Some.Contains("FROM queues").And.Some.Contains("queue_id = @QueueId"),
            "the hot statements were captured");
        Assert.That(scanned, Has.Some.StartsWith("audit_entries_p").And.Some.StartsWith("events_p"),
            "scans of the partitions that hold the seeded rows were checked");
        Assert.That(violations, Is.Empty, string.Join("\n", violations));
    }

    /// <summary>The relations EXPLAIN may name for a tenant table, and the partitions that hold no row at all.</summary>
    /// <param name="Parents">Each tenant table and each of its partitions (at any depth), mapped to the tenant table.</param>
    /// <param name="Empty">Partitions whose heap has no page at all: the months created ahead of time. A generic plan cannot prune
    /// them, and the planner rightly reads an empty heap sequentially (zero pages); a partition that holds rows (the
    /// current month, where the seeded data is) is held to the same rules as its table. Also the sealer's outbox when it
    /// has been drained (no row to seed copies from).</param>
    private sealed record TenantRelations(Dictionary<string, string> Parents, HashSet<string> Empty);

    private async Task SeedCopiesAsync(Guid tenantId)
    {
        var db = (PostgresTestDatabase)Db;
        await using var connection = await db.OpenAdminAsync();
        async Task Run(string sql)
        {
            await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 600 };
            command.Parameters.AddWithValue("t", tenantId);
            await command.ExecuteNonQueryAsync();
        }

        // Set-up rows only, consistent by construction (every uuid through one map): no foreign-key check per copied row.
        await Run("SET session_replication_role = replica");
        await Run($"""
            INSERT INTO tenants (id, name, sector, jurisdiction, status, created_at)
            SELECT md5(id::text || k)::uuid, name || k, sector, jurisdiction, status, created_at
            FROM tenants, generate_series(1, {CopiesOfTheTenant}) k WHERE id = @t
            """);
        foreach (var table in Schema.TenantTableNames)
        {
            var columns = new List<(string Name, string Type)>();
            await using (var command = new NpgsqlCommand(
                             "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' AND table_name = @n ORDER BY ordinal_position",
                             connection))
            {
                command.Parameters.AddWithValue("n", table);
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    columns.Add((reader.GetString(0), reader.GetString(1)));
                }
            }

            // Every uuid (tenant and row ids, and the references to them) goes through the same map, so keys stay unique
            // per copy and foreign keys still point at the copied parent.
            var select = string.Join(", ", columns.Select(c => c.Type == "uuid" ? $"md5({c.Name}::text || k)::uuid" : c.Name));
            // ON CONFLICT: the host's sealer sweeps every tenant and may have started a copy's chain head already.
            await Run($"""
                INSERT INTO {table} ({string.Join(", ", columns.Select(c => c.Name))})
                SELECT {select} FROM {table}, generate_series(1, {CopiesOfTheTenant}) k WHERE tenant_id = @t
                ON CONFLICT DO NOTHING
                """);
        }

        await Run("RESET session_replication_role");
        await Run("ANALYZE");
    }

    private static async Task<JsonElement> GenericPlanAsync(NpgsqlConnection connection, Guid tenantId, string sql, int parameters)
    {
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var set = new NpgsqlCommand(
                         $"DEALLOCATE ALL; SET LOCAL app.tenant_id = '{tenantId:D}'; SET LOCAL plan_cache_mode = force_generic_plan; PREPARE hot AS {sql}",
                         connection, transaction))
        {
            await set.ExecuteNonQueryAsync();
        }

        var arguments = parameters == 0 ? "" : "(" + string.Join(", ", Enumerable.Repeat("NULL", parameters)) + ")";
        await using var explain = new NpgsqlCommand($"EXPLAIN (FORMAT JSON) EXECUTE hot{arguments}", connection, transaction);
        var json = (string)(await explain.ExecuteScalarAsync())!;
        await transaction.RollbackAsync();
        return JsonDocument.Parse(json).RootElement[0].GetProperty("Plan");
    }

    /// <summary>Dapper's @Name parameters as $1..$n, in order of first appearance (what Npgsql sends).</summary>
    private static (string Sql, int Count) ToPositional(string sql)
    {
        var names = new List<string>();
        var positional = NamedParameter().Replace(sql, m =>
        {
            var index = names.IndexOf(m.Groups[1].Value);
            if (index < 0)
            {
                names.Add(m.Groups[1].Value);
                index = names.Count - 1;
            }

            return "$" + (index + 1);
        });
        return (positional, Math.Max(names.Count, DollarParameter().Matches(sql).Select(m => int.Parse(m.Groups[1].Value)).DefaultIfEmpty(0).Max()));
    }

    /// <summary>
    /// Every relation that EXPLAIN may name for a tenant table, mapped to that table: the tenant tables themselves and
    /// every partition of one, at any depth (from the catalogue, not from the naming scheme).
    /// </summary>
    private static async Task<TenantRelations> TenantTablesByRelationAsync(PostgresTestDatabase db)
    {
        var map = Schema.TenantTableNames.ToDictionary(t => t, t => t);
        var empty = new HashSet<string>();
        await using var connection = await db.OpenAdminAsync();
        await using var command = new NpgsqlCommand(
            """
            SELECT c.relname FROM pg_catalog.pg_partition_tree(@parent::regclass) tree
            JOIN pg_catalog.pg_class c ON c.oid = tree.relid
            WHERE tree.level > 0
            """, connection);
        command.Parameters.Add(new NpgsqlParameter("parent", NpgsqlTypes.NpgsqlDbType.Text));
        foreach (var table in Schema.TenantTableNames)
        {
            command.Parameters["parent"].Value = "public." + table;
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                map[reader.GetString(0)] = table;
            }
        }

        // An empty heap: no page was ever written (the size needs no privilege on the partition).
        foreach (var partition in map.Where(m => m.Key != m.Value).Select(m => m.Key))
        {
            await using var size = new NpgsqlCommand("SELECT pg_catalog.pg_relation_size(@p::regclass) = 0", connection);
            size.Parameters.AddWithValue("p", "public." + partition);
            if (await size.ExecuteScalarAsync() is true)
            {
                empty.Add(partition);
            }
        }

        // A queue the sealer drains (event_outbox) that ANALYZE found empty: the planner rightly reads an empty table
        // sequentially; while it holds rows its key (tenant_id, write_id) serves the sealer's probe like any other.
        await using (var drained = new NpgsqlCommand(
                         "SELECT c.reltuples = 0 FROM pg_catalog.pg_class c WHERE c.oid = 'public.event_outbox'::regclass", connection))
        {
            if (await drained.ExecuteScalarAsync() is true)
            {
                empty.Add("event_outbox");
            }
        }

        return new TenantRelations(map, empty);
    }

    private static IEnumerable<string> Problems(JsonElement node, TenantRelations tenantTables, HashSet<string> scanned)
    {
        var type = node.GetProperty("Node Type").GetString();
        var name = node.TryGetProperty("Relation Name", out var r) ? r.GetString() : null;
        var relation = name is not null && !tenantTables.Empty.Contains(name) && tenantTables.Parents.TryGetValue(name, out var parent)
            ? (name == parent ? name : $"{name} (partition of {parent})")
            : null;
        if (relation is not null
            && type is "Seq Scan" or "Index Scan" or "Index Only Scan" or "Bitmap Heap Scan" or "Tid Scan" or "Tid Range Scan")
        {
            scanned.Add(name!);
            var indexCond = node.TryGetProperty("Index Cond", out var c) ? c.GetString() ?? "" : "";
            if (type == "Bitmap Heap Scan")
            {
                indexCond = string.Join(" ", BitmapIndexConds(node));
            }

            if (type == "Seq Scan")
            {
                yield return $"Seq Scan on {relation}";
            }
            else if (!indexCond.Contains("tenant_id", StringComparison.Ordinal))
            {
                var filter = node.TryGetProperty("Filter", out var f) ? f.GetString() : null;
                yield return $"{type} on {relation} without tenant_id in its index condition (Filter: {filter})";
            }
        }

        if (node.TryGetProperty("Plans", out var children))
        {
            foreach (var child in children.EnumerateArray())
            {
                foreach (var problem in Problems(child, tenantTables, scanned))
                {
                    yield return problem;
                }
            }
        }
    }

    private static IEnumerable<string> BitmapIndexConds(JsonElement node)
    {
        if (node.TryGetProperty("Index Cond", out var c) && c.GetString() is { } cond)
        {
            yield return cond;
        }

        if (node.TryGetProperty("Plans", out var children))
        {
            foreach (var child in children.EnumerateArray())
            {
                foreach (var inner in BitmapIndexConds(child))
                {
                    yield return inner;
                }
            }
        }
    }

    [GeneratedRegex(@"^(SET LOCAL [a-z_.]+ = [^;]+;\s*)+", RegexOptions.CultureInvariant)]
    private static partial Regex SetLocalPrefix();

    // The service joins the statements of one command with ";\n" and writes none with a semicolon inside.
    [GeneratedRegex(@";\s*\n", RegexOptions.CultureInvariant)]
    private static partial Regex StatementEnd();

    [GeneratedRegex(@"(?<![@:\w])@(\w+)", RegexOptions.CultureInvariant)]
    private static partial Regex NamedParameter();

    [GeneratedRegex(@"\$(\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex DollarParameter();
}
