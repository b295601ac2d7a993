using Cms.Tests.Support;
using Npgsql;

namespace Cms.Tests.Isolation;

public sealed partial class RowLevelSecurityTests
{
    [Test]
    public async Task Under_tenant_B_rows_of_A_can_be_neither_changed_removed_nor_written()
    {
        var seed = await SeedAsync();
        var b = TenantSetting.Of(seed.B);
        var before = await RlsProbe.FingerprintAsync(Pg.AdminConnectionString, seed.Tables);
        var updatable = await UpdatableByAppAsync(seed.Tables);

        foreach (var (role, cs) in Logins())
        {
            var isOwner = cs == Pg.OwnerConnectionString;
            IReadOnlyList<TenantRelation> tables = isOwner ? seed.Tables : [.. seed.Tables.Where(t => updatable.Contains(t.DisplayName))];

            var updates = await RlsProbe.ExecuteEachAsync(cs, tables, b, t => $"UPDATE {t.Sql} SET tenant_id = tenant_id WHERE tenant_id = '{seed.A:D}'");
            Assert.That(updates.Where(r => r.Value != (0, null)).Select(r => r.Key), Is.Empty, $"{role}: UPDATE of A's rows under B");

            // Moving B's own rows into tenant A fails WITH CHECK.
            var moves = await RlsProbe.ExecuteEachAsync(cs, tables, b, t => $"UPDATE {t.Sql} SET tenant_id = '{seed.A:D}'");
            foreach (var (table, (_, error)) in moves)
            {
                Assert.That(error?.SqlState, Is.EqualTo(PostgresErrorCodes.InsufficientPrivilege), $"{role}: moving {table} rows to A: {RlsProbe.Describe(error)}");

                // audit_entries' append-only trigger (BEFORE UPDATE) may refuse first; either way nothing moves.
                Assert.That(error?.MessageText, Does.Contain("row-level security policy").Or.Contain("append-only"), $"{role}: moving {table} rows to A");
            }

            // Writing a row for A while B is the tenant fails WITH CHECK.
            var inserts = await RlsProbe.TryInsertAsync(cs, Pg.AdminConnectionString, seed.Tables, b, seed.A);
            foreach (var (table, error) in inserts)
            {
                Assert.That(error?.SqlState, Is.EqualTo(PostgresErrorCodes.InsufficientPrivilege), $"{role}: inserting {table} row of A under B");
                Assert.That(error?.MessageText, Does.Contain("row-level security policy"), $"{role}: inserting {table} row of A under B");
            }

            if (isOwner)
            {
                var deletes = await RlsProbe.ExecuteEachAsync(cs, seed.Tables, b, t => $"DELETE FROM {t.Sql} WHERE tenant_id = '{seed.A:D}'");
                Assert.That(deletes.Where(r => r.Value != (0, null)).Select(r => r.Key), Is.Empty, "owner: DELETE of A's rows under B");
            }
        }

        Assert.That(await RlsProbe.FingerprintAsync(Pg.AdminConnectionString, seed.Tables), Is.EqualTo(before));
    }

    [TestCase(false, TestName = "A pooled connection carries no tenant into its next transaction (Npgsql resets on close)")]
    [TestCase(true, TestName = "A pooled connection carries no tenant into its next transaction (no reset, like PgBouncer transaction mode)")]
    public async Task A_pooled_connection_carries_no_tenant_into_the_next_transaction(bool noResetOnClose)
    {
        var seed = await SeedAsync();

        // A private pool of one connection: every open below gets the same server session.
        var cs = new NpgsqlConnectionStringBuilder(Pg.AppConnectionString)
        {
            MaxPoolSize = 1,
            ApplicationName = $"rls-pool-{Guid.NewGuid():N}",
            NoResetOnClose = noResetOnClose,
        }.ConnectionString;

        int pid;
        await using (var connection = await Connections.OpenAsync(cs))
        {
            pid = (int)(await RlsProbe.ScalarAsync(connection, "SELECT pg_backend_pid()"))!;
            await using (var tx = await connection.BeginTransactionAsync())
            {
                await RlsProbe.ApplyAsync(connection, tx, TenantSetting.Of(seed.A));
                Assert.That((long)(await RlsProbe.ScalarAsync(connection, "SELECT count(*) FROM consumers", tx))!, Is.GreaterThan(0L));
                await tx.CommitAsync();
            }

            // The same connection, next transaction: nothing left.
            Assert.That(await RlsProbe.ScalarAsync(connection, "SELECT coalesce(current_setting('app.tenant_id', true), '<null>')"),
                Is.EqualTo("").Or.EqualTo("<null>"));
            await using (var tx = await connection.BeginTransactionAsync())
            {
                foreach (var table in seed.Tables)
                {
                    Assert.That((long)(await RlsProbe.ScalarAsync(connection, $"SELECT count(*) FROM {table.Sql}", tx))!, Is.Zero, table.DisplayName);
                }

                await tx.CommitAsync();
            }
        }

        // Back through the pool: the same session, and still nothing.
        await using (var connection = await Connections.OpenAsync(cs))
        {
            Assert.That(await RlsProbe.ScalarAsync(connection, "SELECT pg_backend_pid()"), Is.EqualTo(pid), "the pool handed back the same session");
        }

        Assert.That(await RlsProbe.ForeignRowsVisibleAsync(cs, seed.Tables, TenantSetting.Unset, allowed: null), Is.Empty);
        Assert.That(await RlsProbe.ForeignRowsVisibleAsync(cs, seed.Tables, TenantSetting.Of(seed.B), seed.B), Is.Empty);
        NpgsqlConnection.ClearPool(new NpgsqlConnection(cs));
    }

