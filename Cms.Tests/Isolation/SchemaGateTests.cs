using System.Globalization;
using Cms.Migrations.Migrations;
using Cms.Tests.Support;
using Npgsql;

namespace Cms.Tests.Isolation;

/// <summary>
/// security.md point 1, the schema gate, on a freshly bootstrapped (deploy/postgres/roles.sql) and migrated PostgreSQL
/// database, read from the catalogue as the superuser. The list of tenant tables comes from the catalogue itself
/// (information_schema.columns, column tenant_id), so a table added later is checked without anyone remembering to.
/// </summary>
public sealed class SchemaGateTests : OwnPostgresDatabase
{
    /// <summary>The tenant tables the migrations declare, over all migrations (Cms.Migrations.Migrations.Schema).</summary>
    private static IReadOnlyList<string> DeclaredTenantTables() => Schema.TenantTableNames;

    [Test]
    public async Task The_tenant_tables_in_the_catalogue_are_exactly_the_tenant_tables_the_migrations_declare()
    {
        await using var admin = await Db.OpenAdminAsync();
        var relations = await TenantCatalog.TenantRelationsAsync(admin);
        var tables = relations.Where(r => r.IsTable).Select(r => r.DisplayName).ToList();

        Assert.That(tables, Is.Not.Empty, "the catalogue lists no table with a tenant_id column: did the migration run?");
        Assert.That(tables, Is.SupersetOf(Schema.TenantTableNames));
        var declared = DeclaredTenantTables();
        Assert.Multiple(() =>
        {
            Assert.That(tables.Except(declared), Is.Empty,
                "tables with a tenant_id column that Schema.TenantTableNames does not declare (add them there)");
            Assert.That(declared.Except(tables), Is.Empty, "tenant tables declared by a migration but without a tenant_id column in the database");
        });
        Assert.That(tables, Does.Not.Contain("tenants"), "the tenant registry itself holds no tenant_id");
    }

    [Test]
    public async Task Every_tenant_table_has_row_level_security_enabled_and_forced()
    {
        await using var admin = await Db.OpenAdminAsync();
        Assert.That(await TenantCatalog.RlsFlagViolationsAsync(admin), Is.Empty);
    }

    [Test]
    public async Task Every_tenant_table_has_exactly_one_fail_closed_policy_with_using_and_with_check()
    {
        await using var admin = await Db.OpenAdminAsync();
        Assert.That(await TenantCatalog.PolicyViolationsAsync(admin), Is.Empty);

        // And the deparsed text says what the check normalises away: nullif over current_setting(..., true).
        await using var command = new NpgsqlCommand(
            "SELECT DISTINCT qual FROM pg_catalog.pg_policies WHERE schemaname = 'public' AND tablename <> 'tenants' " +
            "UNION SELECT DISTINCT with_check FROM pg_catalog.pg_policies WHERE schemaname = 'public' AND tablename <> 'tenants'",
            admin);
        await using var reader = await command.ExecuteReaderAsync();
        var texts = new List<string>();
        while (await reader.ReadAsync())
        {
            texts.Add(reader.GetString(0));
        }

        Assert.That(texts, Has.Count.EqualTo(1), "USING and WITH CHECK of every policy are one and the same condition");
        Assert.That(texts[0], Does.Contain("NULLIF(current_setting('app.tenant_id'::text, true), ''::text)"));
    }

    [Test]
    public void The_policy_check_rejects_conditions_that_do_not_fail_closed()
    {
        // The normalisation must keep apart what matters: a raw current_setting (throws on '', or without missing_ok
        // on a fresh session), a missing nullif, or an always-true condition.
        var expected = TenantCatalog.NormaliseExpression(CmsMigration.TenantCondition);
        Assert.Multiple(() =>
        {
            Assert.That(TenantCatalog.NormaliseExpression("(tenant_id = (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid)"),
                Is.EqualTo(expected));
            Assert.That(TenantCatalog.NormaliseExpression("(tenant_id = (current_setting('app.tenant_id'::text, true))::uuid)"),
                Is.Not.EqualTo(expected));
            Assert.That(TenantCatalog.NormaliseExpression("(tenant_id = (current_setting('app.tenant_id'::text))::uuid)"),
                Is.Not.EqualTo(expected));
            Assert.That(TenantCatalog.NormaliseExpression("true"), Is.Not.EqualTo(expected));
            Assert.That(TenantCatalog.NormaliseExpression(
                    "((tenant_id = (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid) OR true)"),
                Is.Not.EqualTo(expected));
        });
    }

