using Cms.Migrations.Migrations;
using Npgsql;

namespace Cms.Tests.Isolation;

/// <summary>A relation of the database that has a tenant_id column (table, partitioned table or view).</summary>
/// <param name="Schema">Its schema.</param>
/// <param name="Name">Its name.</param>
/// <param name="Kind">pg_class.relkind: r (table), p (partitioned table), v (view), f (foreign table).</param>
public sealed record TenantRelation(string Schema, string Name, char Kind)
{
    /// <summary>The name as the migrations spell it: bare in schema public, schema-qualified elsewhere.</summary>
    public string DisplayName => Schema == "public" ? Name : $"{Schema}.{Name}";

    /// <summary>The quoted, qualified name for SQL text (never caller input: it comes from the catalogue).</summary>
    public string Sql => $"\"{Schema}\".\"{Name}\"";

    public bool IsTable => Kind is 'r' or 'p' or 'f';
}

/// <summary>
/// The schema gate of security.md point 1, as checks that return the violations they find (empty = the property holds).
/// Every check starts from the catalogue (information_schema.columns with column_name = 'tenant_id'), never from a list
/// kept by hand, so a table added later cannot be forgotten. The checks are reused by the "tests with teeth", which
/// weaken a scratch database and require these very checks to report it.
/// </summary>
public static partial class TenantCatalog
{
    public const string AppRole = CmsMigration.AppRole;
    public const string OwnerRole = "cms_owner";

    /// <summary>Every relation outside the system schemas with a tenant_id column, by schema and name. Partitions are
    /// not listed: the service reaches them only through their partitioned table (see <see cref="PartitionsAsync"/>).</summary>
    public static async Task<IReadOnlyList<TenantRelation>> TenantRelationsAsync(NpgsqlConnection connection)
    {
        const string sql = """
            SELECT c.table_schema, c.table_name, k.relkind
            FROM information_schema.columns c
            JOIN pg_catalog.pg_namespace n ON n.nspname = c.table_schema
            JOIN pg_catalog.pg_class k ON k.relnamespace = n.oid AND k.relname = c.table_name
            WHERE c.column_name = 'tenant_id'
              AND c.table_schema NOT IN ('pg_catalog', 'information_schema')
              AND c.table_schema NOT LIKE 'pg\_%'
              AND NOT k.relispartition
            ORDER BY c.table_schema, c.table_name
            """;
        var relations = new List<TenantRelation>();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            relations.Add(new TenantRelation(reader.GetString(0), reader.GetString(1), reader.GetChar(2)));
        }

