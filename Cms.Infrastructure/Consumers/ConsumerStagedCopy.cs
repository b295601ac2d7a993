using System.Buffers;
using System.Collections.Concurrent;
using Cms.Application.Abstractions;
using Cms.Infrastructure.Persistence;
using Npgsql;

namespace Cms.Infrastructure.Consumers;

/// <summary>
/// The bulk import's path on PostgreSQL without Citus (ADR 0020): the sealed rows go by binary COPY into a temporary
/// staging table (no row-level security, no index, no WAL, private to the session and dropped at commit or rollback, so
/// nothing is left behind a pooled or PgBouncer connection), then one statement moves them into consumers and
/// consumer_keys as cms_app, under the tenant policy: all of them without ON CONFLICT under a savepoint, or, when the
/// unique index refuses a duplicate, in file order with ON CONFLICT, returning the positions skipped as duplicates. PostgreSQL refuses
/// COPY FROM into a table under row-level security, hence the staging table. Against the multi-row INSERTs it spares the
/// server parsing and planning 18,000 parameters a statement and the client binding them.
/// </summary>
internal static class ConsumerStagedCopy
{
    private const string Staging = "consumer_import_staging";

    // The staging table has the consumers columns (LIKE: the types written once, by the migrations), the row's position in
    // the batch and its wrapped data key.
    private static readonly string Columns = string.Join(", ", ConsumerRow.Map.Written);

    // DISCARD PLANS first: the keys' foreign-key check (SELECT 1 FROM ONLY consumers x WHERE tenant_id = $1 AND id = $2 FOR
    // KEY SHARE OF x) is a plan the backend keeps across transactions; made generic while consumers held a page or two (a
    // fresh database's first registrations on this pooled connection), it is a scan of consumers, and the batch's 10,000
    // checks against a table its own rows have grown turn the insert quadratic (a batch ran into the 30 s statement
    // timeout). Discarded here, the check is planned again inside the insert, with the batch's rows in the table: an index
    // scan of pk_consumers. The backend's other cached plans are made again once; nothing else is lost.
    private static readonly string CreateStaging =
        $"DISCARD PLANS; CREATE TEMPORARY TABLE {Staging} (pos integer NOT NULL, LIKE consumers, wrapped_key text NOT NULL) ON COMMIT DROP";

    private const string Savepoint = "consumer_import_unchecked";

    // The usual batch (no reference already stored, none twice in the batch): every staged row inserted, without ON CONFLICT,
    // whose per-row speculative insertion (a probe of the unique index before the insert, a lock and a confirmation record
    // a row) cost PostgreSQL about 5 of its 33 us a row on the bench's rows (docs/performance.md, 2026-12-07 evening), and
    // without the RETURNING join or the sort. A duplicate makes the unique index refuse it, at the first duplicate row; the
    // savepoint is rolled back and the batch moved by Move, which skips and reports them. The consumers are the main
    // statement, run before the keys' CTE, so a duplicate stops it before any key is written.
    private static readonly string MoveAllOrFail =
        $"""
        SAVEPOINT {Savepoint};
        WITH added_keys AS (
            INSERT INTO consumer_keys (tenant_id, consumer_id, wrapped_key, created_at)
            SELECT @TenantId, id, wrapped_key, @CreatedAt FROM {Staging}
        )
        INSERT INTO consumers ({Columns}) SELECT {Columns} FROM {Staging}
        """;

    private static readonly string Copy = $"COPY {Staging} (pos, {Columns}, wrapped_key) FROM STDIN (FORMAT BINARY)";

