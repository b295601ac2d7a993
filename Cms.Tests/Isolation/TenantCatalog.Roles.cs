using System.Globalization;
using Npgsql;

namespace Cms.Tests.Isolation;

/// <summary>The catalogue checks of views, roles and the server version.</summary>
public static partial class TenantCatalog
{
    /// <summary>Views must run with the caller's rights (security_invoker), or they would read past row-level security.</summary>
    public static async Task<List<string>> ViewViolationsAsync(NpgsqlConnection connection)
    {
        var violations = new List<string>();
        await using var command = new NpgsqlCommand(
            """
            SELECT n.nspname || '.' || c.relname, c.relkind, coalesce(c.reloptions, '{}')
            FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('v', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
            """, connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var options = reader.GetFieldValue<string[]>(2);
            if (reader.GetChar(1) == 'm')
            {
                violations.Add($"{reader.GetString(0)}: a materialized view cannot be protected by row-level security");
            }
            else if (!options.Any(o => o.Equals("security_invoker=true", StringComparison.OrdinalIgnoreCase)
                                       || o.Equals("security_invoker=on", StringComparison.OrdinalIgnoreCase)))
            {
                violations.Add($"{reader.GetString(0)}: view without security_invoker (runs with its owner's rights)");
            }
        }

        return violations;
    }

    /// <summary>
    /// The service role: not superuser, no BYPASSRLS, member of no role, owns nothing, no TRUNCATE or DELETE anywhere,
    /// audit_entries INSERT and SELECT only. The owner role must not bypass RLS either (FORCE would mean nothing).
    /// </summary>
    public static async Task<List<string>> RoleViolationsAsync(NpgsqlConnection connection)
    {
        var violations = new List<string>();
        foreach (var role in new[] { AppRole, OwnerRole })
        {
            await using var command = new NpgsqlCommand(
                "SELECT rolsuper, rolbypassrls FROM pg_catalog.pg_roles WHERE rolname = @role", connection);
            command.Parameters.AddWithValue("role", role);
            await using var reader = await command.ExecuteReaderAsync();
            if (!await reader.ReadAsync())
            {
                violations.Add($"{role}: role does not exist");
                continue;
            }

            if (reader.GetBoolean(0))
            {
                violations.Add($"{role}: is a superuser");
            }

            if (reader.GetBoolean(1))
            {
                violations.Add($"{role}: has BYPASSRLS");
            }
        }

        violations.AddRange(await StringsAsync(connection,
            """
            SELECT 'cms_app: is a member of role ' || g.rolname
            FROM pg_catalog.pg_auth_members m
            JOIN pg_catalog.pg_roles r ON r.oid = m.member JOIN pg_catalog.pg_roles g ON g.oid = m.roleid
            WHERE r.rolname = 'cms_app'
            """));
        violations.AddRange(await StringsAsync(connection,
            """
            SELECT 'cms_app: owns ' || CASE c.relkind WHEN 'r' THEN 'table ' WHEN 'p' THEN 'table ' ELSE 'relation ' END
                   || n.nspname || '.' || c.relname
            FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relowner = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = 'cms_app')
            UNION ALL
            SELECT 'cms_app: owns schema ' || nspname FROM pg_catalog.pg_namespace
            WHERE nspowner = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = 'cms_app')
            UNION ALL
            SELECT 'cms_app: owns function ' || p.oid::regprocedure::text FROM pg_catalog.pg_proc p
            WHERE p.proowner = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = 'cms_app')
            UNION ALL
            SELECT 'cms_app: owns the database ' || datname FROM pg_catalog.pg_database
            WHERE datname = current_database() AND datdba = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = 'cms_app')
            """));
        violations.AddRange(await StringsAsync(connection,
            """
            SELECT 'cms_app: has ' || p.privilege || ' on ' || n.nspname || '.' || c.relname
            FROM pg_catalog.pg_class c
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            CROSS JOIN (VALUES ('TRUNCATE'), ('DELETE')) AS p(privilege)
            WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
              AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
              AND has_table_privilege('cms_app', c.oid, p.privilege)
            """));

        var audit = new Dictionary<string, bool>();
        foreach (var privilege in new[] { "SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER" })
        {
            await using var command = new NpgsqlCommand(
                "SELECT has_table_privilege('cms_app', to_regclass('public.audit_entries'), @p)", connection);
            command.Parameters.AddWithValue("p", privilege);
            audit[privilege] = (bool)(await command.ExecuteScalarAsync())!;
        }

        var granted = audit.Where(p => p.Value).Select(p => p.Key).Order().ToList();
        if (!granted.SequenceEqual(["INSERT", "SELECT"]))
        {
            violations.Add($"cms_app: on audit_entries expected exactly INSERT and SELECT, has {string.Join(", ", granted)}");
        }

        await using (var command = new NpgsqlCommand(
            "SELECT has_any_column_privilege('cms_app', to_regclass('public.audit_entries'), 'UPDATE')", connection))
        {
            if ((bool)(await command.ExecuteScalarAsync())!)
            {
                violations.Add("cms_app: may UPDATE some column of audit_entries");
            }
        }

        return violations;
    }

    public static async Task<int> ServerVersionNumAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand("SHOW server_version_num", connection);
        return int.Parse((string)(await command.ExecuteScalarAsync())!, CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The oldest patch release of each major version with the 2025 row-level security fixes (CVE-2025-8713:
    /// 13.22, 14.19, 15.14, 16.10, 17.6); the product asks for 15.14 or newer.
    /// </summary>
    public static int MinimumPatchedVersionNum(int serverVersionNum) => (serverVersionNum / 10000) switch
    {
        < 15 => 150014,
        15 => 150014,
        16 => 160010,
        17 => 170006,
        _ => 0,
    };

    /// <summary>Lower case, no white space, no ::text casts and no parentheses: deparsed and written forms compare equal.</summary>
    public static string NormaliseExpression(string expression) =>
        new string(expression.ToLowerInvariant().Replace("::text", "", StringComparison.Ordinal)
            .Where(ch => !char.IsWhiteSpace(ch) && ch is not '(' and not ')').ToArray());

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
