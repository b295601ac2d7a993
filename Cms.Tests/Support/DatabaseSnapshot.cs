using System.Text;

namespace Cms.Tests.Support;

/// <summary>
/// What a refused request must leave as it was, read past row-level security: the row count of every table of the
/// schema (partitioned tables counted once, as their parent) and the sum of every <c>version</c> column, so that an
/// insert, a delete or an optimistic-concurrency update anywhere shows.
/// </summary>
public static class DatabaseSnapshot
{
    /// <summary>Rows of every table and the sum of every <c>version</c> column, read past row-level security.</summary>
    public static async Task<string> TakeAsync(TestDatabase db)
    {
        await using var connection = db.OpenPrivileged();
        var tables = new List<(string Table, bool Versioned)>();
        await using (var list = connection.CreateCommand())
        {
            list.CommandText = db.Kind == DatabaseKind.Postgres
                ? """
                  SELECT c.relname, EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'version' AND NOT a.attisdropped)
                  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY c.relname
                  """
                : """
                  SELECT m.name, EXISTS (SELECT 1 FROM pragma_table_info(m.name) p WHERE p.name = 'version')
                  FROM sqlite_master m WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name
                  """;
            await using var reader = await list.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                tables.Add((reader.GetString(0), Convert.ToBoolean(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture)));
            }
        }

        var snapshot = new StringBuilder();
        foreach (var (table, versioned) in tables)
        {
            await using var count = connection.CreateCommand();
            // Table names come from the catalogue, not from input.
            count.CommandText = $"SELECT COUNT(*){(versioned ? ", COALESCE(SUM(version), 0)" : "")} FROM \"{table}\"";
            await using var reader = await count.ExecuteReaderAsync();
            await reader.ReadAsync();
            snapshot.Append(table).Append('=').Append(reader.GetValue(0));
            if (versioned)
            {
                snapshot.Append("/v").Append(reader.GetValue(1));
            }

            snapshot.Append(' ');
        }

        Assert.That(tables, Has.Count.GreaterThan(10), "the catalogue was read");
        return snapshot.ToString();
    }
}
