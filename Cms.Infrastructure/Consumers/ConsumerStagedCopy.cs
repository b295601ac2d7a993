using Cms.Infrastructure.Persistence;
using Npgsql;
using NpgsqlTypes;

namespace Cms.Infrastructure.Consumers;

/// <summary>
/// The bulk import's path on PostgreSQL without Citus (ADR 0020): the sealed rows go by binary COPY into a temporary
/// staging table (no row-level security, no index, no WAL, private to the session and dropped at commit or rollback, so
/// nothing is left behind a pooled or PgBouncer connection), then one statement moves them into consumers and
/// consumer_keys as cms_app, under the tenant policy, and returns the positions skipped as duplicates. PostgreSQL refuses
/// COPY FROM into a table under row-level security, hence the staging table. Against the multi-row INSERTs it spares the
/// server parsing and planning 17,000 parameters a statement and the client binding them.
/// </summary>
internal static class ConsumerStagedCopy
{
    private const string Staging = "consumer_import_staging";

    // The staging table has the consumers columns (LIKE: the types written once, by the migrations), the row's position in
    // the batch and its wrapped data key.
    private static readonly string Columns = string.Join(", ", ConsumerRow.Map.Written);

    private static readonly string CreateStaging =
        $"CREATE TEMPORARY TABLE {Staging} (pos integer NOT NULL, LIKE consumers, wrapped_key text NOT NULL) ON COMMIT DROP";

    private static readonly string Copy = $"COPY {Staging} (pos, {Columns}, wrapped_key) FROM STDIN (FORMAT BINARY)";

    // In file order (ORDER BY pos): the first line of an external reference is the one inserted, the later ones conflict
    // with it. The keys only of the consumers added; the tenant of the keys is the scope's, and the policy checks both.
    private static readonly string Move =
        $"""
        WITH added AS (
            INSERT INTO consumers ({Columns})
            SELECT {Columns} FROM {Staging} ORDER BY pos
            ON CONFLICT (tenant_id, external_ref_bidx) DO NOTHING
            RETURNING id
        ), added_keys AS (
            INSERT INTO consumer_keys (tenant_id, consumer_id, wrapped_key, created_at)
            SELECT @TenantId, s.id, s.wrapped_key, @CreatedAt FROM {Staging} s JOIN added a ON a.id = s.id
        )
        SELECT s.pos FROM {Staging} s WHERE NOT EXISTS (SELECT 1 FROM added a WHERE a.id = s.id) ORDER BY s.pos
        """;

    /// <summary>Writes the batch in the session's transaction (the tenant set by the session); returns the positions
    /// skipped as duplicates, ascending. Rows are sealed <paramref name="rowsAtATime"/> at a time, the next ones while the
    /// current ones are copied; <paramref name="beforeInsert"/> is awaited between the staging and the insert.</summary>
    public static async Task<IReadOnlyList<int>> RunAsync(DbSession db, ConsumerBulkWriter.SealedRows sealedRows, Guid tenantId,
        DateTimeOffset createdAt, int rowsAtATime, Func<CancellationToken, Task>? beforeInsert, CancellationToken cancellationToken)
    {
        var rows = sealedRows.Rows;
        await db.ExecuteAsync(CreateStaging, null, cancellationToken);
        var connection = (NpgsqlConnection)await db.ConnectionInTransactionAsync(cancellationToken);
        var values = new object?[ConsumerRow.Map.WrittenColumns];
        var sealing = sealedRows.SealRangeAsync(0, rowsAtATime, cancellationToken);
        try
        {
            await using var copy = await connection.BeginBinaryImportAsync(Copy, cancellationToken);
            for (var first = 0; first < rows.Length; first += rowsAtATime)
            {
                await sealing;
                sealing = sealedRows.SealRangeAsync(first + rowsAtATime, rowsAtATime, cancellationToken);
                for (var i = first; i < Math.Min(first + rowsAtATime, rows.Length); i++)
                {
                    await copy.StartRowAsync(cancellationToken);
                    await copy.WriteAsync(i, NpgsqlDbType.Integer, cancellationToken);
                    ConsumerRow.Map.CopyValues(rows[i], values);
                    foreach (var value in values)
                    {
                        await WriteAsync(copy, value, cancellationToken);
                    }

                    await copy.WriteAsync(sealedRows.WrappedKeys[i], NpgsqlDbType.Text, cancellationToken);
                }
            }

            await copy.CompleteAsync(cancellationToken);
        }
        finally
        {
            // A copy that failed leaves the next range's sealing running: it ends before the batch's transaction does.
            await sealing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        if (beforeInsert is not null)
        {
            await beforeInsert(cancellationToken);
        }

        return await db.QueryAsync<int>(Move, new { TenantId = tenantId, CreatedAt = createdAt }, cancellationToken);
    }

    // A column's value by its type (the row's properties: uuid, text, boolean, timestamptz, bigint).
    private static Task WriteAsync(NpgsqlBinaryImporter copy, object? value, CancellationToken cancellationToken) => value switch
    {
        null => copy.WriteNullAsync(cancellationToken),
        string text => copy.WriteAsync(text, NpgsqlDbType.Text, cancellationToken),
        Guid id => copy.WriteAsync(id, NpgsqlDbType.Uuid, cancellationToken),
        DateTimeOffset time => copy.WriteAsync(time, NpgsqlDbType.TimestampTz, cancellationToken),
        bool flag => copy.WriteAsync(flag, NpgsqlDbType.Boolean, cancellationToken),
        long number => copy.WriteAsync(number, NpgsqlDbType.Bigint, cancellationToken),
        _ => throw new InvalidOperationException($"The import's staging copy has no binary form for {value.GetType().Name}."),
    };
}