    // A batch with a duplicate, in file order (ORDER BY pos): the first line of an external reference is the one inserted, the later ones conflict
    // with it. The keys only of the consumers added; the tenant of the keys is the scope's, and the policy checks both.
    // The skipped positions are looked for only when fewer rows were added than staged (a one-time filter: the usual
    // batch, with no duplicate, is spared a third scan of the staging table and its anti-join).
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
        SELECT s.pos FROM {Staging} s
        WHERE (SELECT count(*) FROM added) < @Staged AND NOT EXISTS (SELECT 1 FROM added a WHERE a.id = s.id)
        ORDER BY s.pos
        """;

    // A staging row: its position, the consumers columns (in the order of ConsumerRow.Map.Written) and the wrapped key.
    private static readonly int StagingFields = 1 + ConsumerRow.Map.WrittenColumns + 1;

    /// <summary>Writes the batch in the session's transaction (the tenant set by the session); returns the positions
    /// skipped as duplicates, ascending. Rows are sealed and encoded for the binary COPY <paramref name="rowsAtATime"/> at
    /// a time on every core, the next ones while the current ones are sent; <paramref name="beforeInsert"/> is awaited
    /// between the staging and the insert.</summary>
    public static async Task<IReadOnlyList<int>> RunAsync(DbSession db, ConsumerBulkWriter.SealedRows sealedRows, Guid tenantId,
        DateTimeOffset createdAt, int rowsAtATime, Func<CancellationToken, Task>? beforeInsert, CancellationToken cancellationToken)
    {
        var rows = sealedRows.Rows;
        await db.ExecuteAsync(CreateStaging, null, cancellationToken);
        var connection = (NpgsqlConnection)await db.ConnectionInTransactionAsync(cancellationToken);
        var buffers = new ConcurrentBag<ArrayBufferWriter<byte>>();
        var sealing = sealedRows.SealIntoAsync(0, rowsAtATime, buffers, Encode, cancellationToken);
        try
        {
            await using var copy = await connection.BeginRawBinaryCopyAsync(Copy, cancellationToken);
            try
            {
                await copy.WriteAsync(PgBinaryCopy.Start, cancellationToken);
                for (var first = 0; first < rows.Length; first += rowsAtATime)
                {
                    var sealedRange = await sealing;
                    sealing = sealedRows.SealIntoAsync(first + rowsAtATime, rowsAtATime, buffers, Encode, cancellationToken);
                    foreach (var buffer in sealedRange)
                    {
                        await copy.WriteAsync(buffer.WrittenMemory, cancellationToken);
                        buffers.Add(buffer);
                    }
                }

                await copy.WriteAsync(PgBinaryCopy.End, cancellationToken);
            }
            catch
            {
                // The server discards the COPY (a half-written row must not be completed by the disposal).
                await copy.CancelAsync();
                throw;
            }
        }
        finally
        {
            // A copy that failed leaves the next range's sealing running: it ends before the batch's transaction does.
            await ((Task)sealing).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        if (beforeInsert is not null)
        {
            await beforeInsert(cancellationToken);
        }

        try
        {
            await db.ExecuteAsync(MoveAllOrFail, new { TenantId = tenantId, CreatedAt = createdAt }, cancellationToken);
            return [];
        }
        catch (DuplicateKeyException)
        {
            await db.ExecuteAsync($"ROLLBACK TO SAVEPOINT {Savepoint}", null, cancellationToken);
        }

        return await db.QueryAsync<int>(Move, new { TenantId = tenantId, CreatedAt = createdAt, Staged = (long)rows.Length }, cancellationToken);
    }

    // One staging row, on the worker that sealed it (its values read through the column map: no per-column code here).
    private static void Encode(IBufferWriter<byte> output, int position, ConsumerRow row, string wrappedKey)
    {
        var values = Values ??= new object?[ConsumerRow.Map.WrittenColumns];
        PgBinaryCopy.RowStart(output, StagingFields);
        PgBinaryCopy.Int32(output, position);
        ConsumerRow.Map.CopyValues(row, values);
        foreach (var value in values)
        {
            PgBinaryCopy.Value(output, value);
        }

        PgBinaryCopy.Text(output, wrappedKey);
    }

    // Each worker thread's array for a row's values, reused row after row.
    [ThreadStatic]
    private static object?[]? Values;
}
