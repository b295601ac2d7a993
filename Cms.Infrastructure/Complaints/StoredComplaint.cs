using Cms.Infrastructure.Persistence;
using Dapper;

namespace Cms.Infrastructure.Complaints;

/// <summary>
/// A complaint as stored: its row, the deadlines that apply, and the responses of it and of the duplicates merged into it
/// (merging keeps both histories, and a survivor's deadlines count what was sent on its duplicates: Complaint.Merge).
/// The one load of a complaint, for the repository (write side) and the queries (read side) alike.
/// </summary>
internal sealed record StoredComplaint(ComplaintRow Row, IReadOnlyList<DeadlineRow> Deadlines, IReadOnlyList<ResponseRow> Responses)
{
    /// <summary>The ids of a complaint (@Id) and of the duplicates merged into it.</summary>
    public const string MergedFamily = "SELECT id FROM complaints WHERE tenant_id = @TenantId AND (id = @Id OR merged_into_id = @Id)";

    private static readonly string RowSql = $"SELECT {ComplaintRow.Map.Columns} FROM complaints WHERE {ComplaintRow.Map.KeyEquals}";

    private const string DeadlinesSql =
        $"SELECT {DeadlineRow.Columns} FROM complaint_deadlines WHERE tenant_id = @TenantId AND complaint_id = @Id AND withdrawn_at IS NULL";

    private static readonly string ResponsesSql =
        $"""
        SELECT {ResponseRow.Map.Columns} FROM complaint_responses
        WHERE tenant_id = @TenantId AND complaint_id IN ({MergedFamily})
        ORDER BY sent_at, id
        """;

    /// <summary>The complaint's row alone (null: no such complaint in the tenant).</summary>
    public static Task<ComplaintRow?> RowAsync(DbSession db, Guid tenantId, Guid id, CancellationToken cancellationToken) =>
        db.QuerySingleOrDefaultAsync<ComplaintRow>(RowSql, new { TenantId = tenantId, Id = id }, cancellationToken);

    // The consumer's wrapped data key (none: erased), for the text a write opens and seals.
    private const string ConsumerKeySql =
        "SELECT wrapped_key FROM consumer_keys WHERE tenant_id = @TenantId AND consumer_id = (SELECT consumer_id FROM complaints WHERE tenant_id = @TenantId AND id = @Id)";

    /// <summary>
    /// The complaint for a command, with its consumer's wrapped key, in ONE round trip on PostgreSQL (the statements of
    /// <see cref="LoadAsync"/> and the key's, pipelined: docs/adr/0011). <paramref name="lockRow"/> takes the row's lock
    /// for the update to come (<c>FOR NO KEY UPDATE</c>, PostgreSQL; SQLite's write transactions are one at a time): the
    /// version read is then the version the update finds, so that update needs no count read back. Null: no such complaint.
    /// </summary>
    public static Task<(StoredComplaint Stored, string? WrappedKey)?> LoadForCommandAsync(DbSession db, Guid tenantId, Guid id, bool lockRow,
        CancellationToken cancellationToken)
    {
        var lockClause = lockRow && db is PostgresSession ? " FOR NO KEY UPDATE" : "";
        return db.QueryMultipleAsync<(StoredComplaint, string?)?>(
            $"{RowSql}{lockClause};\n{DeadlinesSql};\n{ResponsesSql};\n{ConsumerKeySql}",
            new { TenantId = tenantId, Id = id },
            async results =>
            {
                var row = await results.ReadSingleOrDefaultAsync<ComplaintRow>();
                var deadlines = (await results.ReadAsync<DeadlineRow>()).AsList();
                var responses = (await results.ReadAsync<ResponseRow>()).AsList();
                var wrappedKey = await results.ReadSingleOrDefaultAsync<string?>();
                return row is null ? null : (new StoredComplaint(row, deadlines, responses), wrappedKey);
            },
            cancellationToken);
    }

    public static async Task<StoredComplaint?> LoadAsync(DbSession db, Guid tenantId, Guid id, CancellationToken cancellationToken)
    {
        var row = await RowAsync(db, tenantId, id, cancellationToken);
        if (row is null)
        {
            return null;
        }

        var key = new { TenantId = tenantId, Id = id };
        var deadlines = await db.QueryAsync<DeadlineRow>(DeadlinesSql, key, cancellationToken);
        var responses = await db.QueryAsync<ResponseRow>(ResponsesSql, key, cancellationToken);
        return new StoredComplaint(row, deadlines, responses);
    }
}
