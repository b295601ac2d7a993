using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Offboarding;

/// <summary>A table holding tenant data (it has a tenant_id column) and the columns of its references to itself.</summary>
public sealed record TenantTable(string Name, IReadOnlyList<string> SelfReferences)
{
    /// <summary>The name quoted for SQL text (never caller input: it comes from the catalogue).</summary>
    public string Quoted => $"\"{Name.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
}

/// <summary>
/// The tenant tables as the database's own catalogue lists them (pg_catalog on PostgreSQL; sqlite_master and the table
/// pragmas on SQLite): every table with a tenant_id column, never a list kept by hand, so a table added later is
/// exported and deleted without anyone remembering it. Partitions are reached through their partitioned table.
/// </summary>
public static class TenantCatalogue
{
    private const string PostgresTables = """
        SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
          AND EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
        ORDER BY c.relname
        """;

    /// <summary>Each foreign key as (referencing table, referenced table, referencing column).</summary>
    private const string PostgresReferences = """
        SELECT ch.relname AS child, pa.relname AS parent, a.attname AS column_name
        FROM pg_catalog.pg_constraint k
        JOIN pg_catalog.pg_class ch ON ch.oid = k.conrelid
        JOIN pg_catalog.pg_class pa ON pa.oid = k.confrelid
        JOIN pg_catalog.pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey)
        JOIN pg_catalog.pg_namespace n ON n.oid = ch.relnamespace
        WHERE k.contype = 'f' AND n.nspname = 'public' AND NOT ch.relispartition
        """;

    private const string SqliteTables = """
        SELECT m.name FROM sqlite_master m
        WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'
          AND EXISTS (SELECT 1 FROM pragma_table_info(m.name) p WHERE p.name = 'tenant_id')
        ORDER BY m.name
        """;

    private const string SqliteReferences = """
        SELECT m.name AS child, f."table" AS parent, f."from" AS column_name
        FROM sqlite_master m, pragma_foreign_key_list(m.name) f WHERE m.type = 'table'
        """;

    /// <summary>The tenant tables by name.</summary>
    public static async Task<IReadOnlyList<TenantTable>> TablesAsync(DbSession db, CancellationToken cancellationToken)
    {
        var names = await db.QueryAsync<string>(db is PostgresSession ? PostgresTables : SqliteTables, null, cancellationToken);
        var references = await ReferencesAsync(db, cancellationToken);
        return [.. names.Select(name => new TenantTable(name,
            [.. references.Where(r => r.Child == name && r.Parent == name && r.ColumnName != "tenant_id").Select(r => r.ColumnName).Distinct().Order()]))];
    }

    /// <summary>The tenant tables in an order that deletes every referencing row before the row it references (references
    /// of a table to itself are cleared first: <see cref="TenantTable.SelfReferences"/>).</summary>
    public static async Task<IReadOnlyList<TenantTable>> DeletionOrderAsync(DbSession db, CancellationToken cancellationToken)
    {
        var tables = await TablesAsync(db, cancellationToken);
        var references = await ReferencesAsync(db, cancellationToken);
        var byName = tables.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var referencedBy = references.Where(r => r.Child != r.Parent && byName.ContainsKey(r.Child) && byName.ContainsKey(r.Parent))
            .GroupBy(r => r.Parent, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(r => r.Child).Distinct(StringComparer.Ordinal).ToList(), StringComparer.Ordinal);
        var ordered = new List<TenantTable>();
        var placed = new HashSet<string>(StringComparer.Ordinal);
        var visiting = new HashSet<string>(StringComparer.Ordinal);

        void Place(string name)
        {
            if (placed.Contains(name) || !visiting.Add(name))
            {
                return; // placed already, or a cycle: its other tables come first as far as they can
            }

            foreach (var child in referencedBy.GetValueOrDefault(name) ?? [])
            {
                Place(child);
            }

            visiting.Remove(name);
            placed.Add(name);
            ordered.Add(byName[name]);
        }

        foreach (var table in tables)
        {
            Place(table.Name);
        }

        return ordered;
    }

    private static Task<IReadOnlyList<Reference>> ReferencesAsync(DbSession db, CancellationToken cancellationToken) =>
        db.QueryAsync<Reference>(db is PostgresSession ? PostgresReferences : SqliteReferences, null, cancellationToken);

    private sealed class Reference
    {
        public string Child { get; init; } = "";
        public string Parent { get; init; } = "";
        public string ColumnName { get; init; } = "";
    }
}
