namespace Cms.Tests.Support;

/// <summary>
/// A write the database refuses while the handle lives: a trigger, installed as the superuser, raising an error for the
/// rows that match a condition, so a transaction fails half-way exactly where a test wants it, on PostgreSQL and SQLite
/// alike. Disposing drops it (idempotent, never throws).
/// </summary>
public sealed class RefusedWrite : IAsyncDisposable
{
    private const string Name = "cms_test_refused_write";
    private readonly TestDatabase _db;
    private readonly string _table;
    private bool _dropped;

    private RefusedWrite(TestDatabase db, string table)
    {
        _db = db;
        _table = table;
    }

    /// <summary>Refuses <paramref name="operation"/> (INSERT, UPDATE) on <paramref name="table"/> for the rows where
    /// <paramref name="condition"/> (over NEW or OLD) holds.</summary>
    public static async Task<RefusedWrite> InstallAsync(TestDatabase db, string table, string operation, string condition)
    {
        await AtRest.SqlAsync(db, db is PostgresTestDatabase
            ? $"""
              CREATE FUNCTION {Name}() RETURNS trigger LANGUAGE plpgsql AS $$
              BEGIN RAISE EXCEPTION 'write refused by the test'; END $$;
              CREATE TRIGGER {Name} BEFORE {operation} ON {table} FOR EACH ROW WHEN ({condition}) EXECUTE FUNCTION {Name}();
              """
            : $"""
              CREATE TRIGGER {Name} BEFORE {operation} ON {table} FOR EACH ROW WHEN {condition}
              BEGIN SELECT RAISE(ABORT, 'write refused by the test'); END;
              """);
        return new RefusedWrite(db, table);
    }

    public async ValueTask DisposeAsync()
    {
        if (_dropped)
        {
            return;
        }

        _dropped = true;
        try
        {
            await AtRest.SqlAsync(_db, _db is PostgresTestDatabase
                ? $"DROP TRIGGER IF EXISTS {Name} ON {_table}; DROP FUNCTION IF EXISTS {Name}();"
                : $"DROP TRIGGER IF EXISTS {Name}");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            await TestContext.Progress.WriteLineAsync($"RefusedWrite: dropping the trigger failed: {ex.Message}");
        }
    }
}