    [Test]
    public async Task The_pool_probe_has_teeth_a_session_level_setting_would_leak_without_a_reset()
    {
        // What SET LOCAL protects against: a session-wide SET survives on a pooled connection that is not reset
        // (PgBouncer in transaction mode), and the next borrower sees the previous tenant's rows. The probe sees it.
        var seed = await SeedAsync();
        var cs = new NpgsqlConnectionStringBuilder(Pg.AppConnectionString)
        {
            MaxPoolSize = 1,
            ApplicationName = $"rls-pool-leak-{Guid.NewGuid():N}",
            NoResetOnClose = true,
        }.ConnectionString;
        await using (var connection = await Connections.OpenAsync(cs))
        {
            await RlsProbe.ScalarAsync(connection, $"SET app.tenant_id = '{seed.A:D}'");
        }

        var leaks = await RlsProbe.ForeignRowsVisibleAsync(cs, seed.Tables, TenantSetting.Unset, allowed: null);
        Assert.That(leaks, Has.Count.EqualTo(seed.Tables.Count), "every table shows A's rows to a borrower that set no tenant");
        NpgsqlConnection.ClearPool(new NpgsqlConnection(cs));
    }

    [Test]
    public async Task The_service_role_cannot_update_delete_or_truncate_audit_entries()
    {
        var seed = await SeedAsync();
        var audit = seed.Tables.Where(t => t.DisplayName == "audit_entries").ToList();
        Assert.That(audit, Has.Count.EqualTo(1));
        var before = await RlsProbe.FingerprintAsync(Pg.AdminConnectionString, audit);

        // Within the audit rows' own tenant, so row-level security would let these through: the grants refuse them.
        foreach (var sql in new[] { "UPDATE audit_entries SET action = action", "DELETE FROM audit_entries", "TRUNCATE audit_entries" })
        {
            var result = await RlsProbe.ExecuteEachAsync(Pg.AppConnectionString, audit, TenantSetting.Of(seed.A), _ => sql);
            var (rows, error) = result["audit_entries"];
            Assert.That(error?.SqlState, Is.EqualTo(PostgresErrorCodes.InsufficientPrivilege), $"{sql}: {RlsProbe.Describe(error)}");
            Assert.That(error?.MessageText, Does.Contain("permission denied"), sql);
            Assert.That(rows, Is.Zero);
        }

        // INSERT and SELECT do work.
        Assert.That((await RlsProbe.TryInsertAsync(Pg.AppConnectionString, Pg.AdminConnectionString, audit, TenantSetting.Of(seed.A), seed.A))["audit_entries"],
            Is.Null);
        Assert.That((await RlsProbe.VisibleRowsOfAsync(Pg.AppConnectionString, audit, TenantSetting.Of(seed.A), seed.A))["audit_entries"], Is.GreaterThan(0L));
        Assert.That(await RlsProbe.FingerprintAsync(Pg.AdminConnectionString, audit), Is.EqualTo(before));
    }

