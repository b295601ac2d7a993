using System.Text;
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

    // The complaints merged into one (ids and versions), for a merge that repoints them at its survivor.
    private const string MergedIntoSql = "SELECT id, version FROM complaints WHERE tenant_id = @TenantId AND merged_into_id = @Id ORDER BY id";

    /// <summary>
    /// Complaints for a command or a read, each with its consumer's wrapped key, in ONE round trip on PostgreSQL (the row,
    /// its deadlines and responses and the key's statement for each, pipelined: docs/adr/0011, 0023). <paramref name="lockRow"/> takes the rows'
    /// locks for the update to come (<c>FOR NO KEY UPDATE</c>, PostgreSQL; SQLite's write transactions are one at a time):
    /// the version read is then the version the update finds, so that update needs no count read back. Several complaints
    /// (a merge's two) are loaded in id order, so two commands that lock the same complaints lock them in the same order
    /// (no deadlock between two merges of one pair); each then also comes with the complaints merged into it, locked too.
    /// <paramref name="endsRead"/>: a query's last read (<see cref="QuerySession.QueryLastAsync{T}"/>). The complaints
    /// found, in id order.
    /// </summary>
    public static Task<IReadOnlyList<ForCommand>> LoadForCommandAsync(DbSession db, Guid tenantId, IReadOnlyCollection<Guid> ids, bool lockRow,
        CancellationToken cancellationToken, bool endsRead = false)
    {
        var lockClause = lockRow && db is PostgresSession ? " FOR NO KEY UPDATE" : "";
        var ordered = ids.Distinct().Order().ToList();
        var withMerged = ordered.Count > 1;
        var one = $"{RowSql}{lockClause};\n{DeadlinesSql};\n{ResponsesSql};\n{ConsumerKeySql}" + (withMerged ? $";\n{MergedIntoSql}{lockClause}" : "");
        var sql = new StringBuilder();
        var parameters = new DynamicParameters();
        parameters.Add("TenantId", tenantId);
        for (var i = 0; i < ordered.Count; i++)
        {
            // The first keeps @Id (the one complaint of a transition: the statements as always); others @Id1, @Id2...
            var name = i == 0 ? "Id" : $"Id{i}";
            parameters.Add(name, ordered[i]);
            sql.Append(i == 0 ? "" : ";\n").Append(i == 0 ? one : one.Replace("@Id", $"@{name}", StringComparison.Ordinal));
        }

        return db.QueryMultipleAsync<IReadOnlyList<ForCommand>>(sql.ToString(), parameters,
            async results =>
            {
                var found = new List<ForCommand>();
                foreach (var _ in ordered)
                {
                    var row = await results.ReadSingleOrDefaultAsync<ComplaintRow>();
                    var deadlines = (await results.ReadAsync<DeadlineRow>()).AsList();
                    var responses = (await results.ReadAsync<ResponseRow>()).AsList();
                    var wrappedKey = await results.ReadSingleOrDefaultAsync<string?>();
                    var merged = withMerged ? (await results.ReadAsync<MergedComplaint>()).AsList() : null;
                    if (row is not null)
                    {
                        found.Add(new ForCommand(new StoredComplaint(row, deadlines, responses), wrappedKey, merged));
                    }
                }

                return found;
            },
            cancellationToken, endsRead);
    }

    /// <summary>
    /// One complaint for a query (GET by id), with its consumer's wrapped key: the statements of
    /// <see cref="LoadForCommandAsync"/> for one complaint, unlocked, in one round trip that ends the read, their rows read
    /// from the reader by hand (<see cref="ComplaintRow.Read"/>). Null: no such complaint in the tenant.
    /// </summary>
    public static Task<(StoredComplaint Stored, string? WrappedKey)?> LoadForReadAsync(DbSession db, Guid tenantId, Guid id,
        CancellationToken cancellationToken) =>
        db.ReadResultsAsync<(StoredComplaint, string?)?>($"{RowSql};\n{DeadlinesSql};\n{ResponsesSql};\n{ConsumerKeySql}",
            new { TenantId = tenantId, Id = id },
            async reader =>
            {
                var row = await reader.ReadAsync(cancellationToken) ? ComplaintRow.Read(reader) : null;
                var deadlines = await NextRowsAsync(reader, DeadlineRow.Read, cancellationToken);
                var responses = await NextRowsAsync(reader, ResponseRow.Read, cancellationToken);
                var keys = await NextRowsAsync(reader, r => r.IsDBNull(0) ? null : r.GetString(0), cancellationToken);
                return row is null ? null : (new StoredComplaint(row, deadlines, responses), keys is [var key, ..] ? key : null);
            },
            endsRead: true, cancellationToken);

    private static async Task<List<T>> NextRowsAsync<T>(System.Data.Common.DbDataReader reader, Func<System.Data.Common.DbDataReader, T> read,
        CancellationToken cancellationToken)
    {
        var rows = new List<T>();
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    /// <summary>A complaint loaded for a command: as stored, its consumer's wrapped key (null: erased), and the complaints
    /// merged into it (null: not read).</summary>
    public sealed record ForCommand(StoredComplaint Stored, string? WrappedKey, IReadOnlyList<MergedComplaint>? Merged);

    /// <summary>A complaint merged into another, as read for a merge that repoints it.</summary>
    public sealed class MergedComplaint
    {
        public Guid Id { get; init; }
        public long Version { get; init; }
    }
}
