namespace Cms.Infrastructure.Persistence;

/// <summary>
/// Rows a command read for its update with their lock (<c>FOR NO KEY UPDATE</c>, PostgreSQL), with the version read: no
/// other transaction can change such a row until this one ends, so its update guarded by that version cannot miss and
/// travels with the next round trip (<see cref="DbSession.DeferAsync"/>) instead of reading its count back in one of its
/// own, as a complaint's (docs/adr/0011, parts 3 and 5). A row read otherwise (unlocked, another transaction, SQLite) is
/// updated as before, its count read. Scoped: one request's.
/// </summary>
internal sealed class LockedRows(DbSession db)
{
    private readonly Dictionary<(string Table, Guid Id), (long Version, long Transaction)> _read = [];

    /// <summary>The lock clause for a read whose row the command updates next (empty on SQLite, whose write transactions
    /// run one at a time); <paramref name="of"/> names the locked table of a join.</summary>
    public string Clause(string? of = null) => db is PostgresSession ? $" FOR NO KEY UPDATE{(of is null ? "" : " OF " + of)}" : "";

    /// <summary>Reads one row for a command that updates it: <paramref name="sql"/> (ending in its WHERE clause) with the lock
    /// clause appended, the row then recorded at its version (<see cref="Read"/>).</summary>
    public async Task<TRow?> ReadAsync<TRow>(string table, Guid id, string sql, object parameters, Func<TRow, long> version,
        CancellationToken cancellationToken)
        where TRow : class
    {
        var row = await db.QuerySingleOrDefaultAsync<TRow>(sql + Clause(), parameters, cancellationToken);
        if (row is not null)
        {
            Read(table, id, version(row));
        }

        return row;
    }

    /// <summary>Records a row just read with <see cref="Clause"/>, at its version.</summary>
    public void Read(string table, Guid id, long version)
    {
        if (db is PostgresSession)
        {
            _read[(table, id)] = (version, db.TransactionNumber);
        }
    }

    /// <summary>
    /// The update of a row guarded by <paramref name="expectedVersion"/> (<paramref name="sql"/> holds the guard); true when
    /// it applies. Held for the next round trip when the current transaction locked the row at that version; the row then
    /// counts as at <paramref name="newVersion"/>.
    /// </summary>
    public async Task<bool> UpdateAsync(string table, Guid id, long expectedVersion, long newVersion, string sql, object parameters,
        CancellationToken cancellationToken)
    {
        if (_read.TryGetValue((table, id), out var read) && read.Transaction == db.TransactionNumber && read.Version == expectedVersion)
        {
            await db.DeferAsync(sql, parameters, cancellationToken);
            _read[(table, id)] = (newVersion, read.Transaction);
            return true;
        }

        return await db.ExecuteAsync(sql, parameters, cancellationToken) == 1;
    }
}
