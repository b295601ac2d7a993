using System.Text.RegularExpressions;
using Cms.Migrations;
using Cms.Tests.Support;
using Npgsql;

namespace Cms.Tests.Isolation;

/// <summary>
/// The schema rules that make distribution by tenant_id on Citus possible, read from the PostgreSQL catalogue of a
/// freshly migrated database (docs/scaling.md, deploy/citus/distribute.sql), and checked to have teeth on a scratch
/// table that breaks each rule inside a rolled-back transaction:
/// tenant_id (uuid, NOT NULL) in every tenant table's primary key and unique constraints and indexes; foreign keys
/// between tenant tables pair tenant_id with tenant_id (co-location); a tenant table refers to global data only in a
/// reference table, and global data never refers to tenant data; no subquery in any row-level security policy; the
/// tenant comes from the transaction (SET LOCAL), never from a role's or database's default; and deploy/citus names
/// every table: the tenant tables as distributed, co-located; the others as reference tables.
/// </summary>
public sealed class CitusReadinessTests : OwnPostgresDatabase
{
    private static readonly string DistributeScript = Path.Combine(RepoPaths.Root, "deploy", "citus", "distribute.sql");

    /// <summary>The tables deploy/citus/distribute.sql distributes (with their colocate_with) and makes reference tables.</summary>
    private static (Dictionary<string, string?> Distributed, List<string> Reference) Script()
    {
        var text = File.ReadAllText(DistributeScript);
        var code = string.Join('\n', text.Split('\n').Where(l => !l.TrimStart().StartsWith("--", StringComparison.Ordinal)));
        var distributed = Regex.Matches(code, @"create_distributed_table\('(\w+)',\s*'(\w+)'(?:,\s*colocate_with\s*=>\s*'(\w+)')?\)")
            .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value == "tenant_id" && m.Groups[3].Success ? m.Groups[3].Value
                : m.Groups[2].Value == "tenant_id" ? null : $"(distributed by {m.Groups[2].Value})");
        var reference = Regex.Matches(code, @"create_reference_table\('(\w+)'\)").Select(m => m.Groups[1].Value).ToList();
        return (distributed, reference);
    }

    [Test]
    public async Task The_catalogue_follows_every_distribution_rule()
    {
        await using var admin = await Db.OpenAdminAsync();
        Assert.That(await CitusCatalog.ViolationsAsync(admin, Script().Reference), Is.Empty);
    }

    [Test]
    public async Task The_distribution_script_names_every_table_tenant_tables_distributed_and_co_located_the_rest_reference()
    {
        await using var admin = await Db.OpenAdminAsync();
        var tenantTables = (await TenantCatalog.TenantTablesAsync(admin)).Select(t => t.DisplayName).ToList();
        var globalTables = await CitusCatalog.GlobalTablesAsync(admin);
        var (distributed, reference) = Script();

        Assert.That(distributed.Keys, Is.EquivalentTo(tenantTables), "every tenant table, and only those, is distributed by tenant_id");
        Assert.That(reference, Is.EquivalentTo(globalTables.Where(t => t != CmsMigrator.VersionTableName)),
            "every other table (the migration history aside) is a reference table");
        var anchor = distributed.Single(d => d.Value is null).Key;
        Assert.That(distributed.Where(d => d.Key != anchor).Select(d => d.Value), Has.All.EqualTo(anchor),
            "one co-location group: every distributed table colocate_with the first");
    }

    [Test]
    public async Task The_tenant_comes_only_from_the_transaction_never_from_a_role_or_database_default()
    {
        await using var admin = await Db.OpenAdminAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM pg_catalog.pg_db_role_setting s, unnest(s.setconfig) c WHERE c LIKE 'app.tenant_id=%'", admin);
        Assert.That(await command.ExecuteScalarAsync(), Is.Zero);
    }

    [Test]
    public async Task Each_rule_catches_a_table_that_breaks_it()
    {
        await using var admin = await Db.OpenAdminAsync();
        await using var tx = await admin.BeginTransactionAsync();
        await using (var create = new NpgsqlCommand(
            """
            CREATE TABLE scratch_parent (tenant_id uuid NOT NULL, id uuid NOT NULL, code text, PRIMARY KEY (tenant_id, id));
            CREATE TABLE scratch_bad (
                tenant_id uuid,
                id uuid PRIMARY KEY,
                parent_id uuid,
                ref text,
                CONSTRAINT scratch_bad_ref UNIQUE (ref));
            CREATE UNIQUE INDEX scratch_bad_code ON scratch_parent (code);
            ALTER TABLE scratch_bad ADD CONSTRAINT scratch_bad_parent FOREIGN KEY (tenant_id, parent_id) REFERENCES scratch_parent (id, tenant_id);
            CREATE TABLE scratch_global (id int PRIMARY KEY, tenant_id_ref uuid, parent uuid);
            ALTER TABLE scratch_global ADD CONSTRAINT scratch_global_parent FOREIGN KEY (tenant_id_ref, parent) REFERENCES scratch_parent (tenant_id, id);
            ALTER TABLE scratch_parent ADD CONSTRAINT scratch_parent_global FOREIGN KEY (tenant_id) REFERENCES tenants (id);
            ALTER TABLE scratch_bad ADD COLUMN g int REFERENCES scratch_global (id);
            ALTER TABLE scratch_parent ENABLE ROW LEVEL SECURITY;
            CREATE POLICY tenant_isolation ON scratch_parent USING (tenant_id IN (SELECT id FROM tenants));
            """, admin, tx))
        {
            await create.ExecuteNonQueryAsync();
        }

        var violations = await CitusCatalog.ViolationsAsync(admin, Script().Reference);
        await tx.RollbackAsync();

        Assert.That(violations, Has.Some.Contains("scratch_bad: tenant_id is nullable"));
        Assert.That(violations, Has.Some.Contains("scratch_bad: primary key scratch_bad_pkey lacks tenant_id"));
        Assert.That(violations, Has.Some.Contains("scratch_bad: unique index scratch_bad_ref lacks tenant_id"));
        Assert.That(violations, Has.Some.Contains("scratch_parent: unique index scratch_bad_code lacks tenant_id"));
        Assert.That(violations, Has.Some.Contains("scratch_bad: foreign key scratch_bad_parent does not pair tenant_id with tenant_id"));
        Assert.That(violations, Has.Some.Contains("scratch_bad: foreign key scratch_bad_g_fkey refers to scratch_global, which is neither a co-located tenant table nor a reference table"));
        Assert.That(violations, Has.Some.Contains("scratch_global: foreign key scratch_global_parent refers from global data to the tenant table scratch_parent"));
        Assert.That(violations, Has.Some.Contains("scratch_parent: policy tenant_isolation holds a subquery"));
        Assert.That(violations, Has.None.Contains("scratch_parent_global"), "a tenant table may refer to a reference table (tenants)");
    }
}

