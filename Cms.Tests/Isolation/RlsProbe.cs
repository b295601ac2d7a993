using System.Globalization;
using System.Text.Json.Nodes;
using Cms.Tests.Support;
using Npgsql;

namespace Cms.Tests.Isolation;

/// <summary>How a probe transaction sets the tenant: to a tenant id, to '' (SET LOCAL app.tenant_id = ''), or not at all.</summary>
public abstract record TenantSetting
{
    public static readonly TenantSetting Unset = new UnsetSetting();
    public static readonly TenantSetting Empty = new EmptySetting();

    public static TenantSetting Of(Guid tenantId) => new TenantIdSetting(tenantId);

    /// <summary>A value that is no tenant id at all (what the service never sends): the policy's uuid cast refuses it.</summary>
    public static TenantSetting Malformed(string value) => new MalformedSetting(value);

    /// <summary>The statement that starts the probe transaction's tenant context (null: none).</summary>
    public abstract string? Statement { get; }

    private sealed record UnsetSetting : TenantSetting
    {
        public override string? Statement => null;

        public override string ToString() => "never set";
    }

    private sealed record EmptySetting : TenantSetting
    {
        public override string? Statement => "SET LOCAL app.tenant_id = ''";

        public override string ToString() => "set to ''";
    }

    private sealed record MalformedSetting(string Value) : TenantSetting
    {
        public override string? Statement => $"SET LOCAL app.tenant_id = '{Value.Replace("'", "''", StringComparison.Ordinal)}'";

        public override string ToString() => $"set to '{Value}'";
    }

    private sealed record TenantIdSetting(Guid TenantId) : TenantSetting
    {
        // A Guid formatted here, never caller text: the same form the service uses.
        public override string? Statement => $"SET LOCAL app.tenant_id = '{TenantId:D}'";

        public override string ToString() => $"tenant {TenantId:D}";
    }
}

/// <summary>
/// Data probes with direct SQL, as a given login (cms_app, or the owner cms_owner), each in its own transaction that is
/// rolled back. Every probe returns what went wrong (empty = isolated), naming the table, so the same probe proves
/// isolation on the real schema and detects a weakened one.
/// </summary>
public static class RlsProbe
{
    /// <summary>
    /// In a transaction with <paramref name="setting"/>: rows of any tenant other than <paramref name="allowed"/> (null:
    /// no tenant at all) that a SELECT on each table returns.
    /// </summary>
    public static async Task<List<string>> ForeignRowsVisibleAsync(string connectionString, IEnumerable<TenantRelation> tables,
        TenantSetting setting, Guid? allowed)
    {
        var leaks = new List<string>();
        await using var connection = await Connections.OpenAsync(connectionString);
        foreach (var table in tables)
        {
            await using var tx = await connection.BeginTransactionAsync();
            await ApplyAsync(connection, tx, setting);
            var sql = allowed is null
                ? $"SELECT count(*) FROM {table.Sql}"
                : $"SELECT count(*) FROM {table.Sql} WHERE tenant_id IS DISTINCT FROM '{allowed:D}'::uuid";
            await using var command = new NpgsqlCommand(sql, connection, tx);
            var count = (long)(await command.ExecuteScalarAsync())!;
            if (count > 0)
            {
                leaks.Add($"{table.DisplayName}: {count} row(s) of another tenant visible with the tenant {setting}");
            }

            await tx.RollbackAsync();
        }

        return leaks;
    }

    /// <summary>Rows of <paramref name="tenant"/> visible through the policy (count per table) with <paramref name="setting"/>.</summary>
    public static async Task<Dictionary<string, long>> VisibleRowsOfAsync(string connectionString, IEnumerable<TenantRelation> tables,
        TenantSetting setting, Guid tenant)
    {
        var counts = new Dictionary<string, long>();
        await using var connection = await Connections.OpenAsync(connectionString);
        foreach (var table in tables)
        {
            await using var tx = await connection.BeginTransactionAsync();
            await ApplyAsync(connection, tx, setting);
            await using var command = new NpgsqlCommand($"SELECT count(*) FROM {table.Sql} WHERE tenant_id = '{tenant:D}'::uuid", connection, tx);
            counts[table.DisplayName] = (long)(await command.ExecuteScalarAsync())!;
            await tx.RollbackAsync();
        }

        return counts;
    }

    /// <summary>
    /// Tries to INSERT one fresh row (a copy of a row of <paramref name="rowTenant"/> with new key values) into each table,
    /// with <paramref name="setting"/>. Returns, per table, null when the insert went through (rolled back afterwards), or
    /// the PostgreSQL error (SqlState and message).
    /// </summary>
    public static async Task<Dictionary<string, PostgresException?>> TryInsertAsync(string connectionString, string adminConnectionString,
        IEnumerable<TenantRelation> tables, TenantSetting setting, Guid rowTenant)
    {
        var results = new Dictionary<string, PostgresException?>();
        await using var connection = await Connections.OpenAsync(connectionString);
        foreach (var table in tables)
        {
            var row = await FreshRowAsync(adminConnectionString, table, rowTenant);
            await using var tx = await connection.BeginTransactionAsync();
            await ApplyAsync(connection, tx, setting);
            await using var command = new NpgsqlCommand(
                $"INSERT INTO {table.Sql} SELECT * FROM jsonb_populate_record(NULL::{table.Sql}, @row::jsonb)", connection, tx);
            command.Parameters.AddWithValue("row", row.ToJsonString());
            try
            {
                await command.ExecuteNonQueryAsync();
                results[table.DisplayName] = null;
            }
            catch (PostgresException ex)
            {
                results[table.DisplayName] = ex;
            }

            await tx.RollbackAsync();
        }

        return results;
    }

