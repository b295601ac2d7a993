using System.Text;

namespace Cms.Tests.Support;

/// <summary>
/// What a refused request must leave as it was, read past row-level security: the row count of every table of the
/// schema (partitioned tables counted once, as their parent) and the sum of every <c>version</c> column, so that an
/// insert, a delete or an optimistic-concurrency update anywhere shows.
/// </summary>
public static class DatabaseSnapshot
{
    /// <summary>Written by the instance heartbeat on its own schedule, never by a request.</summary>
    private static readonly HashSet<string> BackgroundOnly = new(StringComparer.Ordinal) { "service_instances" };

    /// <summary>On PostgreSQL the chain heads are the sealer's cursor, written by the sealer alone (docs/adr/0011): a tenant's
    /// first head appears with its first batch, which the sealer's pause can put after the next request. (SQLite's writers
    /// move the head themselves; there it counts.)</summary>
    private const string SealerCursor = "audit_chain_heads";

    /// <summary>The sealer moves committed events from the outbox into the feed at any moment: counted together they stay put.</summary>
    private static readonly Dictionary<string, string> SameRowsAs = new(StringComparer.Ordinal) { ["event_outbox"] = "events" };

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

        // Every count in one snapshot: the sealer moving an event from the outbox to the feed between two counts would
        // count it twice (or not at all).
        // (SQLite: a deferred transaction reads one WAL snapshot from its first read and takes no write lock.)
        await using System.Data.Common.DbTransaction snapshotTransaction = connection is Microsoft.Data.Sqlite.SqliteConnection sqlite
            ? sqlite.BeginTransaction(deferred: true)
            : await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead);
        var counts = new SortedDictionary<string, (long Rows, long Versions, bool Versioned)>(StringComparer.Ordinal);
        foreach (var (table, versioned) in tables.Where(t => !BackgroundOnly.Contains(t.Table)
                     && !(db.Kind == DatabaseKind.Postgres && t.Table == SealerCursor)))
        {
            await using var count = connection.CreateCommand();
            count.Transaction = snapshotTransaction;
            // Table names come from the catalogue, not from input.
            count.CommandText = $"SELECT COUNT(*){(versioned ? ", COALESCE(SUM(version), 0)" : "")} FROM \"{table}\"";
            await using var reader = await count.ExecuteReaderAsync();
            await reader.ReadAsync();
            var name = SameRowsAs.GetValueOrDefault(table, table);
            var (rows, versions, _) = counts.GetValueOrDefault(name);
            counts[name] = (rows + Convert.ToInt64(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture),
                versions + (versioned ? Convert.ToInt64(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture) : 0),
                versioned);
        }

        var snapshot = new StringBuilder();
        foreach (var (table, (rows, versions, versioned)) in counts)
        {
            snapshot.Append(table).Append('=').Append(rows);
            if (versioned)
            {
                snapshot.Append("/v").Append(versions);
            }

            snapshot.Append(' ');
        }

        Assert.That(tables, Has.Count.GreaterThan(10), "the catalogue was read");
        return snapshot.ToString();
    }
}