        return relations;
    }

    /// <summary>The tables (not views) holding tenant data, from the catalogue.</summary>
    public static async Task<IReadOnlyList<TenantRelation>> TenantTablesAsync(NpgsqlConnection connection) =>
        [.. (await TenantRelationsAsync(connection)).Where(r => r.IsTable)];

    /// <summary>The partitions of the tenant tables (audit_entries by month), at every level of partitioning.</summary>
    public static async Task<IReadOnlyList<TenantRelation>> PartitionsAsync(NpgsqlConnection connection)
    {
        const string sql = """
            WITH RECURSIVE tree AS (
                SELECT i.inhrelid AS oid FROM pg_catalog.pg_inherits i
                JOIN pg_catalog.pg_class p ON p.oid = i.inhparent AND p.relkind = 'p' AND NOT p.relispartition
                UNION ALL
                SELECT i.inhrelid FROM pg_catalog.pg_inherits i JOIN tree t ON i.inhparent = t.oid)
            SELECT n.nspname, c.relname, c.relkind
            FROM tree JOIN pg_catalog.pg_class c ON c.oid = tree.oid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE EXISTS (SELECT FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
            ORDER BY n.nspname, c.relname
            """;
        var relations = new List<TenantRelation>();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            relations.Add(new TenantRelation(reader.GetString(0), reader.GetString(1), reader.GetChar(2)));
        }

        return relations;
    }

    /// <summary>
    /// Defence in depth for partitions: each one has row-level security enabled and forced with the one tenant policy
    /// (so reading a partition directly, past its parent, is filtered too), and cms_app has no privilege at all on it.
    /// </summary>
    public static async Task<List<string>> PartitionViolationsAsync(NpgsqlConnection connection)
    {
        var partitions = await PartitionsAsync(connection);
        var violations = new List<string>();
        violations.AddRange(await RlsFlagViolationsAsync(connection, partitions));
        violations.AddRange(await PolicyViolationsAsync(connection, partitions));
        foreach (var partition in partitions)
        {
            foreach (var privilege in new[] { "SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER" })
            {
                await using var command = new NpgsqlCommand($"SELECT has_table_privilege('{AppRole}', '{partition.Sql}'::regclass, @p)", connection);
                command.Parameters.AddWithValue("p", privilege);
                if ((bool)(await command.ExecuteScalarAsync())!)
                {
                    violations.Add($"{partition.DisplayName}: cms_app has {privilege} on a partition (it may reach rows only through the parent)");
                }
            }
        }

        return violations;
    }

    /// <summary>Row-level security enabled and forced on every tenant table.</summary>
    public static async Task<List<string>> RlsFlagViolationsAsync(NpgsqlConnection connection) =>
        await RlsFlagViolationsAsync(connection, await TenantTablesAsync(connection));

    private static async Task<List<string>> RlsFlagViolationsAsync(NpgsqlConnection connection, IEnumerable<TenantRelation> tables)
    {
        var violations = new List<string>();
        foreach (var table in tables)
        {
            await using var command = new NpgsqlCommand(
                $"SELECT relrowsecurity, relforcerowsecurity FROM pg_catalog.pg_class WHERE oid = '{table.Sql}'::regclass", connection);
            await using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            if (!reader.GetBoolean(0))
            {
                violations.Add($"{table.DisplayName}: row-level security is not enabled (relrowsecurity = false)");
            }

            if (!reader.GetBoolean(1))
            {
                violations.Add($"{table.DisplayName}: row-level security is not forced (relforcerowsecurity = false): the owner bypasses it");
            }
        }

        return violations;
    }

    /// <summary>
    /// Exactly one policy per tenant table: permissive, for all commands and all roles, with both USING and WITH CHECK,
    /// each exactly the fail-closed tenant condition (nullif(current_setting('app.tenant_id', true), '')), no subquery.
    /// </summary>
    public static async Task<List<string>> PolicyViolationsAsync(NpgsqlConnection connection) =>
        await PolicyViolationsAsync(connection, await TenantTablesAsync(connection));

    private static async Task<List<string>> PolicyViolationsAsync(NpgsqlConnection connection, IEnumerable<TenantRelation> tables)
    {
        var expected = NormaliseExpression(CmsMigration.TenantCondition);
        var failClosed = NormaliseExpression("nullif(current_setting('app.tenant_id', true), '')");
        var violations = new List<string>();
        foreach (var table in tables)
        {
            await using var command = new NpgsqlCommand(
                """
                SELECT policyname, permissive, roles::text[], cmd, qual, with_check
                FROM pg_catalog.pg_policies WHERE schemaname = @schema AND tablename = @table
                """, connection);
            command.Parameters.AddWithValue("schema", table.Schema);
            command.Parameters.AddWithValue("table", table.Name);
            var policies = new List<(string Name, string Permissive, string[] Roles, string Cmd, string? Qual, string? Check)>();
            await using (var reader = await command.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    policies.Add((reader.GetString(0), reader.GetString(1), reader.GetFieldValue<string[]>(2), reader.GetString(3),
                        reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5)));
                }
            }

            if (policies.Count != 1)
            {
                violations.Add($"{table.DisplayName}: expected exactly one policy, found {policies.Count} ({string.Join(", ", policies.Select(p => p.Name))})");
                if (policies.Count == 0)
                {
                    continue;
                }
            }

            foreach (var p in policies)
            {
                var where = $"{table.DisplayName}: policy {p.Name}";
                if (p.Name != CmsMigration.PolicyName)
                {
                    violations.Add($"{where}: expected the name {CmsMigration.PolicyName}");
                }

                if (p.Permissive != "PERMISSIVE" || p.Cmd != "ALL" || !p.Roles.SequenceEqual(["public"]))
                {
                    violations.Add($"{where}: expected PERMISSIVE FOR ALL TO public, found {p.Permissive} FOR {p.Cmd} TO {string.Join(",", p.Roles)}");
                }

                foreach (var (clause, text) in new[] { ("USING", p.Qual), ("WITH CHECK", p.Check) })
                {
                    if (text is null)
                    {
                        violations.Add($"{where}: has no {clause} expression");
                        continue;
                    }

                    var normalised = NormaliseExpression(text);
                    if (!normalised.Contains(failClosed, StringComparison.Ordinal))
                    {
                        violations.Add($"{where}: {clause} ({text}) does not fail closed through nullif(current_setting('app.tenant_id', true), '')");
                    }
                    else if (normalised != expected)
                    {
                        violations.Add($"{where}: {clause} ({text}) is not the tenant condition {CmsMigration.TenantCondition}");
                    }

                    if (normalised.Contains("select", StringComparison.Ordinal))
                    {
                        violations.Add($"{where}: {clause} ({text}) holds a subquery (Citus refuses them)");
                    }
                }
            }
        }

        return violations;
    }

    /// <summary>
    /// tenant_id leads every index (so every primary key and unique constraint), every primary, unique, exclusion and
    /// foreign key of a tenant table; a foreign key into a tenant table leads with its tenant_id too; and every tenant
    /// table has a primary key.
    /// </summary>
    public static async Task<List<string>> KeyViolationsAsync(NpgsqlConnection connection)
    {
        var tables = await TenantTablesAsync(connection);
        var violations = new List<string>();
        foreach (var table in tables)
        {
            var hasPrimaryKey = false;
            await using (var command = new NpgsqlCommand(
                $"""
                SELECT i.indexrelid::regclass::text, i.indisprimary, i.indkey[0], a.attname
                FROM pg_catalog.pg_index i
                LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                WHERE i.indrelid = '{table.Sql}'::regclass
                """, connection))
            await using (var reader = await command.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    hasPrimaryKey |= reader.GetBoolean(1);
                    var first = reader.IsDBNull(3) ? $"(expression, attnum {reader.GetInt16(2)})" : reader.GetString(3);
                    if (first != "tenant_id")
                    {
                        violations.Add($"{table.DisplayName}: index {reader.GetString(0)} starts with {first}, not tenant_id");
                    }
                }
            }

            if (!hasPrimaryKey)
            {
                violations.Add($"{table.DisplayName}: has no primary key");
            }
        }

        // Constraints of tenant tables, and foreign keys of any table that point into a tenant table.
        await using (var command = new NpgsqlCommand(
            """
            SELECT c.conname, c.contype, c.conrelid::regclass::text, c.confrelid,
                   (SELECT attname FROM pg_catalog.pg_attribute WHERE attrelid = c.conrelid AND attnum = c.conkey[1]),
                   (SELECT attname FROM pg_catalog.pg_attribute WHERE attrelid = c.confrelid AND attnum = c.confkey[1]),
                   c.conrelid, CASE WHEN c.confrelid = 0 THEN NULL ELSE c.confrelid::regclass::text END
            FROM pg_catalog.pg_constraint c
            JOIN pg_catalog.pg_namespace n ON n.oid = c.connamespace
            WHERE c.contype IN ('p', 'u', 'f', 'x') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
            """, connection))
        {
            var tenantOids = new HashSet<uint>();
            foreach (var table in tables)
            {
                await using var oid = new NpgsqlCommand($"SELECT '{table.Sql}'::regclass::oid", connection);
                tenantOids.Add((uint)(await oid.ExecuteScalarAsync())!);
            }

            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var name = reader.GetString(0);
                var type = reader.GetChar(1);
                var owner = reader.GetString(2);
                var first = reader.IsDBNull(4) ? "(none)" : reader.GetString(4);
                var ownerOid = reader.GetFieldValue<uint>(6);
                var referencedOid = reader.GetFieldValue<uint>(3);
                var kind = type switch { 'p' => "primary key", 'u' => "unique constraint", 'f' => "foreign key", _ => "exclusion constraint" };
                if (tenantOids.Contains(ownerOid) && first != "tenant_id")
                {
                    violations.Add($"{owner}: {kind} {name} starts with {first}, not tenant_id");
                }

                if (type == 'f' && tenantOids.Contains(referencedOid))
                {
                    var referencedFirst = reader.IsDBNull(5) ? "(none)" : reader.GetString(5);
                    if (!tenantOids.Contains(ownerOid) || first != "tenant_id" || referencedFirst != "tenant_id")
                    {
                        violations.Add($"{owner}: foreign key {name} into tenant table {reader.GetString(7)} does not pair tenant_id with tenant_id " +
                                       $"(from {first} to {referencedFirst})");
                    }
                }
            }
        }

        return violations;
    }
}