    /// <summary>
    /// Runs <paramref name="sqlOf"/>(table) on each table with <paramref name="setting"/>; returns, per table, the
    /// number of rows affected or the PostgreSQL error. Always rolled back.
    /// </summary>
    public static async Task<Dictionary<string, (int Rows, PostgresException? Error)>> ExecuteEachAsync(string connectionString,
        IEnumerable<TenantRelation> tables, TenantSetting setting, Func<TenantRelation, string> sqlOf)
    {
        var results = new Dictionary<string, (int, PostgresException?)>();
        await using var connection = await Connections.OpenAsync(connectionString);
        foreach (var table in tables)
        {
            await using var tx = await connection.BeginTransactionAsync();
            await ApplyAsync(connection, tx, setting);
            await using var command = new NpgsqlCommand(sqlOf(table), connection, tx);
            try
            {
                results[table.DisplayName] = (await command.ExecuteNonQueryAsync(), null);
            }
            catch (PostgresException ex)
            {
                results[table.DisplayName] = (0, ex);
            }

            await tx.RollbackAsync();
        }

        return results;
    }

    /// <summary>An md5 of every row of every table (as the superuser): equal before and after means nothing changed.</summary>
    public static async Task<Dictionary<string, string>> FingerprintAsync(string adminConnectionString, IEnumerable<TenantRelation> tables)
    {
        var prints = new Dictionary<string, string>();
        await using var connection = await Connections.OpenAsync(adminConnectionString);
        foreach (var table in tables)
        {
            await using var command = new NpgsqlCommand(
                $"SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM {table.Sql} t", connection);
            prints[table.DisplayName] = (string)(await command.ExecuteScalarAsync())!;
        }

        return prints;
    }

    /// <summary>Rows per table of one tenant, counted by the superuser (who bypasses row-level security).</summary>
    public static async Task<Dictionary<string, long>> CountAsSuperuserAsync(string adminConnectionString, IEnumerable<TenantRelation> tables,
        Guid tenant)
    {
        var counts = new Dictionary<string, long>();
        await using var connection = await Connections.OpenAsync(adminConnectionString);
        foreach (var table in tables)
        {
            await using var command = new NpgsqlCommand($"SELECT count(*) FROM {table.Sql} WHERE tenant_id = @t", connection);
            command.Parameters.AddWithValue("t", tenant);
            counts[table.DisplayName] = (long)(await command.ExecuteScalarAsync())!;
        }

        return counts;
    }

    /// <summary>
    /// A copy of one row of <paramref name="tenant"/> (read by the superuser) whose key columns that no foreign key
    /// pins (ids, subjects, references, years, kinds) get fresh values, so inserting it is valid as far as keys go.
    /// </summary>
    public static async Task<JsonObject> FreshRowAsync(string adminConnectionString, TenantRelation table, Guid tenant)
    {
        await using var connection = await Connections.OpenAsync(adminConnectionString);
        JsonObject row;
        await using (var command = new NpgsqlCommand($"SELECT to_jsonb(t)::text FROM {table.Sql} t WHERE tenant_id = @t LIMIT 1", connection))
        {
            command.Parameters.AddWithValue("t", tenant);
            var text = await command.ExecuteScalarAsync() as string
                       ?? throw new InvalidOperationException($"{table.DisplayName} has no row of tenant {tenant} to copy.");
            row = JsonNode.Parse(text)!.AsObject();
        }

        await using (var command = new NpgsqlCommand(
            $"""
            SELECT DISTINCT a.attname, format_type(a.atttypid, NULL), CASE WHEN a.atttypmod > 4 THEN a.atttypmod - 4 ELSE NULL END
            FROM pg_catalog.pg_constraint c
            CROSS JOIN LATERAL unnest(c.conkey) AS k(attnum)
            JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
            WHERE c.conrelid = '{table.Sql}'::regclass AND c.contype IN ('p', 'u') AND a.attname <> 'tenant_id'
              AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint f
                              WHERE f.conrelid = c.conrelid AND f.contype = 'f' AND a.attnum = ANY (f.conkey))
            """, connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                var column = reader.GetString(0);
                var type = reader.GetString(1);
                int? length = reader.IsDBNull(2) ? null : reader.GetInt32(2);
                if (type.StartsWith("timestamp", StringComparison.Ordinal))
                {
                    // A partition key in the primary key (audit_entries' occurred_at): keep the row's instant, so that a
                    // partition exists for it; the fresh id keeps the key unique.
                    continue;
                }

                row[column] = type switch
                {
                    "uuid" => Guid.NewGuid().ToString("D"),
                    "integer" or "smallint" => Random.Shared.Next(3000, 9999),
                    "bigint" => Random.Shared.NextInt64(1_000_000, long.MaxValue),
                    "date" => new DateOnly(2200, 1, 1).AddDays(Random.Shared.Next(0, 300_000)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                    _ => ("p" + Guid.NewGuid().ToString("N"))[..Math.Min(length ?? 16, 16)],
                };
            }
        }

        return row;
    }

    public static async Task ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction tx, TenantSetting setting)
    {
        if (setting.Statement is { } statement)
        {
            await using var command = new NpgsqlCommand(statement, connection, tx);
            await command.ExecuteNonQueryAsync();
        }
    }

    public static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql, NpgsqlTransaction? tx = null)
    {
        await using var command = new NpgsqlCommand(sql, connection, tx);
        var value = await command.ExecuteScalarAsync();
        return value is DBNull ? null : value;
    }

    public static string Describe(PostgresException? error) =>
        error is null ? "succeeded" : string.Create(CultureInfo.InvariantCulture, $"{error.SqlState}: {error.MessageText}");
}