    [Test]
    public async Task Tenant_id_leads_every_key_and_index_of_the_tenant_tables()
    {
        await using var admin = await Db.OpenAdminAsync();
        Assert.That(await TenantCatalog.KeyViolationsAsync(admin), Is.Empty);

        // Not vacuous: the tenant tables do have primary keys, unique constraints, foreign keys and plain indexes.
        await using var command = new NpgsqlCommand(
            """
            SELECT c.contype, count(*) FROM pg_catalog.pg_constraint c
            WHERE c.conrelid IN (SELECT to_regclass('public.' || quote_ident(table_name)) FROM information_schema.columns
                                 WHERE table_schema = 'public' AND column_name = 'tenant_id')
              AND NOT (SELECT relispartition FROM pg_catalog.pg_class WHERE oid = c.conrelid)
            GROUP BY c.contype
            """, admin);
        var counts = new Dictionary<char, long>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                counts[reader.GetChar(0)] = reader.GetInt64(1);
            }
        }

        Assert.That(counts.GetValueOrDefault('p'), Is.EqualTo((await TenantCatalog.TenantTablesAsync(admin)).Count), "one primary key per tenant table");
        Assert.That(counts.GetValueOrDefault('u'), Is.GreaterThan(0));
        Assert.That(counts.GetValueOrDefault('f'), Is.GreaterThan(0));
    }

    [Test]
    public async Task Every_partition_of_a_tenant_table_is_isolated_itself_and_closed_to_the_service_role()
    {
        await using var admin = await Db.OpenAdminAsync();
        var partitions = await TenantCatalog.PartitionsAsync(admin);
        Assert.That(partitions.Select(p => p.Name), Has.Some.StartsWith("audit_entries_p").And.Some.StartsWith("events_p"),
            "the migrations created month partitions of both partitioned tables");
        Assert.That(await TenantCatalog.PartitionViolationsAsync(admin), Is.Empty);
    }

    [Test]
    public async Task Views_if_any_run_with_the_callers_rights()
    {
        await using var admin = await Db.OpenAdminAsync();
        Assert.That(await TenantCatalog.ViewViolationsAsync(admin), Is.Empty);
    }

    [Test]
    public async Task The_service_role_is_no_superuser_bypasses_nothing_owns_nothing_and_may_not_delete_or_truncate()
    {
        await using var admin = await Db.OpenAdminAsync();
        Assert.That(await TenantCatalog.RoleViolationsAsync(admin), Is.Empty);

        // The same facts, spelled out on the role itself.
        await using var command = new NpgsqlCommand(
            "SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_catalog.pg_roles WHERE rolname = 'cms_app'", admin);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.That(await reader.ReadAsync(), Is.True, "role cms_app exists");
        Assert.Multiple(() =>
        {
            Assert.That(reader.GetBoolean(0), Is.False, "cms_app is not a superuser");
            Assert.That(reader.GetBoolean(1), Is.False, "cms_app has no BYPASSRLS");
            Assert.That(reader.GetBoolean(2), Is.False, "cms_app cannot create roles");
            Assert.That(reader.GetBoolean(3), Is.False, "cms_app cannot create databases");
        });
    }

    [Test]
    public async Task The_service_role_may_only_insert_and_select_audit_entries()
    {
        await using var admin = await Db.OpenAdminAsync();
        var granted = new List<string>();
        foreach (var privilege in new[] { "SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER" })
        {
            await using var command = new NpgsqlCommand("SELECT has_table_privilege('cms_app', 'public.audit_entries', @p)", admin);
            command.Parameters.AddWithValue("p", privilege);
            if ((bool)(await command.ExecuteScalarAsync())!)
            {
                granted.Add(privilege);
            }
        }

        Assert.That(granted, Is.EquivalentTo(new[] { "SELECT", "INSERT" }));
    }

    [Test]
    public async Task The_server_has_the_row_level_security_fixes()
    {
        await using var admin = await Db.OpenAdminAsync();
        var version = await TenantCatalog.ServerVersionNumAsync(admin);
        var minimum = TenantCatalog.MinimumPatchedVersionNum(version);
        if (version < minimum)
        {
            Assert.Warn(string.Create(CultureInfo.InvariantCulture,
                $"PostgreSQL server_version_num {version} is older than {minimum}: it lacks the row-level security fixes (CVE-2025-8713); production needs 15.14 or newer."));
        }

        Assert.That(version, Is.GreaterThan(0));
    }

    [Test]
    public void The_version_floor_follows_each_major_release()
    {
        Assert.Multiple(() =>
        {
            Assert.That(TenantCatalog.MinimumPatchedVersionNum(140020), Is.EqualTo(150014), "14.x is below the product's floor");
            Assert.That(TenantCatalog.MinimumPatchedVersionNum(150013), Is.EqualTo(150014));
            Assert.That(TenantCatalog.MinimumPatchedVersionNum(150018), Is.EqualTo(150014));
            Assert.That(TenantCatalog.MinimumPatchedVersionNum(160009), Is.EqualTo(160010));
            Assert.That(TenantCatalog.MinimumPatchedVersionNum(170006), Is.EqualTo(170006));
            Assert.That(TenantCatalog.MinimumPatchedVersionNum(180000), Is.Zero);
        });
    }
}