/// <summary>The Citus distribution rules as catalogue checks returning the violations they find (empty = the schema is ready).</summary>
public static class CitusCatalog
{
    /// <summary>Base and partitioned tables of schema public without a tenant_id column (global data).</summary>
    public static async Task<List<string>> GlobalTablesAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
              AND NOT EXISTS (SELECT FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
            ORDER BY 1
            """, connection);
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    public static async Task<List<string>> ViolationsAsync(NpgsqlConnection connection, IReadOnlyCollection<string> referenceTables)
    {
        var violations = new List<string>();
        var tenantTables = (await TenantCatalog.TenantTablesAsync(connection)).Where(t => t.Schema == "public").Select(t => t.Name).ToHashSet();

        // 1. The distribution column: uuid, NOT NULL, the same type everywhere (co-location needs one type).
        violations.AddRange(await StringsAsync(connection,
            """
            SELECT c.relname || ': tenant_id is ' || CASE WHEN NOT a.attnotnull THEN 'nullable' ELSE format_type(a.atttypid, a.atttypmod) END
            FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
              AND (NOT a.attnotnull OR a.atttypid <> 'uuid'::regtype)
            """));

        // 2. tenant_id in every primary key and every unique index (unique constraints are unique indexes).
        violations.AddRange(await StringsAsync(connection,
            """
            SELECT t.relname || ': ' || CASE WHEN i.indisprimary THEN 'primary key ' ELSE 'unique index ' END || x.relname || ' lacks tenant_id'
            FROM pg_catalog.pg_index i
            JOIN pg_catalog.pg_class t ON t.oid = i.indrelid JOIN pg_catalog.pg_class x ON x.oid = i.indexrelid
            JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
            JOIN pg_catalog.pg_attribute a ON a.attrelid = t.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
            WHERE n.nspname = 'public' AND NOT t.relispartition AND (i.indisunique OR i.indisprimary)
              AND NOT (a.attnum = ANY (i.indkey::int2[]))
            """));

        // 3. Foreign keys: between tenant tables, tenant_id paired with tenant_id; from a tenant table to anything
        //    else, only to a reference table; from global data, never into a tenant table.
        await using (var command = new NpgsqlCommand(
            """
            SELECT k.conname, src.relname, dst.relname,
                   (SELECT array_agg(a.attname ORDER BY o.n) FROM unnest(k.conkey) WITH ORDINALITY o(attnum, n)
                    JOIN pg_catalog.pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = o.attnum),
                   (SELECT array_agg(a.attname ORDER BY o.n) FROM unnest(k.confkey) WITH ORDINALITY o(attnum, n)
                    JOIN pg_catalog.pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = o.attnum)
            FROM pg_catalog.pg_constraint k
            JOIN pg_catalog.pg_class src ON src.oid = k.conrelid JOIN pg_catalog.pg_class dst ON dst.oid = k.confrelid
            JOIN pg_catalog.pg_namespace n ON n.oid = src.relnamespace
            WHERE k.contype = 'f' AND n.nspname = 'public' AND NOT src.relispartition AND k.conparentid = 0
            """, connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                var (name, from, to) = (reader.GetString(0), reader.GetString(1), reader.GetString(2));
                var fromColumns = reader.GetFieldValue<string[]>(3);
                var toColumns = reader.GetFieldValue<string[]>(4);
                var fromTenant = tenantTables.Contains(from);
                var toTenant = tenantTables.Contains(to);
                if (fromTenant && toTenant)
                {
                    var position = Array.IndexOf(fromColumns, "tenant_id");
                    if (position < 0 || toColumns[position] != "tenant_id")
                    {
                        violations.Add($"{from}: foreign key {name} does not pair tenant_id with tenant_id ({string.Join(", ", fromColumns)}) -> {to} ({string.Join(", ", toColumns)})");
                    }
                }
                else if (fromTenant && !referenceTables.Contains(to))
                {
                    violations.Add($"{from}: foreign key {name} refers to {to}, which is neither a co-located tenant table nor a reference table");
                }
                else if (!fromTenant && toTenant)
                {
                    violations.Add($"{from}: foreign key {name} refers from global data to the tenant table {to}");
                }
            }
        }

        // 4. No subquery in any policy (the parsed expression tree holds no SubLink), partitions included.
        violations.AddRange(await StringsAsync(connection,
            """
            SELECT c.relname || ': policy ' || p.polname || ' holds a subquery'
            FROM pg_catalog.pg_policy p JOIN pg_catalog.pg_class c ON c.oid = p.polrelid
            WHERE coalesce(p.polqual::text, '') LIKE '%{SUBLINK %' OR coalesce(p.polwithcheck::text, '') LIKE '%{SUBLINK %'
            """));
        return violations;
    }

    private static async Task<List<string>> StringsAsync(NpgsqlConnection connection, string sql)
    {
        var list = new List<string>();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            list.Add(reader.GetString(0));
        }

        return list;
    }
}