    /// <summary>
    /// security.md point 6, tests with teeth. A scratch database (its own PostgresTestDatabase, so the fixture's schema
    /// stays intact) gets a copy of the two tenants' rows; then, as the superuser, one table at a time is weakened the
    /// ways a careless migration could: NO FORCE (the owner bypasses RLS), DISABLE (everyone bypasses it), a policy
    /// replaced by USING (true), a policy dropped (RLS without a policy denies everything: fails closed, so only the
    /// schema gate sees it), and a policy without nullif (errors on ''). The same probes and schema checks that pass on
    /// the real schema must name exactly the weakened table.
    /// </summary>
    [Test]
    public async Task The_probes_and_the_schema_gate_detect_a_weakened_schema()
    {
        var seed = await SeedAsync();
        await using var scratch = await PostgresTestDatabase.CreateAsync();
        await CopyTenantDataAsync(Pg.AdminConnectionString, scratch.AdminConnectionString);
        await using var admin = await scratch.OpenAdminAsync();
        var tables = await TenantCatalog.TenantTablesAsync(admin);
        var underB = TenantSetting.Of(seed.B);
        var app = scratch.AppConnectionString;
        var owner = scratch.OwnerConnectionString;

        async Task Weaken(string sql)
        {
            await using var command = new NpgsqlCommand(sql, admin);
            await command.ExecuteNonQueryAsync();
        }

        static IEnumerable<string> Named(IEnumerable<string> findings, string table) =>
            findings.Where(f => f.StartsWith(table + ":", StringComparison.Ordinal));

        // Baseline: the copy is complete and the intact schema passes every probe and check.
        Assert.That(await RlsProbe.CountAsSuperuserAsync(scratch.AdminConnectionString, tables, seed.A),
            Is.EquivalentTo(await RlsProbe.CountAsSuperuserAsync(Pg.AdminConnectionString, tables, seed.A)));
        Assert.That(await RlsProbe.ForeignRowsVisibleAsync(app, tables, underB, seed.B), Is.Empty);
        Assert.That(await RlsProbe.ForeignRowsVisibleAsync(owner, tables, underB, seed.B), Is.Empty);
        Assert.That(await TenantCatalog.RlsFlagViolationsAsync(admin), Is.Empty);
        Assert.That(await TenantCatalog.PolicyViolationsAsync(admin), Is.Empty);

        // 1. consumers: NO FORCE. The owner now sees every tenant's consumers; cms_app is still held by the policy.
        await Weaken("ALTER TABLE consumers NO FORCE ROW LEVEL SECURITY");
        var ownerLeaks = await RlsProbe.ForeignRowsVisibleAsync(owner, tables, underB, seed.B);
        Assert.That(ownerLeaks, Has.Count.EqualTo(1).And.Some.StartsWith("consumers:"), "the owner's probe names consumers, only");
        Assert.That(await RlsProbe.ForeignRowsVisibleAsync(NoPool(owner), tables, TenantSetting.Unset, null), Has.Some.StartsWith("consumers:"));
        Assert.That(await RlsProbe.ForeignRowsVisibleAsync(app, tables, underB, seed.B), Is.Empty);
        Assert.That(Named(await TenantCatalog.RlsFlagViolationsAsync(admin), "consumers"), Is.Not.Empty);

        // 2. complaints: DISABLE. cms_app sees A's complaints under B and with no tenant at all, and may write A's rows.
        await Weaken("ALTER TABLE complaints DISABLE ROW LEVEL SECURITY");
        var appLeaks = await RlsProbe.ForeignRowsVisibleAsync(app, tables, underB, seed.B);
        Assert.That(appLeaks, Has.Count.EqualTo(1).And.Some.StartsWith("complaints:"));
        Assert.That(await RlsProbe.ForeignRowsVisibleAsync(NoPool(app), tables, TenantSetting.Empty, null),
            Has.Count.EqualTo(1).And.Some.StartsWith("complaints:"));
        var complaints = tables.Where(t => t.DisplayName == "complaints").ToList();
        Assert.That((await RlsProbe.TryInsertAsync(app, scratch.AdminConnectionString, complaints, underB, seed.A))["complaints"], Is.Null,
            "with RLS disabled, B can write a complaint row for A");
        Assert.That(Named(await TenantCatalog.RlsFlagViolationsAsync(admin), "complaints"), Is.Not.Empty);

        // 3. complaint_notes: the policy replaced by an always-true one.
        await Weaken("DROP POLICY tenant_isolation ON complaint_notes; CREATE POLICY tenant_isolation ON complaint_notes USING (true) WITH CHECK (true)");
        Assert.That(await RlsProbe.ForeignRowsVisibleAsync(app, tables, underB, seed.B), Has.Some.StartsWith("complaint_notes:"));
        Assert.That(Named(await TenantCatalog.PolicyViolationsAsync(admin), "complaint_notes"), Is.Not.Empty);

        // 4. audit_entries: policy dropped, RLS still on. Fails closed (B no longer sees even its own entries): no data
        //    probe can call that a leak, the schema gate does.
        await Weaken("DROP POLICY tenant_isolation ON audit_entries");
        Assert.That(await RlsProbe.ForeignRowsVisibleAsync(app, tables, underB, seed.B), Has.None.StartsWith("audit_entries:"));
        Assert.That((await RlsProbe.VisibleRowsOfAsync(app, tables, underB, seed.B))["audit_entries"], Is.Zero);
        Assert.That(Named(await TenantCatalog.PolicyViolationsAsync(admin), "audit_entries"), Has.Some.Contains("exactly one policy"));

        // 5. staff_users: a policy that compares the raw setting (no nullif) errors on '' instead of answering nothing.
        await Weaken($"""
            DROP POLICY tenant_isolation ON staff_users;
            CREATE POLICY tenant_isolation ON staff_users
                USING (tenant_id = current_setting('app.tenant_id', true)::uuid)
                WITH CHECK (tenant_id = current_setting('app.tenant_id', true)::uuid)
            """);
        var staff = tables.Where(t => t.DisplayName == "staff_users").ToList();
        var empty = await RlsProbe.ExecuteEachAsync(app, staff, TenantSetting.Empty, t => $"SELECT count(*) FROM {t.Sql}");
        Assert.That(empty["staff_users"].Error?.SqlState, Is.EqualTo(PostgresErrorCodes.InvalidTextRepresentation));
        Assert.That(Named(await TenantCatalog.PolicyViolationsAsync(admin), "staff_users"), Has.Some.Contains("fail closed"));

        // 6. The key rule: an index that does not lead with tenant_id.
        await Weaken("CREATE INDEX ix_probe_consumers_email ON consumers (email)");
        Assert.That(await TenantCatalog.KeyViolationsAsync(admin), Has.Some.Contains("ix_probe_consumers_email"));

        // 7. The role rule: cms_app given DELETE, or made an owner.
        await Weaken("GRANT DELETE ON complaint_notes TO cms_app; ALTER TABLE complaint_deadlines OWNER TO cms_app");
        var roleViolations = await TenantCatalog.RoleViolationsAsync(admin);
        Assert.That(roleViolations, Has.Some.Contains("DELETE on public.complaint_notes"));
        Assert.That(roleViolations, Has.Some.Contains("owns table public.complaint_deadlines"));

        // 8. A table with tenant_id that the migrations forgot is picked up from the catalogue.
        await Weaken("CREATE TABLE forgotten_tenant_data (tenant_id uuid NOT NULL, id uuid NOT NULL, PRIMARY KEY (tenant_id, id))");
        var relations = await TenantCatalog.TenantTablesAsync(admin);
        Assert.That(relations.Select(r => r.DisplayName), Does.Contain("forgotten_tenant_data"));
        Assert.That(Named(await TenantCatalog.RlsFlagViolationsAsync(admin), "forgotten_tenant_data"), Is.Not.Empty);
        Assert.That(Named(await TenantCatalog.PolicyViolationsAsync(admin), "forgotten_tenant_data"), Is.Not.Empty);
    }

    private async Task<HashSet<string>> UpdatableByAppAsync(IEnumerable<TenantRelation> tables)
    {
        await using var admin = await Pg.OpenAdminAsync();
        var set = new HashSet<string>();
        foreach (var table in tables)
        {
            if (await RlsProbe.ScalarAsync(admin, $"SELECT has_table_privilege('cms_app', '{table.Sql}', 'UPDATE')") is true)
            {
                set.Add(table.DisplayName);
            }
        }

        return set;
    }

    /// <summary>Copies tenants and every tenant table, row for row, as the superuser (foreign key triggers off for the copy).</summary>
    private static async Task CopyTenantDataAsync(string fromAdmin, string toAdmin)
    {
        await using var from = await Connections.OpenAsync(fromAdmin);
        await using var to = await Connections.OpenAsync(toAdmin);
        await using var tx = await to.BeginTransactionAsync();
        await using (var replica = new NpgsqlCommand("SET LOCAL session_replication_role = replica", to, tx))
        {
            await replica.ExecuteNonQueryAsync();
        }

        var tables = new List<string> { "\"public\".\"tenants\"" };
        tables.AddRange((await TenantCatalog.TenantTablesAsync(from)).Select(t => t.Sql));
        foreach (var table in tables)
        {
            var rows = (string)(await RlsProbe.ScalarAsync(from, $"SELECT coalesce(jsonb_agg(to_jsonb(t)), '[]'::jsonb)::text FROM {table} t"))!;
            await using var insert = new NpgsqlCommand(
                $"INSERT INTO {table} SELECT * FROM jsonb_populate_recordset(NULL::{table}, @rows::jsonb)", to, tx);
            insert.Parameters.AddWithValue("rows", rows);
            await insert.ExecuteNonQueryAsync();
        }

        await tx.CommitAsync();
    }
}
